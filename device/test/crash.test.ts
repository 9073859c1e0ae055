import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startDaemonProcess, waitFor, writeBurst } from './helpers.js';

const FRAMES = 12;

describe('kill -9 in the middle of a burst', () => {
  it('loses nothing that left the inbox and processes nothing twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-crash-'));
    const staging = join(dir, 'staging');
    await mkdir(staging);
    await mkdir(join(dir, 'inbox'));
    const files = await writeBurst(staging, 'burst', {
      objects: [{ category: 'animal', species: 'Panthera pardus', individual: 4, box: [0.3, 0.3, 0.3, 0.35] }],
      frames: FRAMES, startMs: Date.parse('2026-06-02T01:00:00Z'), gapSec: 1, seed: 40, width: 1920, height: 1080,
    });
    const shaOf = new Map<string, string>();
    for (const f of files) shaOf.set(createHash('sha256').update(await readFile(f)).digest('hex'), f);
    const config = join(dir, 'device.json');
    await writeFile(config, JSON.stringify({ dataDir: 'data', inbox: 'inbox', http: { host: '127.0.0.1', port: 0 }, watch: { stableMs: 100, pollMs: 50 }, pipeline: { burstWindowSec: 1 } }));

    const first = await startDaemonProcess(config);
    for (const f of files) await copyFile(f, join(dir, 'inbox', f.split('/').pop() as string));
    const dbFile = join(dir, 'data', 'spoor.db');
    const count = (sql: string) => {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(sql).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    // Kill once some frames are done and others are not: mid-burst.
    await waitFor(() => count(`SELECT count(*) AS n FROM captures WHERE status = 'done'`) >= 1, 'the first processed frame', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const doneAtKill = count(`SELECT count(*) AS n FROM captures WHERE status = 'done'`);
    expect(doneAtKill).toBeLessThan(FRAMES);

    // Every file that left the inbox is in SQLite (ingest commits before it removes the source).
    const left = new Set(await readdir(join(dir, 'inbox')));
    const db = new Database(dbFile, { readonly: true });
    const known = new Set((db.prepare('SELECT sha256 FROM captures').all() as { sha256: string }[]).map((r) => r.sha256));
    db.close();
    for (const [sha, file] of shaOf) {
      const name = file.split('/').pop() as string;
      if (!left.has(name)) expect(known.has(sha), `${name} left the inbox but is not in SQLite`).toBe(true);
    }

    const second = await startDaemonProcess(config);
    try {
      await waitFor(
        async () => (await readdir(join(dir, 'inbox'))).length === 0 && count(`SELECT count(*) AS n FROM captures WHERE status = 'pending'`) === 0 && count('SELECT count(*) AS n FROM sightings') >= 1,
        'the restarted daemon to finish the burst',
        60_000,
      );
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(count(`SELECT count(*) AS n FROM captures WHERE status = 'done'`)).toBe(FRAMES);
    // One leopard per frame: a frame processed twice would show two detection rows.
    expect(count('SELECT max(n) AS n FROM (SELECT count(*) AS n FROM detections GROUP BY capture_id)')).toBe(1);
    expect(count('SELECT count(*) AS n FROM detections')).toBe(FRAMES);
    expect(count('SELECT count(*) AS n FROM sightings')).toBe(1);
    const check = new Database(dbFile, { readonly: true });
    const body = JSON.parse((check.prepare('SELECT body FROM sightings').get() as { body: string }).body) as { frames: unknown[] };
    check.close();
    expect(body.frames).toHaveLength(FRAMES);
  }, 180_000);
});
