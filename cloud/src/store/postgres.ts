import pg from 'pg';
import { HubErrors } from '../errors.js';
import type { Queryable, Sql } from './sql.js';

/** A Postgres server through a node-postgres pool (`DATABASE_URL`). */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the hub; the next query reconnects.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw HubErrors.SPOOR_E_DB_UNAVAILABLE(`${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return {
    kind: 'postgres',
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await pool.query(text, params as unknown[] | undefined);
      return { rows: r.rows as T[] };
    },
    async transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({
          async query<T>(text: string, params?: readonly unknown[]) {
            const r = await client.query(text, params as unknown[] | undefined);
            return { rows: r.rows as T[] };
          },
        });
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
