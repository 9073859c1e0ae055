import { resolve } from 'node:path';
import { HubErrors } from '../errors.js';
import { openStore, type Store } from '../store/store.js';
import { acquireLock, pidAlive, readLock } from '../system/lock.js';

/**
 * How an admin command reaches the hub's data: through the running hub's API when a live
 * hub holds the PGlite data dir (two processes must never open it), else by opening the
 * store directly while holding the lock itself.
 */
export type AdminTarget = { kind: 'api'; baseUrl: string; token: string } | { kind: 'store'; store: Store; close(): Promise<void> };

const WAIT_FOR_HUB_MS = 15_000;

export async function openAdminTarget(opts: { data?: string | undefined; databaseUrl?: string | undefined }): Promise<AdminTarget> {
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (databaseUrl) {
    // A server takes any number of clients; no lock needed.
    const store = await openStore({ dataDir: opts.data ?? '.', databaseUrl });
    return { kind: 'store', store, close: () => store.close() };
  }
  if (!opts.data) throw HubErrors.SPOOR_E_BAD_REQUEST('--data <dir> (or --database-url / DATABASE_URL) is required');
  const dataDir = resolve(opts.data);
  const deadline = Date.now() + WAIT_FOR_HUB_MS;
  for (;;) {
    const lock = readLock(dataDir);
    if (lock && lock.pid !== process.pid && pidAlive(lock.pid)) {
      if (lock.role === 'hub' && lock.http) return { kind: 'api', baseUrl: `http://127.0.0.1:${lock.http}`, token: lock.token };
      // A hub still starting, or another admin command: wait for it, but not forever.
      if (Date.now() > deadline) {
        throw HubErrors.SPOOR_E_DATA_DIR_LOCKED(`${dataDir} is held by pid ${lock.pid} (${lock.role}${lock.http ? '' : ', not serving HTTP yet'})`);
      }
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      const held = acquireLock(dataDir, 'cli');
      try {
        const store = await openStore({ dataDir });
        return {
          kind: 'store',
          store,
          async close() {
            await store.close();
            held.release();
          },
        };
      } catch (err) {
        held.release();
        throw err;
      }
    } catch (err) {
      // Lost a race with a hub that just started: go round and use its API.
      if ((err as { code?: string }).code === 'SPOOR_E_DATA_DIR_LOCKED' && Date.now() < deadline) continue;
      throw err;
    }
  }
}

/** Call the running hub's API with the local admin token; a hung hub fails in seconds, not never. */
export async function callHub<T>(target: { baseUrl: string; token: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw HubErrors.SPOOR_E_HUB_UNREACHABLE(`${target.baseUrl}: ${(err as Error).message}`, { cause: err });
  }
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } } & T;
  if (!res.ok) {
    const code = json.error?.code;
    const factory = code && code in HubErrors ? HubErrors[code as keyof typeof HubErrors] : HubErrors.SPOOR_E_INTERNAL;
    // The hub already composed the message; keep it as the detail.
    throw factory(json.error?.message ?? `HTTP ${res.status}`);
  }
  return json;
}
