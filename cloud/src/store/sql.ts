/**
 * The one query layer both stores share: PGlite (embedded, in the data dir) and a Postgres
 * server (node-postgres pool). Repositories only see this interface, so the same SQL and the
 * same test suite run against both.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export interface Sql extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}
