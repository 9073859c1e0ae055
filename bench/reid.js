#!/usr/bin/env node
// ReID benchmark: training-free local-feature matching (ORB → USearch Hamming → LNBNN →
// RANSAC affine → calibrated P) on a deterministic synthetic set of coats, through the real
// device Gallery on SQLite. Open set: a share of query individuals is not in the gallery.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDb } from '@spoor/device/store/db';
import { IndividualStore } from '@spoor/device/store/individuals';
import { Gallery } from '@spoor/device/reid/gallery';
import { featureVector, fitLogistic, DEFAULT_CALIBRATION } from '@spoor/device/reid/calibration';
import { extractFeatures, DESCRIPTOR_BYTES } from '@spoor/device/reid/features';
import { newHammingIndex } from '@spoor/device/reid/feature-index';
import { loadOpenCv } from '@spoor/device/reid/opencv';
import { renderCoat, renderView } from '@spoor/device/reid/testing/coat';
import { rng } from '@spoor/models/testing';
import { benchArgs, mean, progress, quantile, round, table } from './lib.js';

const HELP = `Usage: npm run bench:reid -- [--individuals N] [--views N] [--gallery-views N] [--absent F]
       [--gallery-images N] [--gallery-dir DIR] [--keypoints N] [--scale N] [--json]

Renders N individuals per species (default 60 × 2 species: stripes, spots) × --views views
(default 6) of 320×240 crops with perspective, scale, light, IR, blur, noise, occlusion and
clutter. A separate calibration split (30 individuals per species) fits the logistic
fusion. Of the test individuals, --absent (default 0.25) are left out of the gallery.
Reports rank-1/5, mAP (known queries), open-set AUC and TPR@5%FPR (known vs new),
ms per query and feature extraction ms per crop. --gallery-images (default 10000) pads one
species' gallery with synthetic reference images (real ORB descriptors of other renders
with 20% of bits flipped) and measures again. Building that gallery takes minutes;
--gallery-dir DIR keeps it, and a later run with the same settings reuses it (queries only). --scale N (default 0 = off; 1000000 for the
report) checks a USearch Hamming index of N descriptors against exact brute force.`;

const args = benchArgs(HELP, {
  individuals: { type: 'string', default: '60' },
  views: { type: 'string', default: '6' },
  'gallery-views': { type: 'string', default: '2' },
  absent: { type: 'string', default: '0.25' },
  'gallery-images': { type: 'string', default: '10000' },
  keypoints: { type: 'string', default: '400' },
  scale: { type: 'string', default: '0' },
  'gallery-dir': { type: 'string' },
});
const N = Number(args.individuals);
const V = Number(args.views);
const G = Number(args['gallery-views']);
const ABSENT = Number(args.absent);
const KP = Number(args.keypoints);
const SPECIES = [
  { label: 'Equus quagga', pattern: 'stripes' },
  { label: 'Panthera pardus', pattern: 'spots' },
];
const log = (msg) => !args.json && console.error(msg);

const { cv } = await loadOpenCv();
const root = await mkdtemp(join(tmpdir(), 'spoor-bench-reid-'));
const extractMs = [];

/** Every view's features of individuals [from, from+n) of a species. */
async function renderSet(sp, from, n, tick) {
  const out = [];
  for (let i = from; i < from + n; i++) {
    const coat = await renderCoat(sp.label, i, sp.pattern);
    const views = [];
    for (let v = 0; v < V; v++) {
      const img = await renderView(cv, coat, (i * 1000 + v) ^ 0x5eed, { width: 320, height: 240, difficulty: v === 0 ? 0.3 : 1 });
      const t = performance.now();
      views.push(extractFeatures(cv, img, [0, 0, 1, 1], { maxKeypoints: KP }));
      extractMs.push(performance.now() - t);
    }
    out.push({ id: i, views });
    tick();
  }
  return out;
}

function openGallery(name) {
  const db = openDb(join(root, `${name}.db`));
  return { db, individuals: new IndividualStore(db), gallery: new Gallery(db, join(root, name)) };
}

/** Build a gallery from the known individuals' first G views; query with the rest of every individual's views. */
function evaluate(g, sp, set, absentFrom) {
  const idOf = new Map();
  for (const ind of set.slice(0, absentFrom)) {
    const row = g.individuals.create(sp.label, `${sp.pattern}-${ind.id}`, 'enrolled');
    idOf.set(ind.id, row.id);
    g.gallery.addFeatures(row.id, sp.label, ind.views.slice(0, G), 'enroll');
  }
  const queries = [];
  for (const ind of set) {
    for (const f of ind.views.slice(G)) {
      const t = performance.now();
      const matches = g.gallery.match(sp.label, { embedding: null, features: f });
      queries.push({ truth: idOf.get(ind.id) ?? null, matches, ms: performance.now() - t });
    }
  }
  return queries;
}

function metrics(queries) {
  const known = queries.filter((q) => q.truth !== null);
  const ranks = known.map((q) => {
    const r = q.matches.findIndex((m) => m.individualId === q.truth);
    return r < 0 ? Infinity : r + 1;
  });
  const top = (q) => q.matches[0]?.score ?? 0;
  const pos = known.map(top);
  const neg = queries.filter((q) => q.truth === null).map(top);
  let auc = 0;
  for (const p of pos) for (const n of neg) auc += p > n ? 1 : p === n ? 0.5 : 0;
  auc /= Math.max(1, pos.length * neg.length);
  const negSorted = [...neg].sort((a, b) => b - a);
  const thr = negSorted[Math.floor(0.05 * negSorted.length)] ?? 1;
  const tpr = pos.filter((p) => p > thr).length / Math.max(1, pos.length);
  return {
    queries: queries.length,
    knownQueries: known.length,
    newQueries: neg.length,
    rank1: round(ranks.filter((r) => r <= 1).length / known.length, 4),
    rank5: round(ranks.filter((r) => r <= 5).length / known.length, 4),
    // One true individual per query: AP is 1/rank, so mAP is the mean reciprocal rank.
    mAP: round(mean(ranks.map((r) => (Number.isFinite(r) ? 1 / r : 0))), 4),
    openSetAUC: round(auc, 4),
    tprAt5Fpr: round(tpr, 4),
    msPerQuery: round(mean(queries.map((q) => q.ms)), 2),
    p95msPerQuery: round(quantile(queries.map((q) => q.ms), 0.95), 2),
    // Decisions at the default thresholds (0.85 / 0.6) on single frames.
    knownAccepted: round(known.filter((q) => top(q) >= 0.85 && q.matches[0]?.individualId === q.truth).length / known.length, 4),
    newRejected: round(neg.filter((s) => s <= 0.6).length / Math.max(1, neg.length), 4),
    wrongAccepts: queries.filter((q) => top(q) >= 0.85 && q.matches[0]?.individualId !== q.truth).length,
  };
}

// 1. Render: a calibration split and a test split, disjoint individuals.
const NCAL = 30;
const bar = progress('render', SPECIES.length * (N + NCAL));
const sets = [];
for (const sp of SPECIES) sets.push({ sp, cal: await renderSet(sp, 100_000, NCAL, bar.tick), test: await renderSet(sp, 0, N, bar.tick) });

// 2. Calibration: fit P(same) on the calibration split's top-5 candidates per query.
const xs = [];
const ys = [];
for (const { sp, cal } of sets) {
  const g = openGallery(`cal-${sp.pattern}`);
  const qs = evaluate(g, sp, cal, Math.round(NCAL * (1 - ABSENT)));
  for (const q of qs) for (const m of q.matches.slice(0, 5)) {
    xs.push(featureVector(m.local));
    ys.push(m.individualId === q.truth ? 1 : 0);
  }
  g.db.close();
}
// A ridge of 1 keeps the fit tempered when the calibration split is (nearly) separable.
const local = fitLogistic(xs, ys, 1);
const calibration = { ...DEFAULT_CALIBRATION, local, fused: { w: [...local.w, 10], b: local.b - 7.25 }, source: 'bench/reid.js calibration split' };
log(`calibration: w=${local.w.map((w) => w.toFixed(3))} b=${local.b.toFixed(3)} from ${xs.length} pairs`);

// 3. Test split, per species, with the fitted calibration.
const rows = [];
const galleries = [];
for (const { sp, test } of sets) {
  const g = openGallery(`test-${sp.pattern}`);
  g.gallery.calibration.set(sp.label, calibration);
  const qs = evaluate(g, sp, test, Math.round(N * (1 - ABSENT)));
  rows.push({ species: sp.label, galleryImages: g.gallery.features.images(sp.label), descriptors: g.gallery.features.size(sp.label), ...metrics(qs) });
  galleries.push({ g, sp, test, qs });
}
const all = metrics(galleries.flatMap((x) => x.qs));
rows.push({ species: 'all', galleryImages: rows.reduce((s, r) => s + r.galleryImages, 0), descriptors: rows.reduce((s, r) => s + r.descriptors, 0), ...all });

// 4. The same queries against one species' gallery padded to --gallery-images reference
// images. Building it is the slow part (millions of HNSW inserts), so --gallery-dir keeps it
// and a later run with the same settings reuses it and only measures the queries.
const target = Number(args['gallery-images']);
let padded = null;
if (target > 0) {
  const sp = SPECIES[0];
  const test = sets[0].test;
  const dir = args['gallery-dir'] ? resolve(args['gallery-dir']) : join(root, 'padded');
  await mkdir(dir, { recursive: true });
  const recipe = JSON.stringify({ target, N, V, G, ABSENT, KP, species: sp.label, version: 1 });
  const recipeFile = join(dir, 'recipe.json');
  const reuse = existsSync(recipeFile) && (await readFile(recipeFile, 'utf8')) === recipe;
  if (!reuse) await rm(dir, { recursive: true, force: true }).then(() => mkdir(dir, { recursive: true }));
  const db = openDb(join(dir, 'gallery.db'));
  const g = { db, individuals: new IndividualStore(db), gallery: new Gallery(db, join(dir, 'index')) };
  g.gallery.calibration.set(sp.label, calibration);
  let buildS = null;
  if (!reuse) {
    const t0 = performance.now();
    for (const ind of test.slice(0, Math.round(N * (1 - ABSENT)))) {
      const row = g.individuals.create(sp.label, `${sp.pattern}-${ind.id}`, 'enrolled');
      g.gallery.addFeatures(row.id, sp.label, ind.views.slice(0, G), 'enroll');
    }
    const donors = sets[1].cal.flatMap((i) => i.views); // real ORB descriptors of other coats
    const r = rng(42);
    const need = target - g.gallery.features.images(sp.label);
    const padBar = progress('pad', need);
    const pad = g.db.transaction(() => {
      for (let i = 0; i < need; i += 2) {
        const row = g.individuals.create(sp.label, `synthetic-${i}`, 'sighted');
        const images = [];
        for (let k = 0; k < 2 && i + k < need; k++) {
          const d = donors[Math.floor(r() * donors.length)];
          const descriptors = new Uint8Array(d.descriptors);
          for (let b = 0; b < descriptors.length * 8; b++) if (r() < 0.2) descriptors[b >> 3] ^= 1 << (b & 7);
          const keypoints = d.keypoints.map((v) => v + (r() - 0.5) * 40);
          images.push({ keypoints, descriptors });
          padBar.tick();
        }
        g.gallery.addFeatures(row.id, sp.label, images, 'synthetic');
      }
    });
    pad();
    g.gallery.flush();
    buildS = round((performance.now() - t0) / 1000, 1);
    await writeFile(recipeFile, recipe);
  }
  const tl = performance.now();
  const images = g.gallery.features.images(sp.label); // opens (and checks) the saved index
  const loadS = round((performance.now() - tl) / 1000, 1);
  const qs = [];
  const idOf = new Map(g.db.prepare('SELECT name, id FROM individuals').all().map((x) => [x.name, x.id]));
  for (const ind of test) {
    for (const f of ind.views.slice(G)) {
      const t = performance.now();
      const matches = g.gallery.match(sp.label, { embedding: null, features: f });
      qs.push({ truth: idOf.get(`${sp.pattern}-${ind.id}`) ?? null, matches, ms: performance.now() - t });
    }
  }
  padded = { species: sp.label, galleryImages: images, descriptors: g.gallery.features.size(sp.label), buildS, loadS, reused: reuse, ...metrics(qs) };
  g.db.close();
}
for (const { g } of galleries) g.db.close();

// 5. Scale: N binary descriptors in USearch (Hamming, B1) vs exact brute force.
let scale = null;
const SN = Number(args.scale);
if (SN > 0) {
  const donors = sets.flatMap((s) => s.test.flatMap((i) => i.views)).map((f) => f.descriptors);
  const pool = Buffer.concat(donors.map((d) => Buffer.from(d)));
  const poolN = pool.length / DESCRIPTOR_BYTES;
  const r = rng(7);
  const data = new Uint8Array(SN * DESCRIPTOR_BYTES);
  for (let i = 0; i < SN; i++) {
    const src = Math.floor(r() * poolN) * DESCRIPTOR_BYTES;
    for (let b = 0; b < DESCRIPTOR_BYTES; b++) data[i * DESCRIPTOR_BYTES + b] = pool[src + b];
    for (let k = 0; k < 40; k++) { const bit = Math.floor(r() * 256); data[i * DESCRIPTOR_BYTES + (bit >> 3)] ^= 1 << (bit & 7); }
  }
  const bits = (bytes) => { const o = new Int8Array(bytes.length * 8); for (let i = 0; i < bytes.length; i++) for (let j = 0; j < 8; j++) o[i * 8 + j] = (bytes[i] >> j) & 1; return o; };
  const K = 5;
  const NQ = 200;
  const queries = [];
  for (let q = 0; q < NQ; q++) {
    const d = donors[Math.floor(r() * donors.length)];
    const i = Math.floor(r() * (d.length / DESCRIPTOR_BYTES));
    queries.push(d.subarray(i * DESCRIPTOR_BYTES, (i + 1) * DESCRIPTOR_BYTES));
  }
  // Exact: popcount of XOR over 8 words.
  const words = new Uint32Array(data.buffer);
  const pc = (x) => { x -= (x >>> 1) & 0x55555555; x = (x & 0x33333333) + ((x >>> 2) & 0x33333333); return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24; };
  const t0 = performance.now();
  const exact = queries.map((q) => {
    const qw = new Uint32Array(new Uint8Array(q).buffer);
    const dist = new Uint16Array(SN);
    for (let i = 0; i < SN; i++) { let s = 0; for (let w = 0; w < 8; w++) s += pc(words[i * 8 + w] ^ qw[w]); dist[i] = s; }
    const sorted = Uint16Array.from(dist).sort();
    return sorted[K - 1]; // the k-th distance: a hit is any result within it (ties count)
  });
  const bruteMs = (performance.now() - t0) / NQ;
  // The JS binding has no expansion_search setter, so one index = one setting (the device's).
  const settings = [{ connectivity: 16, expansion_add: 128, expansion_search: 96 }];
  const index = newHammingIndex(settings[0]);
  const tb = performance.now();
  const CH = 50_000;
  for (let i = 0; i < SN; i += CH) {
    const n = Math.min(CH, SN - i);
    index.add(BigUint64Array.from({ length: n }, (_, k) => BigInt(i + k)), bits(data.subarray(i * DESCRIPTOR_BYTES, (i + n) * DESCRIPTOR_BYTES)), 2);
  }
  const buildS = (performance.now() - tb) / 1000;
  const results = [];
  for (const s of settings) {
    const ts = performance.now();
    let hits = 0;
    queries.forEach((q, qi) => {
      const res = index.search(bits(q), K, 1);
      const kth = exact[qi];
      for (let j = 0; j < K; j++) if ((res.distances[j] ?? 999) <= kth) hits++;
    });
    results.push({ expansion_search: s.expansion_search, recallAtK: round(hits / (NQ * K), 4), msPerSearch: round((performance.now() - ts) / NQ, 3) });
  }
  scale = { descriptors: SN, k: K, connectivity: 16, expansion_add: 128, buildS: round(buildS, 1), bruteMsPerQuery: round(bruteMs, 1), results };
}
await rm(root, { recursive: true, force: true });

const extract = { meanMs: round(mean(extractMs), 1), p95Ms: round(quantile(extractMs, 0.95), 1), keypointsMax: KP };
const out = { individuals: N * SPECIES.length, views: V, galleryViews: G, absentShare: ABSENT, calibration, extract, perSpecies: rows, padded, scale };
if (args.json) console.log(JSON.stringify(out, null, 2));
else {
  table([...rows, ...(padded ? [{ ...padded, species: `${padded.species} (padded)` }] : [])], ['species', 'galleryImages', 'descriptors', 'queries', 'rank1', 'rank5', 'mAP', 'openSetAUC', 'tprAt5Fpr', 'msPerQuery', 'p95msPerQuery', 'knownAccepted', 'newRejected', 'wrongAccepts']);
  console.log(`\nfeature extraction per crop: ${extract.meanMs} ms mean, ${extract.p95Ms} ms p95 (≤ ${KP} keypoints)`);
  if (scale) {
    console.log(`\nscale: ${SN} descriptors, build ${scale.buildS} s, brute force ${scale.bruteMsPerQuery} ms/query`);
    table(scale.results, ['expansion_search', 'recallAtK', 'msPerSearch']);
  }
}
