import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Sql } from './sql.js';
import { storeOver, type Store } from './store.js';

/** The server the tests use; override with SPOOR_TEST_PG_URL (a database the user may CREATE DATABASE from). */
export const TEST_PG_URL = process.env.SPOOR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const START_PG_HINT =
  'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (trust auth, user postgres, database test), or point SPOOR_TEST_PG_URL at one.';

export interface TestDb {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database `spoor_test_<random>` on the test server, so parallel runs never collide. Fails loudly if the server is down. */
export async function createTestDatabase(): Promise<TestDb> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`The Postgres server at ${TEST_PG_URL} is not reachable (${(err as Error).message}). ${START_PG_HINT}`);
  }
  const name = `spoor_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface StoreFactory {
  name: 'pglite' | 'postgres';
  /** Raw connections to one fresh database (several, to test concurrent hubs). */
  connect(): Promise<Sql>;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

/** One factory per backend; the same repository suite runs over both. */
export async function storeFactory(kind: 'pglite' | 'postgres'): Promise<StoreFactory> {
  const opened: Sql[] = [];
  if (kind === 'pglite') {
    const connect = async () => {
      const sql = await openPglite();
      opened.push(sql);
      return sql;
    };
    return {
      name: kind,
      connect,
      open: async () => storeOver(await connect()),
      async dispose() {
        await Promise.all(opened.map((s) => s.close().catch(() => {})));
      },
    };
  }
  const db = await createTestDatabase();
  const connect = async () => {
    const sql = await openPostgres(db.url, { max: 4 });
    opened.push(sql);
    return sql;
  };
  return {
    name: kind,
    connect,
    open: async () => storeOver(await connect()),
    async dispose() {
      await Promise.all(opened.map((s) => s.close().catch(() => {})));
      await db.drop();
    },
  };
}
