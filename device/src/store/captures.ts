import { uuidv7 } from '@spoor/protocol';
import type { CaptureRepo, NewCapture } from '../ingest/types.js';
import { nowIso, type Db } from './db.js';
import { packFeatures, type LocalFeatures } from '../reid/features.js';

export interface CaptureRow {
  id: string;
  sha256: string;
  blobPath: string;
  originalName: string;
  takenAt: string;
  cameraId: string | null;
  eventId: string;
  status: 'pending' | 'done' | 'quarantined';
  width: number;
  height: number;
}

export interface StoredDetection {
  category: string;
  label: string;
  bbox: readonly [number, number, number, number];
  confidence: number;
  taxon: { label: string; rank: string; p: number } | null;
  top: readonly { label: string; p: number }[] | null;
  embedding: Float32Array | null;
  features?: LocalFeatures | null;
}

const CAPTURE_COLUMNS = `id, sha256, blob_path AS blobPath, original_name AS originalName, taken_at AS takenAt,
  camera_id AS cameraId, event_id AS eventId, status, width, height`;

/**
 * Captures and the burst events they belong to. Implements the ingest's CaptureRepo: a
 * capture row and its event assignment are one transaction.
 */
export class CaptureStore implements CaptureRepo {
  constructor(
    private readonly db: Db,
    private readonly burstWindowSec: () => number,
    private readonly clock: () => number = Date.now,
  ) {}

  findBySha(sha256: string): { id: string; eventId: string } | undefined {
    return this.db.prepare('SELECT id, event_id AS eventId FROM captures WHERE sha256 = ?').get(sha256) as
      | { id: string; eventId: string }
      | undefined;
  }

  findQuarantinedBySha(sha256: string): { id: string } | undefined {
    return this.db.prepare('SELECT id FROM quarantine WHERE sha256 = ? LIMIT 1').get(sha256) as { id: string } | undefined;
  }

  insertCapture(c: NewCapture): { id: string; eventId: string } {
    return this.db.transaction(() => {
      const eventId = this.assignEvent(c.cameraId, c.takenAt);
      const id = uuidv7();
      this.db
        .prepare(
          `INSERT INTO captures (id, sha256, blob_path, bytes, original_name, source, taken_at, taken_at_source, camera_id,
             width, height, format, event_id, ingested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, c.sha256, c.blobPath, c.bytes, c.originalName, c.source, c.takenAt, c.takenAtSource, c.cameraId, c.width, c.height, c.format, eventId, nowIso());
      return { id, eventId };
    })();
  }

  insertQuarantine(q: { originalName: string; sha256: string | null; code: string; reason: string; path: string | null; source: string }): { id: string } {
    const id = uuidv7();
    this.db
      .prepare('INSERT INTO quarantine (id, original_name, sha256, code, reason, path, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, q.originalName, q.sha256, q.code, q.reason, q.path, q.source, nowIso());
    return { id };
  }

  /** The open event of this camera whose time span, widened by the burst window, holds `takenAt`; else a new one. */
  private assignEvent(cameraId: string | null, takenAt: string): string {
    const windowMs = this.burstWindowSec() * 1000;
    const t = Date.parse(takenAt);
    const lo = new Date(t - windowMs).toISOString();
    const hi = new Date(t + windowMs).toISOString();
    const open = this.db
      .prepare(
        `SELECT id, start_at AS startAt, end_at AS endAt FROM events
         WHERE status = 'open' AND camera_id IS ? AND end_at >= ? AND start_at <= ?
         ORDER BY end_at DESC LIMIT 1`,
      )
      .get(cameraId, lo, hi) as { id: string; startAt: string; endAt: string } | undefined;
    if (open) {
      this.db
        .prepare('UPDATE events SET start_at = min(start_at, ?), end_at = max(end_at, ?), last_ingest_ms = ? WHERE id = ?')
        .run(takenAt, takenAt, this.clock(), open.id);
      return open.id;
    }
    const id = uuidv7();
    this.db
      .prepare('INSERT INTO events (id, camera_id, start_at, end_at, last_ingest_ms) VALUES (?, ?, ?, ?, ?)')
      .run(id, cameraId, takenAt, takenAt, this.clock());
    return id;
  }

  get(id: string): CaptureRow | undefined {
    return this.db.prepare(`SELECT ${CAPTURE_COLUMNS} FROM captures WHERE id = ?`).get(id) as CaptureRow | undefined;
  }

  /** Captures still waiting for inference, oldest first (also what a restart resumes). */
  pending(limit = 1000): CaptureRow[] {
    return this.db
      .prepare(`SELECT ${CAPTURE_COLUMNS} FROM captures WHERE status = 'pending' ORDER BY ingested_at, id LIMIT ?`)
      .all(limit) as CaptureRow[];
  }

  /**
   * Record inference results. The status guard makes it idempotent: a capture that is
   * already done (say, processed just before a crash) is not written twice.
   */
  completeCapture(captureId: string, detections: readonly StoredDetection[]): boolean {
    return this.db.transaction(() => {
      const res = this.db
        .prepare(`UPDATE captures SET status = 'done', processed_at = ? WHERE id = ? AND status = 'pending'`)
        .run(nowIso(), captureId);
      if (res.changes === 0) return false;
      const { eventId } = this.db.prepare('SELECT event_id AS eventId FROM captures WHERE id = ?').get(captureId) as { eventId: string };
      const insert = this.db.prepare(
        `INSERT INTO detections (id, capture_id, event_id, category, label, x, y, w, h, confidence, taxon_label, taxon_rank, taxon_p, top_json, embedding, features)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const d of detections) {
        insert.run(
          uuidv7(), captureId, eventId, d.category, d.label, d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3], d.confidence,
          d.taxon?.label ?? null, d.taxon?.rank ?? null, d.taxon?.p ?? null,
          d.top ? JSON.stringify(d.top) : null,
          d.embedding ? Buffer.from(d.embedding.buffer, d.embedding.byteOffset, d.embedding.byteLength) : null,
          d.features ? packFeatures(d.features) : null,
        );
      }
      return true;
    })();
  }

  /** A capture that passed the header check but failed to decode: kept, flagged, never retried. */
  failCapture(captureId: string, code: string, reason: string): void {
    this.db
      .prepare(`UPDATE captures SET status = 'quarantined', error_code = ?, error_reason = ?, processed_at = ? WHERE id = ? AND status = 'pending'`)
      .run(code, reason, nowIso(), captureId);
  }

  /** Open events ready to close: quiet for the burst window (or all, with `force`) and nothing pending. */
  closableEvents(force: boolean): string[] {
    const cutoff = this.clock() - this.burstWindowSec() * 1000;
    return (
      this.db
        .prepare(
          `SELECT e.id FROM events e
           WHERE e.status = 'open' AND (? OR e.last_ingest_ms <= ?)
             AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.event_id = e.id AND c.status = 'pending')
           ORDER BY e.start_at`,
        )
        .all(force ? 1 : 0, cutoff) as { id: string }[]
    ).map((r) => r.id);
  }

  counts(): { pending: number; done: number; quarantined: number } {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM captures GROUP BY status').all() as { status: string; n: number }[];
    const out = { pending: 0, done: 0, quarantined: 0 };
    for (const r of rows) out[r.status as keyof typeof out] = r.n;
    return out;
  }
}
