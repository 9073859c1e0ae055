import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../store/db.js';

/**
 * A consistent copy of the live database (SQLite's online backup API, so the pipeline keeps
 * writing meanwhile), streamed and then removed. The copy is made under the data dir: the
 * same disk, and never a tmpfs that might be too small.
 */
export async function backupDb(db: Db, dataDir: string): Promise<{ stream: Readable; bytes: number }> {
  const file = join(dataDir, `.backup-${process.pid}-${Date.now()}.db`);
  try {
    const meta = await db.backup(file);
    if (meta.remainingPages !== 0) throw new Error('backup did not complete');
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  const { size } = await stat(file);
  const stream = createReadStream(file);
  const cleanup = () => void rm(file, { force: true });
  stream.once('close', cleanup);
  return { stream, bytes: size };
}
