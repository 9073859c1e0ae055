import type { SightingPayload } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import type { Queryable } from './sql.js';

export const FRAME_MARKS = ['blank', 'human'] as const;
export type FrameMark = (typeof FRAME_MARKS)[number];
export const REVIEW_CATEGORIES = ['animal', 'person', 'vehicle', 'blank'] as const;
export type ReviewCategory = (typeof REVIEW_CATEGORIES)[number];

/** What a reviewer sends: per detection a corrected taxon and/or category, per frame a mark. */
export interface ReviewInput {
  detections: { idx: number; taxon?: { label: string; rank: string } | undefined; category?: ReviewCategory | undefined }[];
  frames?: { captureId: string; mark: FrameMark }[] | undefined;
}

/** A sighting's review state, exactly: what a `review` decision records before and after, and what undo writes back. */
export interface ReviewSnapshot {
  version: number;
  reviewedBy: string | null;
  reviewedAt: string | null;
  detections: { idx: number; category: string | null; taxonLabel: string | null; taxonRank: string | null }[];
  frames: { captureId: string; mark: FrameMark }[];
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Lock the sighting and read its review state; null when there is no such sighting. */
export async function loadReview(tx: Queryable, sightingId: string, lock = false): Promise<ReviewSnapshot | null> {
  const s = await tx.query<{ version: number; reviewed_by: string | null; reviewed_at: unknown }>(
    `SELECT version, reviewed_by, reviewed_at FROM sightings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [sightingId],
  );
  const row = s.rows[0];
  if (!row) return null;
  const d = await tx.query<{ idx: number; review_category: string | null; review_taxon_label: string | null; review_taxon_rank: string | null }>(
    'SELECT idx, review_category, review_taxon_label, review_taxon_rank FROM detections WHERE sighting_id = $1 ORDER BY idx',
    [sightingId],
  );
  const f = await tx.query<{ capture_id: string; mark: FrameMark }>('SELECT capture_id, mark FROM frame_marks WHERE sighting_id = $1 ORDER BY capture_id', [sightingId]);
  return {
    version: Number(row.version),
    reviewedBy: row.reviewed_by,
    reviewedAt: iso(row.reviewed_at),
    detections: d.rows.map((r) => ({ idx: Number(r.idx), category: r.review_category, taxonLabel: r.review_taxon_label, taxonRank: r.review_taxon_rank })),
    frames: f.rows.map((r) => ({ captureId: r.capture_id, mark: r.mark })),
  };
}

/** Write a snapshot back (undo); the version moves forward to `version` so an old expectedVersion never matches again. */
export async function restoreReview(tx: Queryable, sightingId: string, snap: ReviewSnapshot, version: number): Promise<void> {
  await tx.query('UPDATE sightings SET version = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $1', [sightingId, version, snap.reviewedBy, snap.reviewedAt]);
  for (const d of snap.detections) {
    await tx.query('UPDATE detections SET review_category = $3, review_taxon_label = $4, review_taxon_rank = $5 WHERE sighting_id = $1 AND idx = $2', [
      sightingId,
      d.idx,
      d.category,
      d.taxonLabel,
      d.taxonRank,
    ]);
  }
  await tx.query('DELETE FROM frame_marks WHERE sighting_id = $1', [sightingId]);
  for (const f of snap.frames) await tx.query('INSERT INTO frame_marks (sighting_id, capture_id, mark) VALUES ($1, $2, $3)', [sightingId, f.captureId, f.mark]);
}

/**
 * Apply a review to a locked sighting: corrections per detection, marks per frame, who and
 * when; the version goes up by one. Unknown detection indexes or frames are SPOOR_E_BAD_REQUEST.
 */
export async function applyReview(tx: Queryable, sightingId: string, actor: string, input: ReviewInput): Promise<void> {
  const body = await tx.query<{ body: SightingPayload }>('SELECT body FROM sightings WHERE id = $1', [sightingId]);
  const payload = body.rows[0]?.body;
  if (!payload) throw HubErrors.SPOOR_E_NOT_FOUND(`sighting ${sightingId}`);
  for (const d of input.detections) {
    if (d.idx < 0 || d.idx >= payload.detections.length) throw HubErrors.SPOOR_E_BAD_REQUEST(`sighting ${sightingId} has no detection ${d.idx}`);
    const sets: string[] = [];
    const params: unknown[] = [sightingId, d.idx];
    if (d.category !== undefined) {
      params.push(d.category);
      sets.push(`review_category = $${params.length}`);
    }
    if (d.taxon !== undefined) {
      params.push(d.taxon.label.trim(), d.taxon.rank.trim());
      sets.push(`review_taxon_label = $${params.length - 1}`, `review_taxon_rank = $${params.length}`);
    }
    // A detection named without changes is confirmed as the device saw it.
    if (sets.length === 0) sets.push('review_category = COALESCE(review_category, category)', 'review_taxon_label = COALESCE(review_taxon_label, taxon_label)', 'review_taxon_rank = COALESCE(review_taxon_rank, taxon_rank)');
    await tx.query(`UPDATE detections SET ${sets.join(', ')} WHERE sighting_id = $1 AND idx = $2`, params);
  }
  const frames = new Set(payload.frames.map((f) => f.captureId));
  for (const f of input.frames ?? []) {
    if (!frames.has(f.captureId)) throw HubErrors.SPOOR_E_BAD_REQUEST(`sighting ${sightingId} has no frame ${f.captureId}`);
    await tx.query('INSERT INTO frame_marks (sighting_id, capture_id, mark) VALUES ($1, $2, $3) ON CONFLICT (sighting_id, capture_id) DO UPDATE SET mark = EXCLUDED.mark', [
      sightingId,
      f.captureId,
      f.mark,
    ]);
  }
  await tx.query("UPDATE sightings SET version = version + 1, reviewed_by = $2, reviewed_at = date_trunc('milliseconds', now()) WHERE id = $1", [sightingId, actor]);
}
