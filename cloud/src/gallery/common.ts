import { decodeEmbedding, encodeEmbedding, uuidv7, type GalleryDeltaPayload, type GalleryOp, type SightingPayload } from '@spoor/protocol';
import type { Queryable } from '../store/sql.js';

export const newId = (): string => uuidv7();

/** A published gallery change: what to send on `f/{fleetId}/gallery`. */
export type GalleryDelta = GalleryDeltaPayload;

/** Next gallery version of the fleet (the fleet row lock orders concurrent writers) with its delta recorded. */
export async function bumpFleet(tx: Queryable, fleetId: string, ops: GalleryOp[], keep: number): Promise<GalleryDelta> {
  await tx.query('INSERT INTO fleets (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [fleetId]);
  const { rows } = await tx.query<{ gallery_version: number }>('UPDATE fleets SET gallery_version = gallery_version + 1 WHERE id = $1 RETURNING gallery_version', [fleetId]);
  const version = Number(rows[0]?.gallery_version);
  const delta: GalleryDelta = { v: 1, fleetId, version, ops };
  await tx.query('INSERT INTO gallery_versions (fleet_id, version, delta) VALUES ($1, $2, $3::jsonb)', [fleetId, version, JSON.stringify(delta)]);
  await tx.query('DELETE FROM gallery_versions WHERE fleet_id = $1 AND version <= $2', [fleetId, version - keep]);
  return delta;
}

/** The int8 reference a sighting carries for one local individual, or null without an embedding. */
export function refOf(s: SightingPayload, localId: string): { dim: number; embedding: string; scale: number } | null {
  const ind = s.individuals.find((i) => i.id === localId && i.embedding);
  if (!ind?.embedding) return null;
  const e = ind.embedding;
  if (e.dtype === 'i8') return { dim: e.dim, embedding: e.data, scale: e.scale ?? 1 };
  const q = encodeEmbedding(decodeEmbedding(e), 'i8');
  return { dim: q.dim, embedding: q.data, scale: q.scale ?? 1 };
}

/** Add the sightings' references of (device, local id) to an individual; already stored ones are left alone. */
export async function addRefs(tx: Queryable, individualId: string, deviceId: string, localId: string, sightingIds: readonly string[]): Promise<string[]> {
  const added: string[] = [];
  for (const sid of sightingIds) {
    const { rows } = await tx.query<{ body: SightingPayload }>('SELECT body FROM sightings WHERE id = $1 AND NOT unidentifiable', [sid]);
    const body = rows[0]?.body;
    const ref = body ? refOf(body, localId) : null;
    if (!ref) continue;
    const ins = await tx.query<{ id: string }>(
      `INSERT INTO individual_refs (individual_id, sighting_id, device_id, local_id, dim, embedding, scale)
       VALUES ($1, $2, $3, $4, $5, decode($6, 'base64'), $7) ON CONFLICT (sighting_id, device_id, local_id) DO NOTHING RETURNING id::text AS id`,
      [individualId, sid, deviceId, localId, ref.dim, ref.embedding, ref.scale],
    );
    if (ins.rows[0]) added.push(ins.rows[0].id);
  }
  return added;
}

export async function fleetOfDevice(tx: Queryable, deviceId: string): Promise<string> {
  const { rows } = await tx.query<{ fleet_id: string }>('SELECT fleet_id FROM devices WHERE id = $1', [deviceId]);
  return rows[0]?.fleet_id ?? 'default';
}
