#!/usr/bin/env node
// Global gallery benchmark: a fleet whose global gallery already holds --individuals (default
// 100,000) individuals of one species, bulk-loaded with multi-row inserts (unnest arrays), as
// the hub's store holds them after years of ingest. Then, through the hub's real code
// (Gallery: USearch index built from Postgres, matching on ingest, audited decisions):
//   - proposal latency: a new device individual (a noisy view of a known one) arrives in a
//     committed sighting → its proposal is written (p50/p95/p99 over --proposals, ≥ 200);
//   - delta size per decision: bytes of the gallery delta published for accept, merge, split
//     and rename, and how long each decision takes (it rebuilds the fleet's index).
// Runs on PGlite and on the Postgres server (a fresh database on --database-url).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecs, encodeEmbedding, uuidv7 } from '@spoor/protocol';
import { createLogger, openStore, parseConfig } from '@spoor/cloud';
import { Gallery } from '@spoor/cloud/gallery/gallery';
import { DEFAULT_MATCH_SETTINGS } from '@spoor/cloud/gallery/matching';
import { benchArgs, freshDatabase, progress, quantile, round, table } from './lib.js';

const HELP = `Usage: npm run bench:gallery -- [--individuals N] [--proposals N] [--dim N] [--targets list] [--json]

Bulk-loads --individuals (default 100000) global individuals of one species into one fleet
(one int8 reference embedding of --dim (default 128) each), builds the hub's gallery index
from the store, then sends --proposals (default 200, at least 200) new device individuals,
each a noisy view of a known one, through the hub's matching: reports p50/p95/p99 from
the committed sighting to the proposal written. Then one accept, merge, split and rename:
the bytes of each published gallery delta and the decision's time (it rebuilds the fleet's
index), the console's possible-duplicates listing (500 most recently changed individuals
against the whole index), and the index load at a hub restart (saved at stop). Targets: pglite and postgres (comma separated; default both), the server at
--database-url (default postgres://postgres@127.0.0.1:5432/test; a fresh database is made
and dropped). Target: proposal p95 < 50 ms.`;

const TARGET_MS = 50;
const SPECIES = 'Panthera pardus';
const FLEET = 'bench';
const DEVICE = 'trap-bench';

const args = benchArgs(HELP, {
  individuals: { type: 'string', default: '100000' },
  proposals: { type: 'string', default: '200' },
  dim: { type: 'string', default: '128' },
  targets: { type: 'string', default: 'pglite,postgres' },
  'database-url': { type: 'string', default: process.env.SPOOR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
});
const N = Number(args.individuals);
const P = Math.max(200, Number(args.proposals));
const DIM = Number(args.dim);
const say = (line) => process.stderr.write(`${line}\n`);

/** Deterministic pseudo-random unit vectors: individual i's direction, and noisy views of it. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 2 ** 32) * 2 - 1;
  };
}
function unit(seed, noise = 0, noiseSeed = 0) {
  const r = rng(seed * 2654435761);
  const n = rng(noiseSeed * 40503 + 7);
  const v = Float32Array.from({ length: DIM }, () => r() + noise * n());
  const norm = Math.hypot(...v);
  return v.map((y) => y / norm);
}


/** 100k individuals, links and refs in chunks of multi-row inserts (unnest arrays): seconds, not the hours ingest would take. */
async function bulkLoad(sql) {
  const t0 = performance.now();
  await sql.query('INSERT INTO fleets (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [FLEET]);
  const CHUNK = 5_000;
  const ids = [];
  const bar = progress('  individuals (chunks of 5000)', Math.ceil(N / CHUNK));
  for (let start = 0; start < N; start += CHUNK) {
    const n = Math.min(CHUNK, N - start);
    const batch = { id: [], local: [], sighting: [], emb: [], scale: [] };
    for (let i = 0; i < n; i++) {
      const k = start + i;
      const e = encodeEmbedding(unit(k + 1), 'i8');
      batch.id.push(uuidv7());
      batch.local.push(randomUUID());
      batch.sighting.push(randomUUID());
      batch.emb.push(e.data);
      batch.scale.push(e.scale);
    }
    ids.push(...batch.id);
    await sql.transaction(async (tx) => {
      await tx.query(`INSERT INTO individuals (id, fleet_id, species, name) SELECT u, $2, $3, NULL FROM unnest($1::uuid[]) AS u`, [batch.id, FLEET, SPECIES]);
      await tx.query(`INSERT INTO individual_links (device_id, local_id, individual_id) SELECT 'trap-seed', l, i FROM unnest($1::uuid[], $2::uuid[]) AS x(i, l)`, [batch.id, batch.local]);
      await tx.query(
        `INSERT INTO individual_refs (individual_id, sighting_id, device_id, local_id, dim, embedding, scale)
         SELECT i, s, 'trap-seed', l, $4, decode(e, 'base64'), sc FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $5::text[], $6::real[]) AS x(i, s, l, e, sc)`,
        [batch.id, batch.sighting, batch.local, DIM, batch.emb, batch.scale],
      );
    });
    bar.tick();
  }
  return { ids, ms: performance.now() - t0 };
}

function sighting(localId, vector) {
  const t = new Date().toISOString();
  const captureId = randomUUID();
  return {
    v: 1,
    id: uuidv7(),
    eventId: uuidv7(),
    deviceId: DEVICE,
    cameraId: 'cam-1',
    takenAt: t,
    endAt: t,
    frames: [{ captureId, takenAt: t }],
    detections: [{ captureId, category: 'animal', label: 'animal', bbox: [0.1, 0.2, 0.3, 0.4], confidence: 0.9, taxon: { label: SPECIES, rank: 'species', p: 0.9 }, top: null }],
    individuals: [{ species: SPECIES, id: localId, name: null, decision: 'new', score: 0.3, frames: 1, embedding: encodeEmbedding(vector, 'i8') }],
  };
}

async function runTarget(target) {
  const dir = await mkdtemp(join(tmpdir(), 'spoor-bench-gallery-'));
  const db = target === 'postgres' ? await freshDatabase(args['database-url']) : null;
  const store = await openStore(parseConfig({ dataDir: dir, ...(db ? { databaseUrl: db.url } : {}) }));
  try {
    await store.devices.add({ deviceId: DEVICE, fleetId: FLEET });
    say(`${target}: loading ${N} individuals…`);
    const load = await bulkLoad(store.sql);
    const published = [];
    const gallery = new Gallery({
      sql: store.sql,
      settings: DEFAULT_MATCH_SETTINGS,
      prefix: 'spoor/v1',
      logger: createLogger('error'),
      publisher: { publish: async (_t, payload) => void published.push(payload.byteLength) },
      indexDir: join(dir, 'gallery-index'),
    });
    const t1 = performance.now();
    await gallery.start();
    const indexMs = performance.now() - t1;
    say(`${target}: loaded in ${round(load.ms / 1000, 1)} s, index built in ${round(indexMs / 1000, 1)} s; ${P} proposals…`);

    const latencies = [];
    const outcomes = {};
    const proposals = [];
    for (let i = 0; i < P; i++) {
      const k = (i * 7919) % N;
      const s = sighting(randomUUID(), unit(k + 1, 0.15, i + 1));
      await store.sightings.upsertMany([s]);
      const t = performance.now();
      const r = await gallery.onCommitted([s]);
      latencies.push(performance.now() - t);
      const o = r.outcomes[0];
      outcomes[o.kind] = (outcomes[o.kind] ?? 0) + 1;
      if (o.kind === 'proposal') proposals.push(o);
    }

    const decisions = [];
    const time = async (kind, fn) => {
      const t = performance.now();
      const r = await gallery.decide(fn);
      decisions.push({ decision: kind, bytes: codecs.gallery.encode(r.delta).byteLength, ops: r.delta.ops.length, ms: round(performance.now() - t, 1) });
      return r;
    };
    const p0 = proposals[0];
    const accepted = await time('accept', (d) => d.accept('bench', p0.proposalId));
    const target0 = p0.candidate;
    const other = load.ids.find((id) => id !== target0 && !proposals.some((p) => p.candidate === id));
    const version = (id) => accepted.individuals[id] ?? 1;
    await time('merge', (d) => d.merge('bench', [other], target0, { [other]: 1, [target0]: version(target0) }));
    const refs = await store.sql.query('SELECT sighting_id FROM individual_refs WHERE individual_id = $1 AND device_id = $2', [target0, DEVICE]);
    const cur = await store.sql.query('SELECT version FROM individuals WHERE id = $1', [target0]);
    const split = await time('split', (d) => d.split('bench', target0, [refs.rows[0].sighting_id], Number(cur.rows[0].version)));
    await time('rename', (d) => d.rename('bench', target0, 'Zawadi', split.individuals[target0]));

    // The console's possible-duplicates listing: the 500 most recently changed individuals, each
    // scored against the whole index (what GET /api/individuals/duplicates runs).
    const t3 = performance.now();
    const dups = await gallery.duplicates({ fleetId: FLEET });
    const duplicates = { ms: round(performance.now() - t3, 1), scanned: dups.scanned, pairs: dups.items.length };

    // A hub restart: the index parts saved at stop are loaded (the store still matches them).
    await gallery.stop();
    const again = new Gallery({ sql: store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: 'spoor/v1', logger: createLogger('error'), indexDir: join(dir, 'gallery-index') });
    const t2 = performance.now();
    const warm = await again.scorer.start();
    const warmMs = performance.now() - t2;
    if (warm.loaded !== 1 || warm.built !== 0) throw new Error(`restart did not load the saved index: ${JSON.stringify(warm)}`);

    return {
      target,
      individuals: N,
      dim: DIM,
      loadSec: round(load.ms / 1000, 2),
      indexSec: round(indexMs / 1000, 2),
      restartIndexSec: round(warmMs / 1000, 2),
      proposals: { n: P, outcomes, p50: round(quantile(latencies, 0.5)), p95: round(quantile(latencies, 0.95)), p99: round(quantile(latencies, 0.99)), max: round(Math.max(...latencies)) },
      decisions,
      duplicates,
      met: quantile(latencies, 0.95) < TARGET_MS,
    };
  } finally {
    await store.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const t of args.targets.split(',').map((s) => s.trim()).filter(Boolean)) {
  if (t !== 'pglite' && t !== 'postgres') throw new Error(`unknown target ${t}: use pglite, postgres`);
  results.push(await runTarget(t));
}

if (args.json) console.log(JSON.stringify({ bench: 'gallery', targetMs: TARGET_MS, results }, null, 2));
else {
  table(
    results.map((r) => ({
      target: r.target,
      individuals: r.individuals,
      'load s': r.loadSec,
      'index s': r.indexSec,
      'restart s': r.restartIndexSec,
      proposals: `${r.proposals.outcomes.proposal ?? 0}/${r.proposals.n}`,
      'p50 ms': r.proposals.p50,
      'p95 ms': r.proposals.p95,
      'p99 ms': r.proposals.p99,
      [`p95 < ${TARGET_MS} ms`]: r.met ? 'yes' : 'NO',
    })),
    ['target', 'individuals', 'load s', 'index s', 'restart s', 'proposals', 'p50 ms', 'p95 ms', 'p99 ms', `p95 < ${TARGET_MS} ms`],
  );
  console.log('');
  table(
    results.flatMap((r) => r.decisions.map((d) => ({ target: r.target, ...d }))),
    ['target', 'decision', 'bytes', 'ops', 'ms'],
  );
  console.log('');
  table(
    results.map((r) => ({ target: r.target, 'duplicates listing ms': r.duplicates.ms, scanned: r.duplicates.scanned, pairs: r.duplicates.pairs })),
    ['target', 'duplicates listing ms', 'scanned', 'pairs'],
  );
}
