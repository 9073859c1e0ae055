/** Test fixtures for media sync: stored sightings whose frames are real JPEG blobs on disk. */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uuidv7 } from '@spoor/protocol';
import { renderScene, type SceneObject } from '@spoor/models/testing';
import sharp from 'sharp';
import { extractFeatures, packFeatures } from '../reid/features.js';
import type { Cv } from '../reid/opencv.js';
import type { Db } from '../store/db.js';
import { SightingStore, type Sighting } from '../store/sightings.js';

/**
 * Render `frames` synthetic photos with `objects`, store them as captures (blob files in
 * `dir`) of one closed event, and commit the sighting with its outbox row, as the pipeline does.
 * With `cv`, each animal also gets its detection row with real ORB features, as inference stores them.
 */
export async function seedPhotoSighting(
  db: Db,
  dir: string,
  opts: { seed: number; deviceId: string; objects: readonly SceneObject[]; frames?: number; width?: number; height?: number; priority?: number; cv?: Cv },
): Promise<Sighting> {
  const width = opts.width ?? 1920;
  const height = opts.height ?? 1080;
  const t0 = Date.parse('2026-05-01T04:12:09.000Z') + opts.seed * 60_000;
  const eventId = uuidv7();
  const takenAt = (i: number) => new Date(t0 + i * 2000).toISOString();
  const n = opts.frames ?? 1;
  db.prepare('INSERT INTO events (id, camera_id, start_at, end_at, last_ingest_ms) VALUES (?, ?, ?, ?, 0)').run(eventId, 'cam-north', takenAt(0), takenAt(n - 1));
  const frames: Sighting['frames'] = [];
  for (let i = 0; i < n; i++) {
    const jpeg = await renderScene({ width, height, seed: opts.seed * 10 + i, format: 'jpeg', quality: 90, objects: opts.objects });
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    const path = join(dir, sha256);
    await writeFile(path, jpeg);
    const id = uuidv7();
    db.prepare(
      `INSERT INTO captures (id, sha256, blob_path, bytes, original_name, source, taken_at, taken_at_source, camera_id, width, height, format, event_id, status, ingested_at)
       VALUES (?, ?, ?, ?, ?, 'watch', ?, 'exif', 'cam-north', ?, ?, 'jpeg', ?, 'done', ?)`,
    ).run(id, sha256, path, jpeg.byteLength, `IMG_${opts.seed}_${i}.JPG`, takenAt(i), width, height, eventId, takenAt(i));
    frames.push({ captureId: id, takenAt: takenAt(i), sha256, originalName: `IMG_${opts.seed}_${i}.JPG`, width, height });
    if (opts.cv) {
      const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      for (const o of opts.objects.filter((x) => x.category === 'animal')) {
        const f = extractFeatures(opts.cv, { data, width: info.width, height: info.height }, o.box, { maxKeypoints: 400 });
        db.prepare('INSERT INTO detections (id, capture_id, event_id, category, label, x, y, w, h, confidence, features) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0.9, ?)').run(
          uuidv7(), id, eventId, o.category, o.category, ...o.box, packFeatures(f));
      }
    }
  }
  const detections: Sighting['detections'] = frames.flatMap((f) =>
    opts.objects.map((o) => ({
      captureId: f.captureId,
      category: o.category,
      label: o.category,
      bbox: [...o.box] as [number, number, number, number],
      confidence: 0.9,
      taxon: o.category === 'animal' ? { label: o.species ?? 'Panthera pardus', rank: 'species', p: 0.9 } : null,
      top: null,
    })),
  );
  const s: Sighting = { id: uuidv7(), eventId, deviceId: opts.deviceId, cameraId: 'cam-north', takenAt: takenAt(0), endAt: takenAt(n - 1), frames, detections, individuals: [] };
  new SightingStore(db).commit(s, { topic: 'sighting', priority: opts.priority ?? 0 });
  return s;
}
