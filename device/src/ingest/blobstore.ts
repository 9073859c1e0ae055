/**
 * Content-addressed, durable file store: `root/ab/cd/<sha256>` (no extension).
 *
 * A blob is written to `root/.tmp/` (same file system, so the rename is atomic), fsynced,
 * renamed into place, and the target folder is fsynced. A file path is hashed while it
 * is copied, so it is read only once. When `put` resolves, the blob survives power loss.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceErrors } from '../errors.js';

export interface PutResult {
  sha256: string;
  /** Where the blob lies, as `path(sha256)` returns it. */
  path: string;
  bytes: number;
  /** True when the same bytes were already stored (nothing was written). */
  existed: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly root: string;
  readonly #tmp: string;

  constructor(root: string) {
    this.root = root;
    this.#tmp = join(root, '.tmp');
  }

  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw DeviceErrors.SPOOR_E_NOT_FOUND(`no blob can be named "${sha256}"`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): boolean {
    return SHA256_HEX.test(sha256) && existsSync(this.path(sha256));
  }

  /** Store bytes, or the file at a path. Throws SPOOR_E_IO on read/write failure. */
  async put(src: string | Buffer): Promise<PutResult> {
    try {
      // Bytes in hand: hash first, so a duplicate costs no write at all.
      const known = Buffer.isBuffer(src) ? createHash('sha256').update(src).digest('hex') : undefined;
      if (known !== undefined && this.has(known)) return { sha256: known, path: this.path(known), bytes: src.length, existed: true };
      await mkdir(this.#tmp, { recursive: true });
      const tmp = join(this.#tmp, `${randomUUID()}.part`);
      try {
        const { sha256, bytes } = await writeSynced(tmp, src, known);
        const path = this.path(sha256);
        if (existsSync(path)) return { sha256, path, bytes, existed: true };
        const dir = join(path, '..');
        const created = await mkdir(dir, { recursive: true });
        await rename(tmp, path);
        await fsyncDir(dir);
        // New fan-out folders are entries in their parents, which must reach the disk too.
        if (created !== undefined) for (const parent of [join(dir, '..'), this.root]) await fsyncDir(parent);
        return { sha256, path, bytes, existed: false };
      } finally {
        await rm(tmp, { force: true });
      }
    } catch (err) {
      const what = typeof src === 'string' ? src : `${src.length} bytes`;
      throw DeviceErrors.SPOOR_E_IO(`storing ${what} in ${this.root}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Write `src` to `tmp`, hashing on the way unless the hash is `known`, and fsync it. */
async function writeSynced(tmp: string, src: string | Buffer, known: string | undefined): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const out = await open(tmp, 'wx');
  try {
    if (typeof src === 'string') {
      for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        await out.writeFile(chunk);
        bytes += chunk.length;
      }
    } else {
      if (known === undefined) hash.update(src);
      await out.writeFile(src);
      bytes = src.length;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return { sha256: known ?? hash.digest('hex'), bytes };
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
