import { join } from 'node:path';
import { DeviceRepo } from './devices.js';
import { migrate } from './migrations.js';
import { MediaRepo } from './media.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { SightingRepo } from './sightings.js';
import type { Sql } from './sql.js';
import { TokenRepo } from './tokens.js';

export interface Store {
  sql: Sql;
  devices: DeviceRepo;
  tokens: TokenRepo;
  sightings: SightingRepo;
  media: MediaRepo;
  /** A cheap round trip, for /ready. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Wrap an open connection in the repositories, after bringing its schema up to date. */
export async function storeOver(sql: Sql): Promise<Store> {
  await migrate(sql);
  return {
    sql,
    devices: new DeviceRepo(sql),
    tokens: new TokenRepo(sql),
    sightings: new SightingRepo(sql),
    media: new MediaRepo(sql),
    async ping() {
      try {
        await sql.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => sql.close(),
  };
}

/** The server when `databaseUrl` is set, else PGlite in `<dataDir>/pg`. */
export async function openStore(opts: { dataDir: string; databaseUrl?: string | undefined }): Promise<Store> {
  const sql = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : await openPglite(join(opts.dataDir, 'pg'));
  try {
    return await storeOver(sql);
  } catch (err) {
    await sql.close().catch(() => {});
    throw err;
  }
}
