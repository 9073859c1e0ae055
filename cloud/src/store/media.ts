import { decodeCropFeatures, type Keypoints, type MediaPayload } from '@spoor/protocol';
import type { Sql } from './sql.js';

/** One stored image as the API lists it (`bytes` is its size; the bytes come from `GET /api/media/:id`). */
export interface MediaItem {
  id: string;
  captureId: string;
  kind: 'crop' | 'frame';
  detectionIdx: number | null;
  width: number;
  height: number;
  contentType: string;
  bytes: number;
  /** How many ORB keypoints came with a crop (null: none, e.g. a species without local-feature ReID). */
  keypoints: number | null;
}

/** A media message the ingest has checked (sha256 and size against the decoded bytes). */
export interface MediaRecord {
  payload: MediaPayload;
  /** The decoded image; its sha256 equals `payload.sha256`. */
  data: Buffer;
  /** How many keypoints `payload.features` holds (checked against its descriptors). */
  keypoints?: number | null;
}

/**
 * Crops and frames from the devices. Bytes go in and out as base64 through `decode`/`encode`
 * in SQL, so PGlite and node-postgres see the same text parameters.
 */
export class MediaRepo {
  constructor(private readonly sql: Sql) {}

  /** Commit a batch in ONE transaction, idempotent by media id; returns every id in the batch. */
  async upsertMany(records: readonly MediaRecord[]): Promise<string[]> {
    const byId = new Map<string, MediaRecord>();
    for (const r of records) if (!byId.has(r.payload.id)) byId.set(r.payload.id, r);
    if (byId.size === 0) return [];
    await this.sql.transaction(async (tx) => {
      for (const { payload: p, data, keypoints = null } of byId.values()) {
        await tx.query(
          `INSERT INTO media (id, device_id, sighting_id, capture_id, kind, detection_idx, content_type, width, height, sha256, byte_size, bytes, features, keypoints)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, decode($12, 'base64'), $13::jsonb, $14)
           ON CONFLICT (id) DO NOTHING`,
          [p.id, p.deviceId, p.sightingId, p.captureId, p.kind, p.detectionIdx, p.contentType, p.width, p.height, p.sha256, data.byteLength, p.bytes, p.features ? JSON.stringify(p.features) : null, keypoints],
        );
      }
    });
    return [...byId.keys()];
  }

  /** The images of one sighting: crops in detection order, then frames. */
  async listForSighting(sightingId: string): Promise<MediaItem[]> {
    const { rows } = await this.sql.query<{
      id: string;
      capture_id: string;
      kind: 'crop' | 'frame';
      detection_idx: number | null;
      width: number;
      height: number;
      content_type: string;
      byte_size: number;
      keypoints: number | null;
    }>(
      `SELECT id, capture_id, kind, detection_idx, width, height, content_type, byte_size,
keypoints FROM media
       WHERE sighting_id = $1 ORDER BY kind, detection_idx NULLS LAST, capture_id, id`,
      [sightingId],
    );
    return rows.map((r) => ({
      id: r.id,
      captureId: r.capture_id,
      kind: r.kind,
      detectionIdx: r.detection_idx,
      width: r.width,
      height: r.height,
      contentType: r.content_type,
      bytes: r.byte_size,
      keypoints: r.keypoints === null ? null : Number(r.keypoints),
    }));
  }

  /** The keypoints of one crop: null when there is no such media, undefined when it came without any. */
  async keypoints(id: string): Promise<{ keypoints: Keypoints } | null | undefined> {
    const { rows } = await this.sql.query<{ features: unknown }>('SELECT features FROM media WHERE id = $1', [id]);
    const r = rows[0];
    if (!r) return null;
    if (r.features === null) return undefined;
    const f = typeof r.features === 'string' ? JSON.parse(r.features) : r.features;
    const d = decodeCropFeatures(f);
    return d.ok ? { keypoints: d.keypoints } : undefined;
  }

  /** The bytes of one image, or null when there is none with this id. */
  async get(id: string): Promise<{ contentType: string; sha256: string; data: Buffer } | null> {
    const { rows } = await this.sql.query<{ content_type: string; sha256: string; b64: string }>(
      `SELECT content_type, sha256, encode(bytes, 'base64') AS b64 FROM media WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r ? { contentType: r.content_type, sha256: r.sha256, data: Buffer.from(r.b64, 'base64') } : null;
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM media');
    return rows[0]?.n ?? 0;
  }
}
