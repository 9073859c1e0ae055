import type { GalleryOp } from '@spoor/protocol';
import type { Queryable } from '../store/sql.js';

/** One global individual as stored: its row, the device-local ids it stands for, its reference embeddings. */
export interface IndividualRow {
  id: string;
  fleetId: string;
  species: string;
  name: string | null;
  version: number;
  status: 'active' | 'merged';
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface LinkRow {
  deviceId: string;
  localId: string;
  individualId: string;
  createdAt: string;
}
export interface RefRow {
  id: string;
  individualId: string;
  sightingId: string;
  deviceId: string;
  localId: string;
  dim: number;
  /** int8, base64. */
  embedding: string;
  scale: number;
  createdAt: string;
}
export interface IndividualState {
  individual: IndividualRow;
  links: LinkRow[];
  refs: RefRow[];
}

/**
 * What a decision touched, before or after it: each individual's full state (null: it did not
 * exist), proposal statuses and sighting flags. Undo writes a `before` back as it was.
 */
export interface GalleryState {
  individuals: Record<string, IndividualState | null>;
  proposals: Record<string, { status: string } | null>;
  sightings: Record<string, { unidentifiable: boolean } | null>;
}

const iso = (v: unknown): string => new Date(v as string).toISOString();
const b64 = (v: unknown): string => String(v).replace(/\s+/g, '');

export async function loadIndividuals(tx: Queryable, ids: readonly string[]): Promise<Map<string, IndividualState>> {
  const out = new Map<string, IndividualState>();
  if (ids.length === 0) return out;
  const ind = await tx.query<Record<string, unknown>>('SELECT * FROM individuals WHERE id = ANY($1::uuid[]) ORDER BY id', [ids]);
  for (const r of ind.rows) {
    out.set(String(r.id), {
      individual: {
        id: String(r.id),
        fleetId: String(r.fleet_id),
        species: String(r.species),
        name: (r.name as string | null) ?? null,
        version: Number(r.version),
        status: r.status as 'active' | 'merged',
        mergedInto: (r.merged_into as string | null) ?? null,
        createdAt: iso(r.created_at),
        updatedAt: iso(r.updated_at),
      },
      links: [],
      refs: [],
    });
  }
  const links = await tx.query<Record<string, unknown>>(
    'SELECT * FROM individual_links WHERE individual_id = ANY($1::uuid[]) ORDER BY device_id, local_id',
    [ids],
  );
  for (const r of links.rows) {
    out.get(String(r.individual_id))?.links.push({ deviceId: String(r.device_id), localId: String(r.local_id), individualId: String(r.individual_id), createdAt: iso(r.created_at) });
  }
  const refs = await tx.query<Record<string, unknown>>(
    `SELECT id::text AS id, individual_id, sighting_id, device_id, local_id, dim, encode(embedding, 'base64') AS embedding, scale, created_at
       FROM individual_refs WHERE individual_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  for (const r of refs.rows) {
    out.get(String(r.individual_id))?.refs.push({
      id: String(r.id),
      individualId: String(r.individual_id),
      sightingId: String(r.sighting_id),
      deviceId: String(r.device_id),
      localId: String(r.local_id),
      dim: Number(r.dim),
      embedding: b64(r.embedding),
      scale: Number(r.scale),
      createdAt: iso(r.created_at),
    });
  }
  return out;
}

export async function loadState(tx: Queryable, keys: { individuals: readonly string[]; proposals?: readonly string[]; sightings?: readonly string[] }): Promise<GalleryState> {
  const state: GalleryState = { individuals: {}, proposals: {}, sightings: {} };
  const found = await loadIndividuals(tx, keys.individuals);
  for (const id of [...keys.individuals].sort()) state.individuals[id] = found.get(id) ?? null;
  for (const id of keys.proposals ?? []) {
    const { rows } = await tx.query<{ status: string }>('SELECT status FROM proposals WHERE id = $1', [id]);
    state.proposals[id] = rows[0] ? { status: rows[0].status } : null;
  }
  for (const id of keys.sightings ?? []) {
    const { rows } = await tx.query<{ unidentifiable: boolean }>('SELECT unidentifiable FROM sightings WHERE id = $1', [id]);
    state.sightings[id] = rows[0] ? { unidentifiable: rows[0].unidentifiable } : null;
  }
  return state;
}

/**
 * Write `state` back exactly, except each individual's version, which moves forward
 * (`nextVersion`) so an old expectedVersion can never match again.
 */
export async function restoreState(tx: Queryable, state: GalleryState, nextVersion: (id: string) => number): Promise<void> {
  const ids = Object.keys(state.individuals);
  if (ids.length > 0) {
    await tx.query('DELETE FROM individual_refs WHERE individual_id = ANY($1::uuid[])', [ids]);
    await tx.query('DELETE FROM individual_links WHERE individual_id = ANY($1::uuid[])', [ids]);
    // Links/refs of these individuals that another individual holds now are taken back below.
    const refIds = Object.values(state.individuals).flatMap((s) => s?.refs.map((r) => r.id) ?? []);
    if (refIds.length > 0) await tx.query('DELETE FROM individual_refs WHERE id = ANY($1::bigint[])', [refIds]);
    for (const s of Object.values(state.individuals)) for (const l of s?.links ?? []) await tx.query('DELETE FROM individual_links WHERE device_id = $1 AND local_id = $2', [l.deviceId, l.localId]);
    const gone = ids.filter((id) => state.individuals[id] === null);
    if (gone.length > 0) {
      await tx.query('DELETE FROM proposals WHERE candidate_individual_id = ANY($1::uuid[])', [gone]);
      await tx.query('DELETE FROM individuals WHERE id = ANY($1::uuid[])', [gone]);
    }
  }
  for (const s of Object.values(state.individuals)) {
    if (!s) continue;
    const i = s.individual;
    await tx.query(
      `INSERT INTO individuals (id, fleet_id, species, name, version, status, merged_into, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET fleet_id = EXCLUDED.fleet_id, species = EXCLUDED.species, name = EXCLUDED.name, version = EXCLUDED.version,
         status = EXCLUDED.status, merged_into = EXCLUDED.merged_into, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
      [i.id, i.fleetId, i.species, i.name, nextVersion(i.id), i.status, i.mergedInto, i.createdAt, i.updatedAt],
    );
  }
  for (const s of Object.values(state.individuals)) {
    for (const l of s?.links ?? []) {
      await tx.query('INSERT INTO individual_links (device_id, local_id, individual_id, created_at) VALUES ($1, $2, $3, $4)', [l.deviceId, l.localId, l.individualId, l.createdAt]);
    }
    for (const r of s?.refs ?? []) {
      await tx.query(
        `INSERT INTO individual_refs (id, individual_id, sighting_id, device_id, local_id, dim, embedding, scale, created_at)
         VALUES ($1::bigint, $2, $3, $4, $5, $6, decode($7, 'base64'), $8, $9)`,
        [r.id, r.individualId, r.sightingId, r.deviceId, r.localId, r.dim, r.embedding, r.scale, r.createdAt],
      );
    }
  }
  // Proposals the decision opened go first: a device's animal has one open proposal at a time.
  for (const [id, p] of Object.entries(state.proposals)) if (!p) await tx.query('DELETE FROM proposals WHERE id = $1', [id]);
  for (const [id, p] of Object.entries(state.proposals)) if (p) await tx.query('UPDATE proposals SET status = $2 WHERE id = $1', [id, p.status]);
  for (const [id, s] of Object.entries(state.sightings)) if (s) await tx.query('UPDATE sightings SET unidentifiable = $2 WHERE id = $1', [id, s.unidentifiable]);
}

/** The newest references sent to devices per individual (a delta must stay well under the payload limit). */
export const MAX_REFS_PER_OP = 16;

/** Gallery ops that bring a device to `state`: upsert what is active, remove what is merged or gone. */
export function opsFor(state: GalleryState['individuals']): GalleryOp[] {
  return Object.entries(state).map(([id, s]): GalleryOp => {
    if (!s || s.individual.status !== 'active') return { op: 'remove', individualId: id, mergedInto: s?.individual.mergedInto ?? null };
    return {
      op: 'upsert',
      individualId: id,
      species: s.individual.species,
      name: s.individual.name,
      links: s.links.map((l) => ({ deviceId: l.deviceId, localId: l.localId })),
      refs: s.refs.slice(-MAX_REFS_PER_OP).map((r) => ({ dim: r.dim, scale: r.scale, data: r.embedding })),
    };
  });
}
