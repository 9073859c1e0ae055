import { HubErrors } from '../errors.js';
import type { DecisionRecord } from '../gallery/queries.js';
import { SightingQueue, type QueueItem } from './queue.js';
import type { Queryable } from './sql.js';

export interface MediaRef {
  id: string;
  kind: string;
  captureId: string;
  detectionIdx: number | null;
  width: number;
  height: number;
  /** ORB keypoints that came with a crop (null: none). */
  keypoints: number | null;
}

/** A sighting in a compact form for comparing individuals side by side. */
export interface SightingCard {
  id: string;
  takenAt: string;
  deviceId: string;
  cameraId: string | null;
  originalName: string | null;
  bbox: [number, number, number, number] | null;
  species: string | null;
  media: MediaRef[];
  /** The crop of the card's detection (the individual's), when the device sent one: what identity review compares. */
  crop: MediaRef | null;
}

/** An audit row with the sightings the decision reviewed or marked unidentifiable. */
export interface DecisionRow extends DecisionRecord {
  sightingIds: string[];
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

/** Media of these sightings, when the hub has the media table (crops/frames from `crops`/`full` devices). */
export async function mediaFor(sql: Queryable, sightingIds: readonly string[]): Promise<Map<string, MediaRef[]>> {
  const out = new Map<string, MediaRef[]>();
  if (sightingIds.length === 0) return out;
  const t = await sql.query<{ t: string | null }>("SELECT to_regclass('media')::text AS t");
  if (!t.rows[0]?.t) return out;
  const { rows } = await sql.query<{ id: string; sighting_id: string; kind: string; capture_id: string; detection_idx: number | null; width: number; height: number; keypoints: number | null }>(
    'SELECT id, sighting_id, kind, capture_id, detection_idx, width, height, keypoints FROM media WHERE sighting_id = ANY($1::uuid[]) ORDER BY kind, capture_id, detection_idx',
    [sightingIds],
  );
  for (const r of rows) {
    const list = out.get(r.sighting_id) ?? [];
    list.push({ id: r.id, kind: r.kind, captureId: r.capture_id, detectionIdx: r.detection_idx === null ? null : Number(r.detection_idx), width: Number(r.width), height: Number(r.height), keypoints: r.keypoints === null ? null : Number(r.keypoints) });
    out.set(r.sighting_id, list);
  }
  return out;
}

/** The card of a sighting for one local individual: its detection of that individual (else the first). */
export function cardOf(s: QueueItem, media: MediaRef[], localId?: string | null): SightingCard {
  // The individual's detection whose crop came with keypoints (the device sends them once per animal), else its first.
  const crop = (i: number) => media.find((m) => m.kind === 'crop' && m.detectionIdx === i);
  const mine = s.detections.flatMap((d, i) => (localId && d.individual?.id === localId ? [i] : []));
  const idx = mine.find((i) => crop(i)?.keypoints) ?? mine[0] ?? 0;
  const det = s.detections[idx];
  const frame = s.frames.find((f) => f.captureId === det?.captureId) ?? s.frames[0];
  return {
    id: s.id,
    takenAt: s.takenAt,
    deviceId: s.deviceId,
    cameraId: s.cameraId,
    originalName: frame?.originalName ?? null,
    bbox: det ? det.bbox : null,
    species: det?.taxon?.label ?? null,
    media,
    crop: (det && crop(idx)) ?? null,
  };
}

/** Read models for identity review: a proposal with its evidence, an individual's sightings, the audit. */
export class IdentityViews {
  private readonly queue: SightingQueue;
  constructor(private readonly sql: Queryable) {
    this.queue = new SightingQueue(sql);
  }

  async cards(ids: readonly string[], localId?: string | null): Promise<SightingCard[]> {
    const items = await this.queue.getMany(ids);
    const media = await mediaFor(this.sql, items.map((i) => i.id));
    return items.map((i) => cardOf(i, media.get(i.id) ?? [], localId));
  }

  async proposal(id: string, best = 8): Promise<Record<string, unknown>> {
    const { rows } = await this.sql.query<Record<string, unknown>>('SELECT * FROM proposals WHERE id = $1', [id]);
    const p = rows[0];
    if (!p) throw HubErrors.SPOOR_E_NOT_FOUND(`proposal ${id}`);
    const evidence = p.evidence as string[];
    const candidateId = String(p.candidate_individual_id);
    const ind = await this.sql.query<Record<string, unknown>>('SELECT * FROM individuals WHERE id = $1', [candidateId]);
    const refs = await this.sql.query<{ sighting_id: string; local_id: string }>(
      'SELECT r.sighting_id, r.local_id FROM individual_refs r JOIN sightings s ON s.id = r.sighting_id WHERE r.individual_id = $1 ORDER BY s.taken_at DESC LIMIT $2',
      [candidateId, best],
    );
    const i = ind.rows[0];
    return {
      id: String(p.id),
      fleetId: String(p.fleet_id),
      deviceId: String(p.device_id),
      localId: String(p.local_id),
      species: String(p.species),
      score: Number(p.score),
      status: String(p.status),
      createdAt: iso(p.created_at),
      evidence,
      query: await this.cards(evidence, String(p.local_id)),
      candidate: i
        ? {
            id: String(i.id),
            fleetId: String(i.fleet_id),
            species: String(i.species),
            name: (i.name as string | null) ?? null,
            version: Number(i.version),
            status: String(i.status),
            sightings: (await Promise.all(refs.rows.map(async (r) => (await this.cards([r.sighting_id], r.local_id))[0]))).filter((c) => c !== undefined),
          }
        : null,
    };
  }

  /**
   * Sightings of a global individual (through its device links and its references), newest
   * first, with a per-device summary. A sighting whose reference a split moved to another
   * individual belongs there, even while its device's link stays here.
   */
  async individualSightings(individualId: string, limit: number): Promise<{ items: SightingCard[]; total: number; devices: { deviceId: string; sightings: number; firstAt: string; lastAt: string }[] }> {
    const ind = await this.sql.query('SELECT id FROM individuals WHERE id = $1', [individualId]);
    if (ind.rows.length === 0) throw HubErrors.SPOOR_E_NOT_FOUND(`individual ${individualId}`);
    const mine = `SELECT s.id, s.device_id, s.taken_at, d.local_individual_id AS local_id FROM sightings s JOIN detections d ON d.sighting_id = s.id
                    JOIN individual_links l ON l.device_id = s.device_id AND l.local_id = d.local_individual_id
                   WHERE l.individual_id = $1 AND NOT s.unidentifiable
                     AND NOT EXISTS (SELECT 1 FROM individual_refs o WHERE o.sighting_id = s.id AND o.local_id = d.local_individual_id AND o.individual_id <> $1)
                  UNION SELECT s.id, s.device_id, s.taken_at, r.local_id FROM individual_refs r JOIN sightings s ON s.id = r.sighting_id WHERE r.individual_id = $1`;
    const { rows } = await this.sql.query<{ id: string; local_id: string; taken_at: unknown }>(
      `SELECT DISTINCT ON (taken_at, id) id, local_id, taken_at FROM (${mine}) x ORDER BY taken_at DESC, id DESC LIMIT $2`,
      [individualId, limit],
    );
    const devices = await this.sql.query<{ device_id: string; n: number; first: unknown; last: unknown }>(
      `SELECT device_id, count(DISTINCT id)::int AS n, min(taken_at) AS first, max(taken_at) AS last FROM (${mine}) x GROUP BY device_id ORDER BY device_id`,
      [individualId],
    );
    const items: SightingCard[] = [];
    for (const r of rows) items.push(...(await this.cards([r.id], r.local_id)));
    return {
      items,
      total: devices.rows.reduce((a, d) => a + Number(d.n), 0),
      devices: devices.rows.map((d) => ({ deviceId: d.device_id, sightings: Number(d.n), firstAt: iso(d.first), lastAt: iso(d.last) })),
    };
  }

  /** The audit: newest first, for an individual (it is among the targets) or a sighting (its review). */
  async decisions(q: { individualId?: string | undefined; sightingId?: string | undefined; limit: number }): Promise<DecisionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.individualId) {
      params.push(JSON.stringify([q.individualId]));
      where.push(`target_ids @> $${params.length}::jsonb`);
    }
    if (q.sightingId) {
      params.push(q.sightingId);
      where.push(`(jsonb_exists(COALESCE(before->'reviews', '{}'::jsonb), $${params.length}) OR jsonb_exists(before->'sightings', $${params.length}))`);
    }
    params.push(q.limit);
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT id, actor, at, kind, target_ids, undone_by, undoes, before->'reviews' AS reviews, before->'sightings' AS sightings FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      actor: String(r.actor),
      at: iso(r.at),
      kind: String(r.kind),
      targetIds: r.target_ids as string[],
      undoneBy: (r.undone_by as string | null) ?? null,
      undoes: (r.undoes as string | null) ?? null,
      sightingIds: [...new Set([...Object.keys((r.reviews as object | null) ?? {}), ...Object.keys((r.sightings as object | null) ?? {})])],
    }));
  }
}
