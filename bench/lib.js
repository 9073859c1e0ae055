// Shared helpers for the benchmarks: argument parsing, tables, stats. Plain ESM so a bench
// runs on the compiled packages without a TypeScript loader.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

export function benchArgs(help, options) {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...options } });
  if (values.help) {
    console.log(help);
    process.exit(0);
  }
  return values;
}

export const sum = (xs) => xs.reduce((a, b) => a + b, 0);
export const mean = (xs) => (xs.length ? sum(xs) / xs.length : 0);
export function quantile(xs, q) {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Print rows as an aligned table on stderr-free stdout. */
export function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(columns.map((c) => r[c])));
}

/**
 * Progress on stderr: a live counter on a terminal, otherwise a line at every 10% so a long
 * run in CI or under `--json` still shows that it moves.
 */
export function progress(label, total) {
  let n = 0;
  let shown = 0;
  return {
    tick() {
      n++;
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${label} ${n}/${total}`);
        if (n === total) process.stderr.write('\n');
      } else if (n === total || n - shown >= total / 10) {
        shown = n;
        process.stderr.write(`${label} ${n}/${total}\n`);
      }
    },
  };
}

/** A fresh database `spoor_bench_<random>` on the server; dropped afterwards. */
export async function freshDatabase(url) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `The Postgres server at ${url} is not reachable (${err.message}). Start it with \`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\`, or pass --database-url.`,
    );
  }
  const name = `spoor_bench_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
