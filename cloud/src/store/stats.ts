import type { Queryable } from './sql.js';

/** The effective label of a detection: the reviewer's taxon, else the device's, else the detector label. */
const LABEL = 'COALESCE(d.review_taxon_label, d.taxon_label, d.label)';
/** Detections a reviewer marked blank are not counted. */
const COUNTED = "COALESCE(d.review_category, d.category) <> 'blank'";

export interface Range {
  from?: string | undefined;
  to?: string | undefined;
}

function range(q: Range, params: unknown[]): string {
  const w: string[] = [];
  if (q.from !== undefined) {
    params.push(q.from);
    w.push(`s.taken_at >= $${params.length}::timestamptz`);
  }
  if (q.to !== undefined) {
    params.push(q.to);
    w.push(`s.taken_at < $${params.length}::timestamptz`);
  }
  return w.map((c) => ` AND ${c}`).join('');
}

/** Numbers for the console's plots, computed in Postgres. Times are UTC unless an offset is given. */
export class StatsQueries {
  constructor(private readonly sql: Queryable) {}

  /** Sightings per time bucket (UTC day, or ISO week starting Monday) and species; a sighting counts once per species. */
  async sightingsOverTime(q: Range & { bucket: 'day' | 'week' }): Promise<{ t: string; species: string; count: number }[]> {
    const params: unknown[] = [q.bucket];
    const { rows } = await this.sql.query<{ t: string; species: string; n: number }>(
      `SELECT to_char(date_trunc($1, s.taken_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS t, ${LABEL} AS species, count(DISTINCT s.id)::int AS n
         FROM sightings s JOIN detections d ON d.sighting_id = s.id
        WHERE ${COUNTED}${range(q, params)}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    return rows.map((r) => ({ t: `${r.t}T00:00:00.000Z`, species: r.species, count: Number(r.n) }));
  }

  /** Diel activity: sightings per hour of day (0–23) at UTC + `utcOffsetMinutes`, for one species or all. */
  async diel(q: Range & { species?: string | undefined; utcOffsetMinutes?: number | undefined }): Promise<{ species: string | null; hours: number[] }> {
    const params: unknown[] = [q.utcOffsetMinutes ?? 0];
    let sp = '';
    if (q.species !== undefined) {
      params.push(q.species.toLowerCase());
      sp = ` AND lower(${LABEL}) = $${params.length}`;
    }
    const { rows } = await this.sql.query<{ h: number; n: number }>(
      `SELECT extract(hour FROM (s.taken_at AT TIME ZONE 'UTC') + make_interval(mins => $1::int))::int AS h, count(DISTINCT s.id)::int AS n
         FROM sightings s JOIN detections d ON d.sighting_id = s.id
        WHERE ${COUNTED}${sp}${range(q, params)}
        GROUP BY 1`,
      params,
    );
    const hours = Array.from({ length: 24 }, () => 0);
    for (const r of rows) hours[Number(r.h)] = Number(r.n);
    return { species: q.species ?? null, hours };
  }

  /** Per device: counted detections and the sightings they are in. Devices without any are listed with zeros. */
  async detectionsPerDevice(q: Range): Promise<{ deviceId: string; detections: number; sightings: number }[]> {
    const params: unknown[] = [];
    const { rows } = await this.sql.query<{ device_id: string; detections: number; sightings: number }>(
      `SELECT x.device_id, COALESCE(sum(x.detections), 0)::int AS detections, count(x.id) FILTER (WHERE x.id IS NOT NULL)::int AS sightings FROM (
         SELECT s.device_id, s.id, count(*) FILTER (WHERE ${COUNTED}) AS detections
           FROM sightings s LEFT JOIN detections d ON d.sighting_id = s.id
          WHERE true${range(q, params)} GROUP BY s.device_id, s.id
         UNION ALL SELECT id, NULL, 0 FROM devices
       ) x GROUP BY x.device_id ORDER BY x.device_id`,
      params,
    );
    return rows.map((r) => ({ deviceId: r.device_id, detections: Number(r.detections), sightings: Number(r.sightings) }));
  }
}
