import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubErrors } from '../errors.js';
import { randomSecret } from '../store/secrets.js';

/**
 * `<data>/hub.lock.json`: who owns an embedded (PGlite) data dir. A running hub writes its
 * pid, HTTP port and a local admin token (mode 0600) so the admin CLIs can go through its
 * API instead of opening the database a second time. A CLI that opens the store directly
 * holds the lock too (with `http: null`) for as long as it has the database open.
 */
export interface LockInfo {
  pid: number;
  role: 'hub' | 'cli';
  http: number | null;
  token: string;
  startedAt: string;
}

export const LOCK_FILE = 'hub.lock.json';

export function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock as written, or null when there is none (or it is unreadable: a half-written file). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    return typeof v.pid === 'number' ? v : null;
  } catch {
    return null;
  }
}

export interface HeldLock {
  readonly info: LockInfo;
  setHttpPort(port: number): void;
  release(): void;
}

/** Take the data dir, or throw SPOOR_E_DATA_DIR_LOCKED naming the live owner. A stale lock (dead pid) is taken over. */
export function acquireLock(dataDir: string, role: 'hub' | 'cli'): HeldLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const info: LockInfo = { pid: process.pid, role, http: null, token: randomSecret(32), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
      return held(file, info);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = readLock(dataDir);
    if (other && other.pid !== process.pid && pidAlive(other.pid)) {
      throw HubErrors.SPOOR_E_DATA_DIR_LOCKED(`${dataDir} is held by ${other.role === 'hub' ? 'a running hub' : 'an admin command'} (pid ${other.pid}${other.http ? `, http port ${other.http}` : ''})`);
    }
    if (!other && attempt === 0) {
      // Possibly being written this instant: look again before calling it stale.
      sleepSync(200);
      continue;
    }
    rmSync(file, { force: true });
  }
  throw HubErrors.SPOOR_E_DATA_DIR_LOCKED(`could not take ${file}`);
}

function held(file: string, info: LockInfo): HeldLock {
  let released = false;
  return {
    info,
    setHttpPort(port) {
      info.http = port;
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
      renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      // Only remove it if it is still ours.
      try {
        const cur = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
        if (cur.pid === info.pid && cur.token === info.token) rmSync(file, { force: true });
      } catch {
        /* already gone */
      }
    },
  };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
