import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchFolder } from './watch-folder.js';

let root: string;
let inbox: string;
let watcher: WatchFolder | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'spoor-watch-'));
  inbox = join(root, 'inbox');
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await rm(root, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('WatchFolder', () => {
  it('takes a file written in chunks over 600 ms once, only after it stopped growing', async () => {
    const calls: { size: number; at: number }[] = [];
    watcher = new WatchFolder({
      dir: inbox,
      stableMs: 200,
      pollMs: 50,
      onFile: async (path) => void calls.push({ size: (await stat(path)).size, at: Date.now() }),
    });
    await watcher.start(); // creates the missing inbox
    const file = await open(join(inbox, 'IMG_0001.JPG'), 'w');
    for (let i = 0; i < 7; i++) {
      await file.write(Buffer.alloc(10_000, i));
      await file.sync();
      await sleep(100);
    }
    await file.close();
    const lastWrite = Date.now() - 100;
    await until(() => calls.length > 0);
    await sleep(500);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.size).toBe(70_000);
    expect((calls[0]?.at ?? 0) - lastWrite).toBeGreaterThanOrEqual(150);
  });

  it('takes files already there at start, oldest first, and skips partials, dotfiles and folders', async () => {
    await mkdir(join(inbox, 'subfolder'), { recursive: true });
    for (const name of ['new.jpg', 'old.jpg', 'upload.jpg.part', '.rsync-tmp.jpg', 'x.tmp', 'y.crdownload', 'skip-me.txt']) {
      await writeFile(join(inbox, name), 'x');
    }
    await writeFile(join(inbox, 'subfolder', 'inner.jpg'), 'x');
    await utimes(join(inbox, 'old.jpg'), new Date('2024-01-01'), new Date('2024-01-01'));
    const taken: string[] = [];
    watcher = new WatchFolder({
      dir: inbox,
      stableMs: 100,
      pollMs: 50,
      ignore: (name) => name.endsWith('.txt'),
      onFile: async (path) => {
        taken.push(basename(path));
        await unlink(path);
      },
    });
    await watcher.start();
    await until(() => taken.length === 2);
    await sleep(300);
    expect(taken).toEqual(['old.jpg', 'new.jpg']);
  });

  it('retries a file whose handler failed, without stalling the others', async () => {
    await mkdir(inbox);
    await writeFile(join(inbox, 'a.jpg'), 'a');
    await utimes(join(inbox, 'a.jpg'), new Date('2024-01-01'), new Date('2024-01-01'));
    await writeFile(join(inbox, 'b.jpg'), 'b');
    const log: string[] = [];
    let failA = true;
    watcher = new WatchFolder({
      dir: inbox,
      stableMs: 50,
      pollMs: 30,
      retryMs: 200,
      onFile: async (path) => {
        const name = basename(path);
        log.push(name);
        if (name === 'a.jpg' && failA) {
          failA = false;
          throw new Error('database is locked');
        }
        await unlink(path);
      },
    });
    await watcher.start();
    await until(() => !existsSync(join(inbox, 'a.jpg')) && !existsSync(join(inbox, 'b.jpg')));
    expect(log).toEqual(['a.jpg', 'b.jpg', 'a.jpg']);
  });

  it('stop() waits for the file in flight and hands out nothing afterwards', async () => {
    await mkdir(inbox);
    await writeFile(join(inbox, 'a.jpg'), 'a');
    let inFlight = false;
    let finished = 0;
    let calls = 0;
    watcher = new WatchFolder({
      dir: inbox,
      stableMs: 50,
      pollMs: 30,
      onFile: async () => {
        calls += 1;
        inFlight = true;
        await sleep(300);
        inFlight = false;
        finished += 1;
      },
    });
    await watcher.start();
    await until(() => inFlight);
    await writeFile(join(inbox, 'b.jpg'), 'b');
    await watcher.stop();
    expect(finished).toBe(1);
    await sleep(300);
    expect(calls).toBe(1);
  });
});
