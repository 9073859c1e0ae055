import { HubErrors } from '../errors.js';
import type { Queryable, Sql } from '../store/sql.js';
import { addRefs, bumpFleet, fleetOfDevice, newId, type GalleryDelta } from './common.js';
import { applyReview, loadReview, restoreReview, type ReviewInput, type ReviewSnapshot } from '../store/review.js';
import { loadState, opsFor, restoreState, type GalleryState } from './state.js';

export const DECISION_KINDS = ['confirm', 'reject', 'merge', 'split', 'rename', 'unidentifiable', 'undo', 'review'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface DecisionResult {
  decisionId: string;
  kind: DecisionKind;
  fleetId: string;
  /** The fleet's gallery version after the decision. */
  version: number;
  /** Individuals the decision wrote, with their new versions. */
  individuals: Record<string, number | null>;
  delta: GalleryDelta;
  /** The individual a split or a reject created. */
  createdId?: string;
  /** The proposal a reject opened against the next candidate. */
  proposalId?: string;
}

interface Touched {
  individuals: string[];
  proposals?: string[];
  sightings?: string[];
  /** Sightings whose species review (taxa, categories, frame marks) the decision records. */
  reviews?: string[];
}

/** The audit's before/after: the gallery state plus, for `review` decisions, the sightings' review state. */
type DecisionState = GalleryState & { reviews?: Record<string, ReviewSnapshot | null> };

/** The fleet's gallery version as a delta with nothing in it (a device that has it treats it as a duplicate). */
async function currentVersion(tx: Queryable, fleetId: string): Promise<GalleryDelta> {
  const { rows } = await tx.query<{ gallery_version: number }>('SELECT gallery_version FROM fleets WHERE id = $1', [fleetId]);
  return { v: 1, fleetId, version: Number(rows[0]?.gallery_version ?? 0), ops: [] };
}

async function loadReviews(tx: Queryable, ids: readonly string[], lock: boolean): Promise<Record<string, ReviewSnapshot | null> | undefined> {
  if (ids.length === 0) return undefined;
  const out: Record<string, ReviewSnapshot | null> = {};
  for (const id of [...ids].sort()) out[id] = await loadReview(tx, id, lock);
  return out;
}

const touchSql = "UPDATE individuals SET version = version + 1, updated_at = date_trunc('milliseconds', now()) WHERE id = ANY($1::uuid[])";

/**
 * Reviewer decisions on the global gallery. Each is ONE transaction: lock the individuals,
 * check the versions the reviewer saw, change, write the audit row (before/after state) and
 * the fleet's next gallery version with its delta. A stale version is SPOOR_E_VERSION_CONFLICT.
 */
export class GalleryDecisions {
  constructor(
    private readonly sql: Sql,
    private readonly keepVersions: number,
  ) {}

  /** The runner every decision goes through. `change` returns ids it created (they join the after-state). */
  private run(
    actor: string,
    kind: DecisionKind,
    touched: Touched,
    expected: Record<string, number>,
    change: (tx: Queryable, before: DecisionState) => Promise<{ created?: string[]; undoes?: string; fleetId?: string; proposed?: string }>,
  ): Promise<DecisionResult> {
    return this.sql.transaction(async (tx) => {
      const ids = [...new Set(touched.individuals)].sort();
      if (ids.length > 0) await tx.query('SELECT id FROM individuals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
      const reviews = touched.reviews ?? [];
      const before: DecisionState = await loadState(tx, { individuals: ids, proposals: touched.proposals ?? [], sightings: touched.sightings ?? [] });
      const reviewsBefore = await loadReviews(tx, reviews, true);
      if (reviewsBefore) before.reviews = reviewsBefore;
      for (const [id, v] of Object.entries(expected)) {
        const cur = before.individuals[id];
        if (!cur) throw HubErrors.SPOOR_E_NOT_FOUND(`individual ${id}`);
        if (cur.individual.version !== v) throw HubErrors.SPOOR_E_VERSION_CONFLICT(`individual ${id} is at version ${cur.individual.version}, not ${v}`);
      }
      const fleets = new Set(Object.values(before.individuals).flatMap((s) => (s ? [s.individual.fleetId] : [])));
      const out = await change(tx, before);
      if (out.fleetId) fleets.add(out.fleetId);
      if (fleets.size !== 1) throw HubErrors.SPOOR_E_BAD_REQUEST(fleets.size === 0 ? 'nothing to decide on' : 'a decision cannot span fleets');
      const fleetId = [...fleets][0] as string;
      const all = [...new Set([...ids, ...(out.created ?? [])])];
      const after: DecisionState = await loadState(tx, { individuals: all, proposals: touched.proposals ?? [], sightings: touched.sightings ?? [] });
      const reviewsAfter = await loadReviews(tx, reviews, false);
      if (reviewsAfter) after.reviews = reviewsAfter;
      for (const id of out.created ?? []) before.individuals[id] = null;
      const decisionId = newId();
      await tx.query(
        `INSERT INTO decisions (id, fleet_id, actor, kind, target_ids, before, after, undoes) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8)`,
        [decisionId, fleetId, actor, kind, JSON.stringify(all), JSON.stringify(before), JSON.stringify(after), out.undoes ?? null],
      );
      if (out.undoes) await tx.query('UPDATE decisions SET undone_by = $2 WHERE id = $1', [out.undoes, decisionId]);
      // A species review (or its undo) changes no individual: the devices' gallery stays at its version.
      const galleryUnchanged = all.length === 0 && (touched.reviews ?? []).length > 0;
      const delta = galleryUnchanged ? await currentVersion(tx, fleetId) : await bumpFleet(tx, fleetId, opsFor(after.individuals), this.keepVersions);
      return {
        decisionId,
        kind,
        fleetId,
        version: delta.version,
        individuals: Object.fromEntries(Object.entries(after.individuals).map(([id, s]) => [id, s?.individual.version ?? null])),
        delta,
        ...(out.created?.[0] ? { createdId: out.created[0] } : {}),
        ...(out.proposed ? { proposalId: out.proposed } : {}),
      };
    });
  }

  private async openProposal(id: string): Promise<{ id: string; device_id: string; local_id: string; species: string; candidate_individual_id: string; evidence: string[]; fleet_id: string }> {
    const { rows } = await this.sql.query<{ id: string; status: string; device_id: string; local_id: string; species: string; candidate_individual_id: string; evidence: string[]; fleet_id: string }>(
      'SELECT * FROM proposals WHERE id = $1',
      [id],
    );
    const p = rows[0];
    if (!p) throw HubErrors.SPOOR_E_NOT_FOUND(`proposal ${id}`);
    if (p.status !== 'open') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`proposal ${id} is already ${p.status}`);
    return p;
  }

  /** Accept: the device's local individual IS the candidate; its evidence becomes references. */
  async accept(actor: string, proposalId: string, expectedVersion?: number): Promise<DecisionResult> {
    const p = await this.openProposal(proposalId);
    const expected = expectedVersion === undefined ? {} : { [p.candidate_individual_id]: expectedVersion };
    return this.run(actor, 'confirm', { individuals: [p.candidate_individual_id], proposals: [p.id] }, expected, async (tx, before) => {
      if (before.proposals[p.id]?.status !== 'open') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`proposal ${p.id} was decided meanwhile`);
      if (before.individuals[p.candidate_individual_id]?.individual.status !== 'active') throw HubErrors.SPOOR_E_VERSION_CONFLICT('the candidate was merged meanwhile; reject and propose again');
      await tx.query("UPDATE proposals SET status = 'accepted' WHERE id = $1", [p.id]);
      await tx.query('INSERT INTO individual_links (device_id, local_id, individual_id) VALUES ($1, $2, $3)', [p.device_id, p.local_id, p.candidate_individual_id]);
      await addRefs(tx, p.candidate_individual_id, p.device_id, p.local_id, p.evidence);
      await tx.query(touchSql, [[p.candidate_individual_id]]);
      return {};
    });
  }

  /**
   * Reject: the device's local individual is not this candidate. With `next` (the next-best
   * candidate above the propose threshold that this animal was not yet rejected for), it is
   * proposed against that one: a new open proposal with the same evidence. Without, it is
   * someone new and becomes its own global individual. Undo restores the proposal (and
   * removes the next one, unless it was decided meanwhile: then undo is refused).
   */
  async reject(actor: string, proposalId: string, next: { individualId: string; score: number } | null = null): Promise<DecisionResult> {
    const p = await this.openProposal(proposalId);
    const id = newId();
    const nextId = next ? newId() : null;
    return this.run(actor, 'reject', { individuals: [], proposals: nextId ? [p.id, nextId] : [p.id] }, {}, async (tx, before) => {
      if (before.proposals[p.id]?.status !== 'open') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`proposal ${p.id} was decided meanwhile`);
      await tx.query("UPDATE proposals SET status = 'rejected' WHERE id = $1", [p.id]);
      if (next && nextId) {
        const c = await tx.query<{ status: string }>('SELECT status FROM individuals WHERE id = $1 AND fleet_id = $2 AND species = $3', [next.individualId, p.fleet_id, p.species]);
        if (c.rows[0]?.status === 'active') {
          await tx.query(
            `INSERT INTO proposals (id, fleet_id, device_id, local_id, species, candidate_individual_id, score, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
            [nextId, p.fleet_id, p.device_id, p.local_id, p.species, next.individualId, next.score, JSON.stringify(p.evidence)],
          );
          return { fleetId: p.fleet_id, proposed: nextId };
        }
      }
      await tx.query('INSERT INTO individuals (id, fleet_id, species) VALUES ($1, $2, $3)', [id, p.fleet_id, p.species]);
      await tx.query('INSERT INTO individual_links (device_id, local_id, individual_id) VALUES ($1, $2, $3)', [p.device_id, p.local_id, id]);
      await addRefs(tx, id, p.device_id, p.local_id, p.evidence);
      return { created: [id], fleetId: p.fleet_id };
    });
  }

  /** Merge `ids` into `into`: their links and references move, they become `merged`. */
  async merge(actor: string, ids: string[], into: string, expectedVersions: Record<string, number>): Promise<DecisionResult> {
    const sources = [...new Set(ids)].filter((id) => id !== into);
    if (sources.length === 0) throw HubErrors.SPOOR_E_BAD_REQUEST('merge needs at least one individual other than `into`');
    for (const id of [...sources, into]) if (expectedVersions[id] === undefined) throw HubErrors.SPOOR_E_BAD_REQUEST(`expectedVersions needs a version for ${id}`);
    return this.run(actor, 'merge', { individuals: [...sources, into] }, expectedVersions, async (tx, before) => {
      const target = before.individuals[into];
      for (const id of [...sources, into]) if (before.individuals[id]?.individual.status !== 'active') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`individual ${id} is not active`);
      if (sources.some((id) => before.individuals[id]?.individual.species !== target?.individual.species)) throw HubErrors.SPOOR_E_BAD_REQUEST('individuals of different species cannot be merged');
      await tx.query('UPDATE individual_links SET individual_id = $1 WHERE individual_id = ANY($2::uuid[])', [into, sources]);
      await tx.query('UPDATE individual_refs SET individual_id = $1 WHERE individual_id = ANY($2::uuid[])', [into, sources]);
      await tx.query("UPDATE proposals SET candidate_individual_id = $1 WHERE candidate_individual_id = ANY($2::uuid[]) AND status = 'open'", [into, sources]);
      await tx.query("UPDATE individuals SET status = 'merged', merged_into = $1 WHERE id = ANY($2::uuid[])", [into, sources]);
      await tx.query(touchSql, [[...sources, into]]);
      return {};
    });
  }

  /**
   * Split the references of `sightingIds` off `id` into a new individual. A device link moves
   * with them when all of that local individual's references moved.
   */
  async split(actor: string, id: string, sightingIds: string[], expectedVersion: number): Promise<DecisionResult> {
    const created = newId();
    return this.run(actor, 'split', { individuals: [id] }, { [id]: expectedVersion }, async (tx, before) => {
      const cur = before.individuals[id];
      if (cur?.individual.status !== 'active') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`individual ${id} is not active`);
      const moving = cur.refs.filter((r) => sightingIds.includes(r.sightingId));
      if (moving.length === 0) throw HubErrors.SPOOR_E_BAD_REQUEST('none of these sightings is a reference of the individual');
      if (moving.length === cur.refs.length) throw HubErrors.SPOOR_E_BAD_REQUEST('a split must leave the individual at least one reference');
      await tx.query('INSERT INTO individuals (id, fleet_id, species) VALUES ($1, $2, $3)', [created, cur.individual.fleetId, cur.individual.species]);
      await tx.query('UPDATE individual_refs SET individual_id = $1 WHERE id = ANY($2::bigint[])', [created, moving.map((r) => r.id)]);
      for (const l of cur.links) {
        const mine = cur.refs.filter((r) => r.deviceId === l.deviceId && r.localId === l.localId);
        if (mine.length > 0 && mine.every((r) => moving.includes(r))) {
          await tx.query('UPDATE individual_links SET individual_id = $1 WHERE device_id = $2 AND local_id = $3', [created, l.deviceId, l.localId]);
        }
      }
      await tx.query(touchSql, [[id]]);
      return { created: [created] };
    });
  }

  async rename(actor: string, id: string, name: string | null, expectedVersion: number): Promise<DecisionResult> {
    return this.run(actor, 'rename', { individuals: [id] }, { [id]: expectedVersion }, async (tx) => {
      await tx.query('UPDATE individuals SET name = $2 WHERE id = $1', [id, name]);
      await tx.query(touchSql, [[id]]);
      return {};
    });
  }

  /** The sighting cannot be identified: it stops being a reference of anyone. */
  async unidentifiable(actor: string, sightingId: string): Promise<DecisionResult> {
    const s = await this.sql.query<{ device_id: string }>('SELECT device_id FROM sightings WHERE id = $1', [sightingId]);
    const deviceId = s.rows[0]?.device_id;
    if (!deviceId) throw HubErrors.SPOOR_E_NOT_FOUND(`sighting ${sightingId}`);
    return this.markUnidentifiable(actor, [sightingId], deviceId, null);
  }

  /**
   * The proposal's animal cannot be identified: every evidence sighting is marked
   * unidentifiable and the proposal closes as `unidentifiable` (neither the candidate nor a
   * new individual). Undo reopens it.
   */
  async unidentifiableProposal(actor: string, proposalId: string): Promise<DecisionResult> {
    const p = await this.openProposal(proposalId);
    return this.markUnidentifiable(actor, p.evidence, p.device_id, p.id);
  }

  private async markUnidentifiable(actor: string, sightingIds: string[], deviceId: string, proposalId: string | null): Promise<DecisionResult> {
    const owners = await this.sql.query<{ individual_id: string }>('SELECT DISTINCT individual_id FROM individual_refs WHERE sighting_id = ANY($1::uuid[])', [sightingIds]);
    const ids = owners.rows.map((r) => r.individual_id);
    const touched = { individuals: ids, sightings: sightingIds, ...(proposalId ? { proposals: [proposalId] } : {}) };
    return this.run(actor, 'unidentifiable', touched, {}, async (tx, before) => {
      if (proposalId) {
        if (before.proposals[proposalId]?.status !== 'open') throw HubErrors.SPOOR_E_VERSION_CONFLICT(`proposal ${proposalId} was decided meanwhile`);
        await tx.query("UPDATE proposals SET status = 'unidentifiable' WHERE id = $1", [proposalId]);
      }
      await tx.query('DELETE FROM individual_refs WHERE sighting_id = ANY($1::uuid[])', [sightingIds]);
      await tx.query('UPDATE sightings SET unidentifiable = true WHERE id = ANY($1::uuid[])', [sightingIds]);
      if (ids.length > 0) await tx.query(touchSql, [ids]);
      return { fleetId: await fleetOfDevice(tx, deviceId) };
    });
  }

  /**
   * Species review of one sighting: corrected taxa/categories and frame marks, checked against
   * the sighting's version the reviewer saw. Audited like every decision, so it can be undone.
   */
  async review(actor: string, sightingId: string, expectedVersion: number, input: ReviewInput): Promise<DecisionResult> {
    const s = await this.sql.query<{ device_id: string }>('SELECT device_id FROM sightings WHERE id = $1', [sightingId]);
    const deviceId = s.rows[0]?.device_id;
    if (!deviceId) throw HubErrors.SPOOR_E_NOT_FOUND(`sighting ${sightingId}`);
    return this.run(actor, 'review', { individuals: [], reviews: [sightingId] }, {}, async (tx, before) => {
      const cur = before.reviews?.[sightingId];
      if (!cur) throw HubErrors.SPOOR_E_NOT_FOUND(`sighting ${sightingId}`);
      if (cur.version !== expectedVersion) throw HubErrors.SPOOR_E_VERSION_CONFLICT(`sighting ${sightingId} is at version ${cur.version}, not ${expectedVersion}`);
      await applyReview(tx, sightingId, actor, input);
      return { fleetId: await fleetOfDevice(tx, deviceId) };
    });
  }

  /**
   * Undo: write the decision's `before` back, exactly (versions move forward). Refused with
   * SPOOR_E_VERSION_CONFLICT when anything it touched changed since, or when it is undone already.
   */
  async undo(actor: string, decisionId: string): Promise<DecisionResult> {
    const { rows } = await this.sql.query<{ kind: string; fleet_id: string; before: DecisionState; after: DecisionState; undone_by: string | null }>(
      'SELECT kind, fleet_id, before, after, undone_by FROM decisions WHERE id = $1',
      [decisionId],
    );
    const d = rows[0];
    if (!d) throw HubErrors.SPOOR_E_NOT_FOUND(`decision ${decisionId}`);
    if (d.undone_by) throw HubErrors.SPOOR_E_VERSION_CONFLICT(`decision ${decisionId} was undone by ${d.undone_by}`);
    const ids = Object.keys(d.after.individuals);
    const fleetId =
      Object.values(d.after.individuals).find((s) => s)?.individual.fleetId ?? Object.values(d.before.individuals).find((s) => s)?.individual.fleetId ?? d.fleet_id;
    const expected = Object.fromEntries(Object.entries(d.after.individuals).flatMap(([id, s]) => (s ? [[id, s.individual.version]] : [])));
    const reviews = Object.keys(d.before.reviews ?? {});
    return this.run(actor, 'undo', { individuals: ids, proposals: Object.keys(d.before.proposals), sightings: Object.keys(d.before.sightings), reviews }, expected, async (tx, now) => {
      for (const [id, p] of Object.entries(d.after.proposals)) if (now.proposals[id]?.status !== p?.status) throw HubErrors.SPOOR_E_VERSION_CONFLICT(`proposal ${id} changed since`);
      for (const id of reviews) {
        const was = d.before.reviews?.[id];
        const cur = now.reviews?.[id];
        if (!was || !cur) continue;
        if (cur.version !== d.after.reviews?.[id]?.version) throw HubErrors.SPOOR_E_VERSION_CONFLICT(`sighting ${id} was reviewed again since`);
        await restoreReview(tx, id, was, cur.version + 1);
      }
      await restoreState(tx, d.before, (id) => (now.individuals[id]?.individual.version ?? 0) + 1);
      return { undoes: decisionId, ...(fleetId ? { fleetId } : {}) };
    });
  }
}
