import type { SightingPayload } from '@spoor/protocol';
import type { Sql } from './sql.js';

export interface SightingQuery {
  deviceId?: string | undefined;
  /** Matches a detection's taxon label or its detector label, exactly. */
  species?: string | undefined;
  /** ISO times; `takenAt` within [from, to). */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

/** Sightings as the devices sent them (the body), with their detections and local individuals broken out for queries. */
export class SightingRepo {
  constructor(private readonly sql: Sql) {}

  /**
   * Commit a batch in ONE transaction, idempotent by sighting id. Returns every id in the
   * batch: the new ones and the ones that were already stored are all committed now, so
   * the devices may drop all of them from their outboxes.
   */
  async upsertMany(payloads: readonly SightingPayload[]): Promise<string[]> {
    const byId = new Map<string, SightingPayload>();
    for (const p of payloads) if (!byId.has(p.id)) byId.set(p.id, p);
    if (byId.size === 0) return [];
    const batch = [...byId.values()];
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO sightings (id, device_id, event_id, camera_id, taken_at, end_at, body)
         SELECT x.id, x.device_id, x.event_id, x.camera_id, x.taken_at, x.end_at, x.body
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, device_id text, event_id uuid, camera_id text, taken_at timestamptz, end_at timestamptz, body jsonb)
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          JSON.stringify(
            batch.map((p) => ({ id: p.id, device_id: p.deviceId, event_id: p.eventId, camera_id: p.cameraId, taken_at: p.takenAt, end_at: p.endAt, body: p })),
          ),
        ],
      );
      const fresh = new Set(rows.map((r) => r.id));
      const inserted = batch.filter((p) => fresh.has(p.id));
      const detections = inserted.flatMap((p) =>
        p.detections.map((d, idx) => ({
          sighting_id: p.id,
          idx,
          category: d.category,
          label: d.label,
          x: d.bbox[0],
          y: d.bbox[1],
          w: d.bbox[2],
          h: d.bbox[3],
          confidence: d.confidence,
          taxon_label: d.taxon?.label ?? null,
          taxon_rank: d.taxon?.rank ?? null,
          taxon_p: d.taxon?.p ?? null,
          local_individual_id: d.individual?.id ?? null,
          decision: d.individual?.decision ?? null,
          score: d.individual?.score ?? null,
        })),
      );
      if (detections.length > 0) {
        await tx.query(
          `INSERT INTO detections (sighting_id, idx, category, label, x, y, w, h, confidence, taxon_label, taxon_rank, taxon_p, local_individual_id, decision, score)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(sighting_id uuid, idx integer, category text, label text, x real, y real, w real, h real,
             confidence real, taxon_label text, taxon_rank text, taxon_p real, local_individual_id uuid, decision text, score real)`,
          [JSON.stringify(detections)],
        );
      }
      // One row per (device, local individual): the last sighting in the batch wins.
      const individuals = new Map<string, { device_id: string; local_id: string; species: string; name: string | null; last_sighting_id: string }>();
      for (const p of inserted) {
        for (const ind of p.individuals) {
          if (ind.id === null) continue;
          individuals.set(`${p.deviceId}\u0000${ind.id}`, { device_id: p.deviceId, local_id: ind.id, species: ind.species, name: ind.name, last_sighting_id: p.id });
        }
      }
      if (individuals.size > 0) {
        await tx.query(
          `INSERT INTO individuals_local (device_id, local_id, species, name, last_sighting_id)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(device_id text, local_id uuid, species text, name text, last_sighting_id uuid)
           ON CONFLICT (device_id, local_id) DO UPDATE SET species = EXCLUDED.species, name = EXCLUDED.name, last_sighting_id = EXCLUDED.last_sighting_id`,
          [JSON.stringify([...individuals.values()])],
        );
      }
    });
    return batch.map((p) => p.id);
  }

  async list(q: SightingQuery): Promise<{ items: SightingPayload[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (q.deviceId !== undefined) add((n) => `s.device_id = ${n}`, q.deviceId);
    if (q.species !== undefined) add((n) => `EXISTS (SELECT 1 FROM detections d WHERE d.sighting_id = s.id AND (d.taxon_label = ${n} OR d.label = ${n}))`, q.species);
    if (q.from !== undefined) add((n) => `s.taken_at >= ${n}::timestamptz`, q.from);
    if (q.to !== undefined) add((n) => `s.taken_at < ${n}::timestamptz`, q.to);
    const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM sightings s ${cond}`, params);
    const page = await this.sql.query<{ body: SightingPayload }>(
      `SELECT s.body FROM sightings s ${cond} ORDER BY s.taken_at DESC, s.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    return { items: page.rows.map((r) => r.body), total: Number(total.rows[0]?.n ?? 0) };
  }

  async get(id: string): Promise<SightingPayload | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const { rows } = await this.sql.query<{ body: SightingPayload }>('SELECT body FROM sightings WHERE id = $1', [id]);
    return rows[0]?.body ?? null;
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM sightings');
    return Number(rows[0]?.n ?? 0);
  }
}
