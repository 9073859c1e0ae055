import { decodeEmbedding } from '@spoor/protocol';
import type { Queryable } from '../store/sql.js';
import type { CandidateScorer } from './scorer.js';
import { loadIndividuals, MAX_REFS_PER_OP } from './state.js';

/** Two active global individuals that may be one animal. */
export interface DuplicatePair {
  /** The two ids, `a` < `b`. */
  a: string;
  b: string;
  fleetId: string;
  species: string;
  /** The best calibrated score of one's references against the other's. */
  score: number;
}

/** How many individuals (most recently changed first) one fleet-wide listing checks. */
export const DUPLICATE_SCAN = 500;

const pairKey = (x: string, y: string): string => (x < y ? `${x} ${y}` : `${y} ${x}`);

/**
 * Pairs of active individuals that look like one animal: each individual's newest references
 * (as many as a delta carries) are scored against its fleet's index, and another individual at
 * or above `threshold` makes a pair. A duplicate appears when an animal first seen from a poor
 * angle became its own individual and later sightings brought it close to another. Pairs a
 * reviewer already called different are left out: a rejected proposal between a device animal
 * linked to one and the other as the candidate, or a split between them that is not undone.
 * A listing checks the `scan` most recently changed individuals; `scanned` says how many.
 */
export async function findDuplicates(
  sql: Queryable,
  scorer: CandidateScorer,
  q: { threshold: number; fleetId?: string | undefined; species?: string | undefined; individualId?: string | undefined; limit?: number; scan?: number },
): Promise<{ items: DuplicatePair[]; scanned: number }> {
  // A pair appears when an individual gains references, so the most recently changed ones are
  // checked (each against the whole index): bounded work for a page, however large the gallery.
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM individuals WHERE status = 'active' AND ($1::text IS NULL OR fleet_id = $1) AND ($2::text IS NULL OR species = $2) AND ($3::uuid IS NULL OR id = $3)
      ORDER BY updated_at DESC, id LIMIT $4`,
    [q.fleetId ?? null, q.species ?? null, q.individualId ?? null, q.scan ?? DUPLICATE_SCAN],
  );
  const state = await loadIndividuals(sql, rows.map((r) => r.id));
  const judged = await judgedDifferent(sql);
  const best = new Map<string, DuplicatePair>();
  for (const [id, s] of state) {
    const { fleetId, species } = s.individual;
    for (const r of s.refs.slice(-MAX_REFS_PER_OP)) {
      const vector = decodeEmbedding({ dtype: 'i8', dim: r.dim, scale: r.scale, data: r.embedding });
      for (const c of scorer.scoreCandidates(fleetId, species, vector)) {
        if (c.individualId === id || c.score < q.threshold) continue;
        const key = pairKey(id, c.individualId);
        if (judged.has(key) || (best.get(key)?.score ?? -1) >= c.score) continue;
        const [a, b] = id < c.individualId ? [id, c.individualId] : [c.individualId, id];
        best.set(key, { a, b, fleetId, species, score: Math.round(c.score * 1e4) / 1e4 });
      }
    }
  }
  return { items: [...best.values()].sort((x, y) => y.score - x.score || x.a.localeCompare(y.a)).slice(0, q.limit ?? 200), scanned: rows.length };
}

/** Pairs of individuals a reviewer decided are different animals. */
async function judgedDifferent(sql: Queryable): Promise<Set<string>> {
  const out = new Set<string>();
  const rejected = await sql.query<{ x: string; y: string }>(
    `SELECT l.individual_id AS x, p.candidate_individual_id AS y FROM proposals p
       JOIN individual_links l ON l.device_id = p.device_id AND l.local_id = p.local_id
      WHERE p.status = 'rejected'`,
  );
  for (const r of rejected.rows) out.add(pairKey(String(r.x), String(r.y)));
  const splits = await sql.query<{ target_ids: string[] }>("SELECT target_ids FROM decisions WHERE kind = 'split' AND undone_by IS NULL");
  for (const r of splits.rows) {
    const ids = r.target_ids;
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) out.add(pairKey(ids[i] as string, ids[j] as string));
  }
  return out;
}
