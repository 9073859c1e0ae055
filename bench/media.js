#!/usr/bin/env node
// Bytes per sighting on the wire in each bandwidth mode, for synthetic 1920×1080 bursts:
// the sighting message plus the media messages (JPEG crops, frames; base64 in JSON) that the
// device's MediaMaker writes to the outbox, exactly as the relay would publish them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { benchArgs, quantile, round, table } from './lib.js';

const HELP = `Usage: npm run bench:media -- [--sightings N] [--frames N] [--json]

Stores --sightings (default 5) synthetic bursts of --frames (default 3) 1920×1080 JPEG
photos with one animal each (q90, like bench:ingest's reference JPEG), makes their media
in metadata, crops and full mode with the device's own code (sharp; crops ≤512 px, frames
≤1920 px, q80), and reports the median bytes per sighting on the wire: the sighting message,
the media messages, and the total. Media bytes are what the daily budget counts. The
"crops + keypoints" row stores real ORB features (400 keypoints) with each animal, as
inference does for ReID species, so its crops carry them (sync.sendKeypoints).`;

const args = benchArgs(HELP, { sightings: { type: 'string', default: '5' }, frames: { type: 'string', default: '3' } });
const N = Number(args.sightings);
const F = Number(args.frames);

const { openDb } = await import('@spoor/device/store/db');
const { seedPhotoSighting } = await import('@spoor/device/sync/media-fixtures');
const { MediaMaker, mediaIdsOf } = await import('@spoor/device/sync/media-maker');
const { buildSightingPayload, sqliteEmbeddings } = await import('@spoor/device/sync/payload');
const { loadOpenCv } = await import('@spoor/device/reid/opencv');
const { decodeCropFeatures, matchKeypoints } = await import('@spoor/protocol');
const { cv } = await loadOpenCv();

const dir = await mkdtemp(join(tmpdir(), 'spoor-bench-media-'));
const rows = [];
try {
  const modes = [
    { mode: 'metadata', bandwidth: 'metadata', keypoints: false },
    { mode: 'crops', bandwidth: 'crops', keypoints: false },
    { mode: 'crops + keypoints', bandwidth: 'crops', keypoints: true },
    { mode: 'full', bandwidth: 'full', keypoints: false },
  ];
  for (const { mode, bandwidth, keypoints } of modes) {
    const db = openDb(join(dir, `${mode.replace(/\W+/g, '-')}.db`));
    const sightings = [];
    for (let i = 0; i < N; i++) {
      const box = [0.15 + 0.1 * (i % 4), 0.3, 0.25, 0.3];
      const objects = [{ category: 'animal', species: 'Panthera pardus', individual: 1 + i, box }];
      sightings.push(await seedPhotoSighting(db, dir, { seed: 100 + i, deviceId: 'bench-trap', frames: F, objects, ...(keypoints ? { cv } : {}) }));
    }
    const maker = new MediaMaker({ db, logger: pino({ level: 'warn' }), settings: () => ({ bandwidth, blurPersons: true, sendKeypoints: keypoints }) });
    const t0 = performance.now();
    while ((await maker.pass()) > 0) {
      /* until every sighting has its media */
    }
    const makeMs = performance.now() - t0;
    const perSighting = sightings.map((s) => {
      const built = buildSightingPayload(s, bandwidth, sqliteEmbeddings(db), bandwidth === 'metadata' ? [] : mediaIdsOf(db)(s.id));
      if (!built.ok) throw new Error(built.reason);
      const media = db
        .prepare(`SELECT m.kind, o.bytes FROM outbox o JOIN sync_media m ON m.id = o.ref_id WHERE m.sighting_id = ?`)
        .all(s.id);
      const crops = media.filter((m) => m.kind === 'crop').reduce((n, m) => n + m.bytes, 0);
      const frames = media.filter((m) => m.kind === 'frame').reduce((n, m) => n + m.bytes, 0);
      return { sighting: built.bytes.byteLength, crops, frames, total: built.bytes.byteLength + crops + frames, count: media.length };
    });
    const med = (k) => quantile(perSighting.map((p) => p[k]), 0.5);
    // What the hub does for identity review: match the keypoints of two crops (all pairs of crops that carry them).
    const withKp = db
      .prepare(`SELECT payload FROM outbox WHERE topic = 'media'`)
      .all()
      .map((r) => JSON.parse(r.payload).features)
      .filter(Boolean)
      .map((f) => decodeCropFeatures(f).keypoints);
    const matchMs = [];
    for (let i = 0; i < withKp.length; i++)
      for (let j = i + 1; j < withKp.length; j++) {
        const t = performance.now();
        matchKeypoints(withKp[i], withKp[j]);
        matchMs.push(performance.now() - t);
      }
    rows.push({ mode, bandwidth, keypoints, sightingBytes: med('sighting'), cropBytes: med('crops'), frameBytes: med('frames'), totalBytes: med('total'), mediaMessages: med('count'), makeMsPerSighting: round(makeMs / N, 0), cropsWithKeypoints: withKp.length, hubMatchMsMedian: matchMs.length ? round(quantile(matchMs, 0.5), 1) : null });
    db.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const result = { sightings: N, framesPerSighting: F, frame: '1920×1080 synthetic JPEG q90, one animal', rows };
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`bytes per sighting on the wire: median of ${N} bursts of ${F} frames (1920×1080, one animal)`);
  table(
    rows.map((r) => ({
      mode: r.mode,
      sighting: `${r.sightingBytes} B`,
      crops: `${round(r.cropBytes / 1024, 1)} KiB`,
      frames: `${round(r.frameBytes / 1024, 1)} KiB`,
      total: `${round(r.totalBytes / 1024, 1)} KiB`,
      'media msgs': r.mediaMessages,
      'make ms/sighting': r.makeMsPerSighting,
      'hub match ms': r.hubMatchMsMedian ?? '–',
    })),
    ['mode', 'sighting', 'crops', 'frames', 'total', 'media msgs', 'make ms/sighting', 'hub match ms'],
  );
}
