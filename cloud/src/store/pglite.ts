import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, Sql } from './sql.js';

/** The embedded store: a real Postgres (WASM) in `dir`. One process owns the dir at a time. */
export async function openPglite(dir?: string): Promise<Sql> {
  if (dir) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  return {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await db.query<T>(text, params as unknown[] | undefined);
      return { rows: r.rows };
    },
    transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> {
      return db.transaction(async (tx) =>
        fn({
          async query<T>(text: string, params?: readonly unknown[]) {
            const r = await tx.query<T>(text, params as unknown[] | undefined);
            return { rows: r.rows };
          },
        }),
      );
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
