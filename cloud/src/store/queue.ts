import type { SightingPayload } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import type { FrameMark } from './review.js';
import type { Queryable } from './sql.js';

export interface QueueQuery {
  deviceId?: string | undefined;
  cameraId?: string | undefined;
  /** A detection's (reviewed, else device) taxon label or its detector label, case-insensitive. */
  species?: string | undefined;
  minConfidence?: number | undefined;
  maxConfidence?: number | undefined;
  decision?: 'known' | 'new' | 'uncertain' | undefined;
  reviewed?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset?: number | undefined;
  /** From a previous page's `nextCursor`: continue after that sighting (stable while new ones arrive). */
  cursor?: string | undefined;
}

type Taxon = { label: string; rank: string; p?: number } | null;

/** A sighting as the console shows it: the device's payload with the review applied on top. */
export interface QueueItem extends Omit<SightingPayload, 'frames' | 'detections'> {
  frames: (Omit<SightingPayload['frames'][number], 'originalName' | 'width' | 'height'> & { originalName: string | null; width: number | null; height: number | null; mark: FrameMark | null })[];
  detections: (Omit<SightingPayload['detections'][number], 'category' | 'taxon'> & {
    idx: number;
    category: string;
    taxon: Taxon;
    /** What the device said, when a reviewer changed it. */
    deviceCategory: string;
    deviceTaxon: Taxon;
    reviewed: boolean;
    /** The global individual the device's local one is linked to, if any. */
    globalIndividualId: string | null;
  })[];
  review: { state: 'pending' | 'reviewed'; by: string | null; at: string | null };
  version: number;
  unidentifiable: boolean;
}

interface Row {
  id: string;
  taken_at: unknown;
  body: SightingPayload;
  version: number;
  reviewed_by: string | null;
  reviewed_at: unknown;
  unidentifiable: boolean;
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

export function encodeCursor(takenAt: string, id: string): string {
  return Buffer.from(`${takenAt}|${id}`).toString('base64url');
}
function decodeCursor(c: string): { takenAt: string; id: string } {
  const [takenAt, id] = Buffer.from(c, 'base64url').toString().split('|');
  if (!takenAt || !id || Number.isNaN(Date.parse(takenAt)) || !/^[0-9a-f-]{36}$/i.test(id)) throw HubErrors.SPOOR_E_BAD_REQUEST('cursor is not one this hub gave out; start again without it');
  return { takenAt, id };
}

/** The review queue: sightings filtered for the console, newest first, with review state. */
export class SightingQueue {
  constructor(private readonly sql: Queryable) {}

  async list(q: QueueQuery): Promise<{ items: QueueItem[]; total: number; nextCursor: string | null }> {
    const where: string[] = [];
    const det: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => (params.push(v), `$${params.length}`);
    if (q.deviceId !== undefined) where.push(`s.device_id = ${p(q.deviceId)}`);
    if (q.cameraId !== undefined) where.push(`s.camera_id = ${p(q.cameraId)}`);
    if (q.from !== undefined) where.push(`s.taken_at >= ${p(q.from)}::timestamptz`);
    if (q.to !== undefined) where.push(`s.taken_at < ${p(q.to)}::timestamptz`);
    if (q.reviewed !== undefined) where.push(q.reviewed ? 's.reviewed_at IS NOT NULL' : 's.reviewed_at IS NULL');
    if (q.species !== undefined) {
      const n = p(q.species.toLowerCase());
      det.push(`(lower(COALESCE(d.review_taxon_label, d.taxon_label)) = ${n} OR lower(d.label) = ${n})`);
    }
    if (q.minConfidence !== undefined) det.push(`d.confidence >= ${p(q.minConfidence)}`);
    if (q.maxConfidence !== undefined) det.push(`d.confidence <= ${p(q.maxConfidence)}`);
    if (q.decision !== undefined) det.push(`d.decision = ${p(q.decision)}`);
    if (det.length > 0) where.push(`EXISTS (SELECT 1 FROM detections d WHERE d.sighting_id = s.id AND ${det.join(' AND ')})`);
    const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM sightings s ${cond}`, params);

    const pageWhere = [...where];
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      pageWhere.push(`(s.taken_at, s.id) < (${p(c.takenAt)}::timestamptz, ${p(c.id)}::uuid)`);
    }
    const pageCond = pageWhere.length > 0 ? `WHERE ${pageWhere.join(' AND ')}` : '';
    const offset = q.cursor === undefined ? (q.offset ?? 0) : 0;
    const { rows } = await this.sql.query<Row>(
      `SELECT s.id, s.taken_at, s.body, s.version, s.reviewed_by, s.reviewed_at, s.unidentifiable FROM sightings s ${pageCond}
        ORDER BY s.taken_at DESC, s.id DESC LIMIT ${p(q.limit)} OFFSET ${p(offset)}`,
      params,
    );
    const items = await this.decorate(rows);
    const last = rows[rows.length - 1];
    return { items, total: Number(total.rows[0]?.n ?? 0), nextCursor: last && rows.length === q.limit ? encodeCursor(iso(last.taken_at), last.id) : null };
  }

  async get(id: string): Promise<QueueItem | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const { rows } = await this.sql.query<Row>('SELECT s.id, s.taken_at, s.body, s.version, s.reviewed_by, s.reviewed_at, s.unidentifiable FROM sightings s WHERE s.id = $1', [id]);
    return (await this.decorate(rows))[0] ?? null;
  }

  /** Sightings by id, in the order given (missing ones left out). */
  async getMany(ids: readonly string[]): Promise<QueueItem[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.sql.query<Row>(
      'SELECT s.id, s.taken_at, s.body, s.version, s.reviewed_by, s.reviewed_at, s.unidentifiable FROM sightings s WHERE s.id = ANY($1::uuid[])',
      [ids],
    );
    const byId = new Map((await this.decorate(rows)).map((i) => [i.id, i]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async decorate(rows: Row[]): Promise<QueueItem[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const dets = await this.sql.query<{ sighting_id: string; idx: number; review_category: string | null; review_taxon_label: string | null; review_taxon_rank: string | null }>(
      'SELECT sighting_id, idx, review_category, review_taxon_label, review_taxon_rank FROM detections WHERE sighting_id = ANY($1::uuid[])',
      [ids],
    );
    const reviewOf = new Map(dets.rows.map((d) => [`${d.sighting_id}/${d.idx}`, d]));
    const marks = await this.sql.query<{ sighting_id: string; capture_id: string; mark: FrameMark }>('SELECT sighting_id, capture_id, mark FROM frame_marks WHERE sighting_id = ANY($1::uuid[])', [ids]);
    const markOf = new Map(marks.rows.map((m) => [`${m.sighting_id}/${m.capture_id}`, m.mark]));
    const links = await this.sql.query<{ device_id: string; local_id: string; individual_id: string }>(
      `SELECT l.device_id, l.local_id, l.individual_id FROM individual_links l
        WHERE (l.device_id, l.local_id) IN (SELECT s.device_id, d.local_individual_id FROM detections d JOIN sightings s ON s.id = d.sighting_id WHERE d.sighting_id = ANY($1::uuid[]))`,
      [ids],
    );
    const globalOf = new Map(links.rows.map((l) => [`${l.device_id}/${l.local_id}`, l.individual_id]));
    return rows.map((r) => {
      const b = r.body;
      return {
        ...b,
        frames: b.frames.map((f) => ({ ...f, originalName: f.originalName ?? null, width: f.width ?? null, height: f.height ?? null, mark: markOf.get(`${r.id}/${f.captureId}`) ?? null })),
        detections: b.detections.map((d, idx) => {
          const rv = reviewOf.get(`${r.id}/${idx}`);
          const taxon: Taxon = rv?.review_taxon_label ? { label: rv.review_taxon_label, rank: rv.review_taxon_rank ?? 'species' } : d.taxon;
          const localId = d.individual?.id ?? null;
          return {
            ...d,
            idx,
            category: rv?.review_category ?? d.category,
            taxon,
            deviceCategory: d.category,
            deviceTaxon: d.taxon,
            reviewed: Boolean(rv && (rv.review_category !== null || rv.review_taxon_label !== null)),
            globalIndividualId: localId ? (globalOf.get(`${b.deviceId}/${localId}`) ?? null) : null,
          };
        }),
        review: r.reviewed_at ? { state: 'reviewed' as const, by: r.reviewed_by, at: iso(r.reviewed_at) } : { state: 'pending' as const, by: null, at: null },
        version: Number(r.version),
        unidentifiable: r.unidentifiable,
      };
    });
  }
}
