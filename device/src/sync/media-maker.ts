import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { codecs, encodeCropFeatures, uuidv7, type CropFeatures, type MediaKind, type MediaPayload } from '@spoor/protocol';
import { featureCrop, unpackFeatures } from '../reid/features.js';
import { nowIso, type Db } from '../store/db.js';
import type { Sighting } from '../store/sightings.js';
import { DEFAULT_RENDER, renderCapture, type Rect, type RelBox, type RenderSettings } from './media-render.js';
import type { Bandwidth } from './payload.js';

export interface MediaMakerDeps {
  db: Db;
  logger: Logger;
  /** Read on every pass: a config push that changes the bandwidth applies at once. */
  settings: () => { bandwidth: Bandwidth; blurPersons: boolean; sendKeypoints?: boolean };
  render?: Partial<RenderSettings>;
  /** New media rows are in the outbox (the relay sends them). */
  onMade?: () => void;
  /** Sightings handled per pass. */
  batch?: number;
}

interface Todo {
  sightingId: string;
  priority: number;
}

const KINDS: Record<Bandwidth, readonly MediaKind[]> = { metadata: [], crops: ['crop'], full: ['crop', 'frame'] };

/**
 * Makes the media of stored sightings, lazily and off the inference path: it looks at the
 * sighting rows waiting in the outbox (and at `sync_media_pending`: sightings the hub
 * receipted before their media were made, see `keepOwed`), renders what the bandwidth
 * policy wants (crops, and frames in `full`) from the capture blobs, and writes each JPEG
 * as its own outbox row (topic `media`, the sighting's priority, the wire payload as the
 * row's payload) together with `sync_media_done`, in one SQLite transaction. A crash before
 * that commit leaves the sighting without its mark, so the next pass makes its media again;
 * after it, nothing is made twice. Rows are deleted only by the hub's receipt naming their
 * ids, like sightings.
 */
export class MediaMaker {
  private readonly log: Logger;
  private readonly render: RenderSettings;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private again = false;
  private featuresOf: Statement | null = null;

  constructor(private readonly deps: MediaMakerDeps) {
    this.log = deps.logger;
    this.render = { ...DEFAULT_RENDER, ...deps.render };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.kick(), 5_000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }

  /** Look for work now (a sighting was stored, or the bandwidth changed). */
  kick(): void {
    if (!this.running) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = (async () => {
      try {
        do {
          this.again = false;
          while (this.running && (await this.pass()) > 0) {
            /* more sightings may be waiting */
          }
        } while (this.again && this.running);
      } catch (err) {
        this.log.error({ err }, 'making media failed; will retry');
      } finally {
        this.current = null;
      }
    })();
  }

  /** Make the media of up to `batch` sightings; returns how many sightings it handled. */
  async pass(): Promise<number> {
    const { bandwidth, blurPersons, sendKeypoints = true } = this.deps.settings();
    const kinds = KINDS[bandwidth];
    if (kinds.length === 0) return 0;
    const marks = kinds.map(() => '?').join(',');
    const todo = this.deps.db
      .prepare(
        `SELECT c.sightingId, c.priority FROM (
           SELECT sighting_id AS sightingId, priority, 0 AS ord FROM sync_media_pending
           UNION ALL
           SELECT ref_id, priority, seq FROM outbox WHERE topic = 'sighting' AND parked_reason IS NULL
         ) c
         WHERE (SELECT count(*) FROM sync_media_done d WHERE d.sighting_id = c.sightingId AND d.kind IN (${marks})) < ?
         ORDER BY c.priority DESC, c.ord LIMIT ?`,
      )
      .all(...kinds, kinds.length, this.deps.batch ?? 4) as Todo[];
    const seen = new Set<string>();
    for (const t of todo) {
      if (seen.has(t.sightingId)) continue;
      seen.add(t.sightingId);
      await this.make(t, kinds, blurPersons, sendKeypoints);
    }
    if (todo.length > 0) this.deps.onMade?.();
    return todo.length;
  }

  /**
   * The hub receipted these ids: before their sighting rows go, remember the sightings whose
   * media the bandwidth policy still owes (the relay calls this in the receipt's transaction).
   */
  keepOwed(ids: readonly string[]): void {
    const kinds = KINDS[this.deps.settings().bandwidth];
    if (kinds.length === 0 || ids.length === 0) return;
    const marks = kinds.map(() => '?').join(',');
    const at = nowIso();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      this.deps.db
        .prepare(
          `INSERT OR IGNORE INTO sync_media_pending (sighting_id, priority, created_at)
           SELECT o.ref_id, o.priority, ? FROM outbox o
           WHERE o.topic = 'sighting' AND o.ref_id IN (${chunk.map(() => '?').join(',')})
             AND (SELECT count(*) FROM sync_media_done d WHERE d.sighting_id = o.ref_id AND d.kind IN (${marks})) < ?`,
        )
        .run(at, ...chunk, ...kinds, kinds.length);
    }
  }

  private async make(t: Todo, kinds: readonly MediaKind[], blurPersons: boolean, sendKeypoints: boolean): Promise<void> {
    const done = new Set((this.deps.db.prepare('SELECT kind FROM sync_media_done WHERE sighting_id = ?').all(t.sightingId) as { kind: MediaKind }[]).map((r) => r.kind));
    const want = kinds.filter((k) => !done.has(k));
    const body = (this.deps.db.prepare('SELECT body FROM sightings WHERE id = ?').get(t.sightingId) as { body: string } | undefined)?.body;
    let s: Sighting;
    try {
      if (body === undefined) throw new Error('no such sighting');
      s = JSON.parse(body) as Sighting;
    } catch (err) {
      this.markDone(t.sightingId, want, [], `stored sighting unreadable: ${(err as Error).message}`);
      return;
    }
    const blobOf = this.deps.db.prepare('SELECT blob_path AS path FROM captures WHERE id = ?');
    const rows: { payload: MediaPayload; text: string }[] = [];
    const notes: string[] = [];
    const withKeypoints = new Set<string>();
    for (const frame of s.frames) {
      const dets = s.detections.map((d, idx) => ({ d, idx })).filter((x) => x.d.captureId === frame.captureId);
      const crops = want.includes('crop') ? dets.map((x) => ({ idx: x.idx, box: x.d.bbox as RelBox })) : [];
      const wantFrame = want.includes('frame');
      if (crops.length === 0 && !wantFrame) continue;
      const path = (blobOf.get(frame.captureId) as { path: string } | undefined)?.path;
      if (!path || !existsSync(path)) {
        notes.push(`capture ${frame.captureId}: blob missing`);
        continue;
      }
      const blur = blurPersons ? dets.filter((x) => x.d.category === 'person').map((x) => x.d.bbox as RelBox) : [];
      try {
        const out = await renderCapture(path, { crops, frame: wantFrame, blur }, this.render);
        const base = { v: 1 as const, deviceId: s.deviceId, sightingId: s.id, captureId: frame.captureId, contentType: 'image/jpeg' as const };
        for (const c of out.crops) {
          const det = s.detections[c.idx];
          // Reviewers compare one crop per animal and sighting: its first crop with keypoints carries them.
          const animal = det ? (det.individual?.id ?? det.taxon?.label ?? det.label) : '';
          const features = sendKeypoints && det && !withKeypoints.has(animal) ? this.keypointsOf(frame.captureId, det.bbox, out.source, c.rect) : null;
          if (features) withKeypoints.add(animal);
          rows.push(this.encode({ ...base, id: uuidv7(), kind: 'crop', detectionIdx: c.idx, width: c.width, height: c.height, ...(features ? { features } : {}) }, c.jpeg));
        }
        if (out.frame) rows.push(this.encode({ ...base, id: uuidv7(), kind: 'frame', detectionIdx: null, width: out.frame.width, height: out.frame.height }, out.frame.jpeg));
      } catch (err) {
        notes.push(`capture ${frame.captureId}: ${(err as Error).message}`);
      }
    }
    if (notes.length > 0) this.log.warn({ sightingId: s.id, notes }, 'some media of this sighting could not be made; the hub gets the rest');
    this.markDone(t.sightingId, want, rows, notes.length > 0 ? notes.join('; ') : null, t.priority);
    this.log.debug({ sightingId: s.id, media: rows.length, bytes: rows.reduce((n, r) => n + r.text.length, 0) }, 'media made');
  }

  /**
   * The ORB keypoints ReID took from this detection (stored with it at inference), placed in
   * the crop image: `region` is where the feature crop lies inside the crop's pixels. The
   * sighting keeps boxes rounded, so the detection row is the one nearest the box.
   */
  private keypointsOf(captureId: string, bbox: readonly number[], source: { width: number; height: number }, rect: Rect): CropFeatures | null {
    try {
      return this.placeKeypoints(captureId, bbox, source, rect);
    } catch (err) {
      // A damaged features blob costs the keypoints, never the crop.
      this.log.warn({ captureId, err: (err as Error).message }, 'stored keypoints unreadable; the crop goes without them');
      return null;
    }
  }

  private placeKeypoints(captureId: string, bbox: readonly number[], source: { width: number; height: number }, rect: Rect): CropFeatures | null {
    this.featuresOf ??= this.deps.db.prepare('SELECT x, y, w, h, features FROM detections WHERE capture_id = ? AND features IS NOT NULL');
    const rows = this.featuresOf.all(captureId) as { x: number; y: number; w: number; h: number; features: Buffer }[];
    const gap = (r: { x: number; y: number; w: number; h: number }) => Math.abs(r.x - (bbox[0] as number)) + Math.abs(r.y - (bbox[1] as number)) + Math.abs(r.w - (bbox[2] as number)) + Math.abs(r.h - (bbox[3] as number));
    const row = rows.sort((a, b) => gap(a) - gap(b))[0];
    if (!row || gap(row) > 1e-3) return null;
    const f = unpackFeatures(row.features);
    if (f.descriptors.length === 0) return null;
    const box = [row.x, row.y, row.w, row.h] as const;
    const fc = featureCrop(box, source.width, source.height);
    const rel = (v: number, side: number) => Math.min(1, Math.max(0, v / side));
    const region = [rel(fc.x0 - rect.left, rect.width), rel(fc.y0 - rect.top, rect.height), rel(fc.w, rect.width), rel(fc.h, rect.height)] as const;
    return encodeCropFeatures({ w: fc.tw, h: fc.th, region, points: f.keypoints, descriptors: f.descriptors });
  }

  private encode(fields: Omit<MediaPayload, 'sha256' | 'bytes'>, jpeg: Buffer): { payload: MediaPayload; text: string } {
    const payload: MediaPayload = { ...fields, sha256: createHash('sha256').update(jpeg).digest('hex'), bytes: jpeg.toString('base64') };
    return { payload, text: codecs.media.encode(payload).toString('utf8') };
  }

  /** Media rows, their listing and the done marks in one transaction. */
  private markDone(sightingId: string, kinds: readonly MediaKind[], rows: readonly { payload: MediaPayload; text: string }[], note: string | null, priority = 0): void {
    const { db } = this.deps;
    const at = nowIso();
    const list = db.prepare(
      'INSERT INTO sync_media (id, sighting_id, capture_id, kind, detection_idx, width, height, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const outbox = db.prepare('INSERT INTO outbox (topic, ref_id, payload, bytes, priority, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    const mark = db.prepare('INSERT OR REPLACE INTO sync_media_done (sighting_id, kind, count, note, made_at) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const { payload: p, text } of rows) {
        list.run(p.id, sightingId, p.captureId, p.kind, p.detectionIdx, p.width, p.height, Buffer.from(p.bytes, 'base64').byteLength, p.sha256, at);
        outbox.run('media', p.id, text, Buffer.byteLength(text), priority, at);
      }
      for (const k of kinds) mark.run(sightingId, k, rows.filter((r) => r.payload.kind === k).length, note, at);
      db.prepare('DELETE FROM sync_media_pending WHERE sighting_id = ?').run(sightingId);
    })();
  }
}

/** Ids of the media made for one sighting (its wire payload lists them once they exist). */
export function mediaIdsOf(db: Db): (sightingId: string) => string[] {
  const stmt = db.prepare('SELECT id FROM sync_media WHERE sighting_id = ? ORDER BY kind, detection_idx, capture_id, id');
  return (sightingId) => (stmt.all(sightingId) as { id: string }[]).map((r) => r.id);
}
