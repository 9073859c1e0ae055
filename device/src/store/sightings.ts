import type { Db } from './db.js';
import { nowIso } from './db.js';

export interface SightingIndividual {
  species: string;
  id: string | null;
  name: string | null;
  decision: 'known' | 'new' | 'uncertain';
  score: number;
  frames: number;
  /** The hub's global id of the local individual, once a gallery delta brought it. */
  globalId?: string;
}

export interface SightingDetection {
  captureId: string;
  category: string;
  label: string;
  bbox: [number, number, number, number];
  confidence: number;
  taxon: { label: string; rank: string; p: number } | null;
  top: { label: string; p: number }[] | null;
  individual?: { id: string | null; name: string | null; decision: SightingIndividual['decision']; score: number; globalId?: string };
}

export interface SightingFrame {
  captureId: string;
  takenAt: string;
  sha256: string;
  originalName: string;
  width: number;
  height: number;
}

export interface Sighting {
  id: string;
  eventId: string;
  deviceId: string;
  cameraId: string | null;
  takenAt: string;
  endAt: string;
  frames: SightingFrame[];
  detections: SightingDetection[];
  individuals: SightingIndividual[];
}

/** Closed events that saw something. The body is stored whole; the outbox row rides in the same transaction. */
export class SightingStore {
  constructor(private readonly db: Db) {}

  /** Insert the sighting, its outbox row, and close the event — all or nothing. */
  commit(s: Sighting, outbox: { topic: string; priority: number }): void {
    const body = JSON.stringify(s);
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO sightings (id, event_id, camera_id, taken_at, created_at, body) VALUES (?, ?, ?, ?, ?, ?)')
        .run(s.id, s.eventId, s.cameraId, s.takenAt, nowIso(), body);
      this.db
        .prepare('INSERT INTO outbox (topic, ref_id, payload, bytes, priority, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(outbox.topic, s.id, body, Buffer.byteLength(body), outbox.priority, nowIso());
      this.closeEvent(s.eventId);
    })();
  }

  closeEvent(eventId: string): void {
    this.db.prepare(`UPDATE events SET status = 'closed', closed_at = ? WHERE id = ?`).run(nowIso(), eventId);
  }

  get(id: string): Sighting | undefined {
    const row = this.db.prepare('SELECT body FROM sightings WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Sighting) : undefined;
  }

  list(opts: { limit?: number; offset?: number; species?: string } = {}): Sighting[] {
    const limit = opts.limit ?? 100;
    const offset = opts.offset ?? 0;
    const rows = (
      opts.species === undefined
        ? this.db.prepare('SELECT body FROM sightings ORDER BY taken_at DESC, id DESC LIMIT ? OFFSET ?').all(limit, offset)
        : this.db
            .prepare(
              `SELECT body FROM sightings s WHERE EXISTS (
                 SELECT 1 FROM json_each(s.body, '$.detections') d WHERE json_extract(d.value, '$.taxon.label') = ?)
               ORDER BY taken_at DESC, id DESC LIMIT ? OFFSET ?`,
            )
            .all(opts.species, limit, offset)
    ) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Sighting);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM sightings').get() as { n: number }).n;
  }
}
