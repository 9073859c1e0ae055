#!/usr/bin/env node
// Pipeline benchmark: N synthetic 1920×1080 camera-trap JPEGs through the real daemon path
// (ingest → worker thread: decode, detect, classify, embed → SQLite → burst vote, gallery
// search → sighting + outbox), with per-stage times and the overhead ratio measured in one run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@spoor/device/config/load';
import { openRuntime } from '@spoor/device/runtime';
import { createLogger } from '@spoor/device/system/logger';
import { SPECIES, renderScene } from '@spoor/models/testing';
import { benchArgs, mean, progress, quantile, round, sum, table } from './lib.js';

const HELP = `Usage: npm run bench:pipeline -- [--images N] [--burst N] [--width W] [--height H] [--config file] [--json]

Runs N images (default 60, 1920×1080, bursts of 3) through the device pipeline and reports
the time of each stage, end-to-end time per image, images/s, peak RSS and
overheadRatio = (end-to-end − Σ session.run) / Σ session.run. Target: overheadRatio ≤ 0.10.
--config uses a device config (for example with field models) instead of the bundled test models.`;

const args = benchArgs(HELP, {
  images: { type: 'string', default: '60' },
  burst: { type: 'string', default: '3' },
  width: { type: 'string', default: '1920' },
  height: { type: 'string', default: '1080' },
  concurrency: { type: 'string', default: '2' },
  config: { type: 'string' },
});
const N = Number(args.images);
const BURST = Number(args.burst);
const W = Number(args.width);
const H = Number(args.height);

const root = await mkdtemp(join(tmpdir(), 'spoor-bench-pipeline-'));
const inbox = join(root, 'in');
await import('node:fs/promises').then((fs) => fs.mkdir(inbox));

// 1. The data: bursts of the same individual, 1–2 animals per frame, a few empty frames.
const files = [];
const gen = progress('render', N);
for (let i = 0; i < N; i++) {
  const b = Math.floor(i / BURST);
  const sp = SPECIES[b % SPECIES.length];
  const objects = b % 7 === 6 ? [] : [{ category: 'animal', species: sp.label, individual: b % 11, box: [0.15 + (i % BURST) * 0.05, 0.3, 0.25, 0.35] }];
  if (b % 5 === 4) objects.push({ category: 'animal', species: SPECIES[(b + 1) % SPECIES.length].label, individual: 50 + b, box: [0.62, 0.45, 0.2, 0.3] });
  const file = join(inbox, `IMG_${String(i).padStart(4, '0')}.JPG`);
  await writeFile(file, await renderScene({ width: W, height: H, seed: 1000 + i, objects, format: 'jpeg', quality: 90, jitter: i % BURST === 0 ? 0 : 1 }));
  const t = new Date(Date.parse('2026-07-01T00:00:00Z') + b * 3_600_000 + (i % BURST) * 1000);
  await import('node:fs/promises').then((fs) => fs.utimes(file, t, t));
  files.push(file);
  gen.tick();
}

// 2. The real runtime: worker thread, SQLite, gallery.
const base = args.config ? JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(args.config, 'utf8'))) : {};
const config = parseConfig({ ...base, dataDir: join(root, 'data'), inbox: join(root, 'inbox') });
const frames = [];
const closes = [];
const rt = await openRuntime(config, createLogger('warn', { quiet: true }), {
  onFrame: (e) => e.timings && frames.push(e.timings),
  onSighting: (_id, t) => closes.push(t),
});
const models = rt.pool.loadedModels();
rt.processor.deps.concurrency = Number(args.concurrency);

// Warm up each model once (first runs allocate); not counted.
await rt.pool.infer({ blobPath: files[0], mode: 'enroll' });

const ingestMs = [];
const ing = progress('ingest', N);
for (const f of files) {
  const t0 = performance.now();
  await rt.ingestor.ingestFile(f, { source: 'import', removeSource: false });
  ingestMs.push(performance.now() - t0);
  ing.tick();
}

const c0 = process.cpuUsage();
const t0 = performance.now();
await rt.processor.drain({ force: true });
const wallMs = performance.now() - t0;
const cu = process.cpuUsage(c0);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
await rt.close();
await rm(root, { recursive: true, force: true });

// 3. The figures.
const col = (k) => frames.map((f) => f[k]);
const runTotal = sum(col('detectRunMs')) + sum(col('classifyRunMs')) + sum(col('embedRunMs'));
const stage = (name, xs) => ({ stage: name, meanMs: round(mean(xs)), p50Ms: round(quantile(xs, 0.5)), p95Ms: round(quantile(xs, 0.95)), totalMs: round(sum(xs), 0) });
const stages = [
  stage('ingest (hash, fsync copy, row)', ingestMs),
  stage('decode', col('decodeMs')),
  stage('detector preprocess', col('detectPreMs')),
  stage('detector session.run', col('detectRunMs')),
  stage('detector postprocess', col('detectPostMs')),
  stage('classifier preprocess', col('classifyPreMs')),
  stage('classifier session.run', col('classifyRunMs')),
  stage('embedder preprocess', col('embedPreMs')),
  stage('embedder session.run', col('embedRunMs')),
  stage('DB write (frame)', col('dbWriteMs')),
  stage('index search (per event)', closes.map((c) => c.searchMs)),
  stage('DB write (sighting+outbox)', closes.map((c) => c.writeMs)),
  stage('frame latency (worker round trip)', col('wallMs')),
];
const result = {
  images: frames.length,
  size: `${W}x${H}`,
  events: closes.length,
  models,
  stages,
  endToEndMsPerImage: round(wallMs / frames.length),
  imagesPerSec: round((frames.length / wallMs) * 1000),
  sessionRunMsPerImage: round(runTotal / frames.length),
  overheadRatio: round((wallMs - runTotal) / runTotal, 3),
  cpuMsPerImage: round((cu.user + cu.system) / 1000 / frames.length),
  overheadTarget: 0.1,
  peakRssMb: round(peakRssMb, 0),
  cpus: (await import('node:os')).cpus().length,
};

if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`pipeline: ${result.images} images ${result.size}, ${result.events} sightings, models ${models.map((m) => `${m.id}@${m.provider}`).join(', ')}`);
  table(stages, ['stage', 'meanMs', 'p50Ms', 'p95Ms', 'totalMs']);
  console.log();
  table(
    [
      { metric: 'end-to-end per image (burst wall / images)', value: `${result.endToEndMsPerImage} ms` },
      { metric: 'Σ session.run per image', value: `${result.sessionRunMsPerImage} ms` },
      { metric: 'images/s (burst)', value: result.imagesPerSec },
      { metric: 'overheadRatio (target ≤ 0.10)', value: result.overheadRatio },
      { metric: 'peak RSS', value: `${result.peakRssMb} MB` },
    ],
    ['metric', 'value'],
  );
}
