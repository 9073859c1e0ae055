import { decodeEmbedding, type SightingPayload } from '@spoor/protocol';
import type { Queryable, Sql } from '../store/sql.js';
import { addRefs, bumpFleet, newId, type GalleryDelta } from './common.js';
import type { CandidateScorer, IndexedRef } from './scorer.js';
import { loadIndividuals, opsFor } from './state.js';

export interface MatchSettings {
  proposeThreshold: number;
  autoMerge: boolean;
  autoMergeThreshold: number;
  keepVersions: number;
}

export const DEFAULT_MATCH_SETTINGS: MatchSettings = { proposeThreshold: 0.75, autoMerge: false, autoMergeThreshold: 0.95, keepVersions: 1000 };

export type MatchOutcome =
  | { kind: 'new'; individualId: string }
  | { kind: 'proposal'; proposalId: string; candidate: string; score: number }
  | { kind: 'auto-merge'; individualId: string; score: number; decisionId: string }
  | { kind: 'ref'; individualId: string }
  /** A device recognised a global individual it holds from a delta (a mirror): its local id is linked to it (audited, undoable). */
  | { kind: 'claimed'; individualId: string; decisionId: string }
  | { kind: 'evidence'; proposalId: string }
  | { kind: 'skip' };

export interface MatchResult {
  outcomes: MatchOutcome[];
  deltas: GalleryDelta[];
  /** New references to add to the in-memory index once committed. */
  refs: IndexedRef[];
}

/**
 * Bring committed sightings into the fleet's global gallery. Each device individual is one
 * transaction under a per-fleet advisory lock. Everything is keyed by (device, local id) and
 * sighting id, so a re-delivered sighting changes nothing.
 */
export async function matchSightings(
  sql: Sql,
  scorer: CandidateScorer,
  settings: MatchSettings,
  sightings: readonly SightingPayload[],
  /** Called after each transaction commits with its new references, so the next match in the batch sees them. */
  onRefs: (refs: IndexedRef[]) => void = () => {},
): Promise<MatchResult> {
  const result: MatchResult = { outcomes: [], deltas: [], refs: [] };
  const known = await knownLocals(sql, sightings);
  for (const s of sightings) {
    for (const ind of s.individuals) {
      if (ind.id === null || ind.decision === 'uncertain') continue;
      const localId = ind.id;
      // Most sightings are of individuals the hub has nothing on: skip them without a transaction.
      if (ind.decision !== 'new' && !known.has(`${s.deviceId}\u0000${localId}`) && !ind.globalId) continue;
      if (ind.decision === 'new' && !ind.embedding && !known.has(`${s.deviceId}\u0000${localId}`)) continue;
      const pending: { refs: IndexedRef[]; deltas: GalleryDelta[] } = { refs: [], deltas: [] };
      const outcome = await sql.transaction(async (tx) => {
        // Two round trips, not four: the fleet and its lock in one, then the link and the open proposal (under the lock).
        const f = await tx.query<{ fleet_id: string }>(
          "SELECT fleet_id, pg_advisory_xact_lock(hashtext('spoor-gallery:' || fleet_id)) FROM (SELECT COALESCE((SELECT fleet_id FROM devices WHERE id = $1), 'default') AS fleet_id) AS d",
          [s.deviceId],
        );
        const fleetId = String(f.rows[0]?.fleet_id ?? 'default');
        const found = await tx.query<{ linked: string | null; open_id: string | null }>(
          `SELECT (SELECT individual_id FROM individual_links WHERE device_id = $1 AND local_id = $2) AS linked,
                  (SELECT id FROM proposals WHERE device_id = $1 AND local_id = $2 AND status = 'open') AS open_id`,
          [s.deviceId, localId],
        );
        const linked = found.rows[0]?.linked;
        if (linked) {
          const added = await addRefs(tx, linked, s.deviceId, localId, [s.id]);
          if (added.length === 0) return { kind: 'skip' } as const;
          const state = await loadIndividuals(tx, [linked]);
          const st = state.get(linked);
          if (st?.individual.status !== 'active') return { kind: 'ref', individualId: linked } as const;
          pending.refs.push(...st.refs.filter((r) => added.includes(r.id)).map((r) => ({ refId: r.id, individualId: linked, fleetId, species: st.individual.species, dim: r.dim, embedding: r.embedding, scale: r.scale })));
          pending.deltas.push(await bumpFleet(tx, fleetId, opsFor({ [linked]: st }), settings.keepVersions));
          return { kind: 'ref', individualId: linked } as const;
        }
        const openId = found.rows[0]?.open_id;
        if (openId) {
          await tx.query('UPDATE proposals SET evidence = evidence || $2::jsonb WHERE id = $1 AND NOT evidence @> $2::jsonb', [openId, JSON.stringify([s.id])]);
          return { kind: 'evidence', proposalId: String(openId) } as const;
        }
        // A `known` local individual that carries a global id is the device recognising that global individual (from a delta).
        if (ind.decision === 'known' && ind.globalId) {
          const g = await tx.query<{ fleet_id: string; species: string; status: string }>('SELECT fleet_id, species, status FROM individuals WHERE id = $1 FOR UPDATE', [ind.globalId]);
          const row = g.rows[0];
          if (row?.status === 'active' && row.fleet_id === fleetId && row.species === ind.species) {
            const decisionId = await linkAudited(tx, 'hub:claim', { fleetId, individualId: ind.globalId, deviceId: s.deviceId, localId, sightingId: s.id }, pending, settings.keepVersions);
            return { kind: 'claimed', individualId: ind.globalId, decisionId } as const;
          }
        }
        // Only a device's NEW individual starts a match; a `known` one we never saw linked is left for its `new` sighting.
        if (ind.decision !== 'new' || !ind.embedding) return { kind: 'skip' } as const;
        const best = scorer.scoreCandidates(fleetId, ind.species, decodeEmbedding(ind.embedding))[0];
        if (best && best.score >= settings.proposeThreshold) {
          if (settings.autoMerge && best.score > settings.autoMergeThreshold) {
            const decisionId = await linkAudited(tx, 'hub:auto-merge', { fleetId, individualId: best.individualId, deviceId: s.deviceId, localId, sightingId: s.id }, pending, settings.keepVersions);
            return { kind: 'auto-merge', individualId: best.individualId, score: best.score, decisionId } as const;
          }
          const proposalId = newId();
          await tx.query(
            `INSERT INTO proposals (id, fleet_id, device_id, local_id, species, candidate_individual_id, score, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
            [proposalId, fleetId, s.deviceId, localId, ind.species, best.individualId, best.score, JSON.stringify([s.id])],
          );
          return { kind: 'proposal', proposalId, candidate: best.individualId, score: best.score } as const;
        }
        const individualId = newId();
        await tx.query('INSERT INTO individuals (id, fleet_id, species, name) VALUES ($1, $2, $3, $4)', [individualId, fleetId, ind.species, ind.name]);
        await tx.query('INSERT INTO individual_links (device_id, local_id, individual_id) VALUES ($1, $2, $3)', [s.deviceId, localId, individualId]);
        await addRefs(tx, individualId, s.deviceId, localId, [s.id]);
        const st = (await loadIndividuals(tx, [individualId])).get(individualId);
        if (st) pending.refs.push(...st.refs.map((r) => ({ refId: r.id, individualId, fleetId, species: ind.species, dim: r.dim, embedding: r.embedding, scale: r.scale })));
        pending.deltas.push(await bumpFleet(tx, fleetId, opsFor({ [individualId]: st ?? null }), settings.keepVersions));
        return { kind: 'new', individualId } as const;
      });
      result.outcomes.push(outcome);
      result.refs.push(...pending.refs);
      result.deltas.push(...pending.deltas);
      onRefs(pending.refs);
      if (outcome.kind !== 'skip') known.add(`${s.deviceId}\u0000${localId}`);
    }
  }
  return result;
}

/**
 * Link a device's local individual to a global one without a reviewer (auto-merge, or the
 * device recognising a global individual it holds): its references, a version bump, the
 * fleet's next delta, and an audit row as a `confirm` by `actor`, so it shows in the history
 * and can be undone like a reviewer's decision. Returns the decision id.
 */
async function linkAudited(
  tx: Queryable,
  actor: string,
  link: { fleetId: string; individualId: string; deviceId: string; localId: string; sightingId: string },
  pending: { refs: IndexedRef[]; deltas: GalleryDelta[] },
  keepVersions: number,
): Promise<string> {
  const { fleetId, individualId: gid } = link;
  const before = await loadIndividuals(tx, [gid]);
  await tx.query('INSERT INTO individual_links (device_id, local_id, individual_id) VALUES ($1, $2, $3)', [link.deviceId, link.localId, gid]);
  await addRefs(tx, gid, link.deviceId, link.localId, [link.sightingId]);
  await tx.query("UPDATE individuals SET version = version + 1, updated_at = date_trunc('milliseconds', now()) WHERE id = $1", [gid]);
  const after = await loadIndividuals(tx, [gid]);
  const decisionId = newId();
  const snapshot = (m: typeof after) => JSON.stringify({ individuals: Object.fromEntries(m), proposals: {}, sightings: {} });
  await tx.query(`INSERT INTO decisions (id, fleet_id, actor, kind, target_ids, before, after) VALUES ($1, $2, $3, 'confirm', $4::jsonb, $5::jsonb, $6::jsonb)`, [
    decisionId,
    fleetId,
    actor,
    JSON.stringify([gid]),
    snapshot(before),
    snapshot(after),
  ]);
  const st = after.get(gid);
  if (st) pending.refs.push(...st.refs.filter((r) => r.sightingId === link.sightingId).map((r) => ({ refId: r.id, individualId: gid, fleetId, species: st.individual.species, dim: r.dim, embedding: r.embedding, scale: r.scale })));
  pending.deltas.push(await bumpFleet(tx, fleetId, opsFor(Object.fromEntries(after)), keepVersions));
  return decisionId;
}

/** The (device, local id) pairs of the batch that are linked or have an open proposal: one query for the batch. */
async function knownLocals(sql: Sql, sightings: readonly SightingPayload[]): Promise<Set<string>> {
  const pairs = sightings.flatMap((s) => s.individuals.flatMap((i) => (i.id === null || i.decision === 'uncertain' ? [] : [{ device_id: s.deviceId, local_id: i.id }])));
  if (pairs.length === 0) return new Set();
  const { rows } = await sql.query<{ device_id: string; local_id: string }>(
    `SELECT x.device_id, x.local_id::text AS local_id FROM jsonb_to_recordset($1::jsonb) AS x(device_id text, local_id uuid)
      WHERE EXISTS (SELECT 1 FROM individual_links l WHERE l.device_id = x.device_id AND l.local_id = x.local_id)
         OR EXISTS (SELECT 1 FROM proposals p WHERE p.device_id = x.device_id AND p.local_id = x.local_id AND p.status = 'open')`,
    [JSON.stringify(pairs)],
  );
  return new Set(rows.map((r) => `${r.device_id}\u0000${r.local_id}`));
}
