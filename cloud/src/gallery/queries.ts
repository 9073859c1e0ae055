import { HubErrors } from '../errors.js';
import type { Sql } from '../store/sql.js';
import type { GalleryDelta } from './common.js';
import { loadIndividuals, opsFor, type IndividualRow, type LinkRow } from './state.js';

export interface IndividualSummary extends IndividualRow {
  links: Omit<LinkRow, 'individualId'>[];
  refsCount: number;
}

export interface DecisionRecord {
  id: string;
  actor: string;
  at: string;
  kind: string;
  targetIds: string[];
  undoneBy: string | null;
  undoes: string | null;
}

export interface Proposal {
  id: string;
  fleetId: string;
  deviceId: string;
  localId: string;
  species: string;
  candidateIndividualId: string;
  score: number;
  status: string;
  evidence: string[];
  createdAt: string;
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

/** Read side of the global gallery: lists for the console, the resync answer for devices. */
export class GalleryQueries {
  constructor(private readonly sql: Sql) {}

  async listIndividuals(q: { fleetId?: string | undefined; species?: string | undefined; status?: string | undefined }): Promise<IndividualSummary[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM individuals WHERE ($1::text IS NULL OR fleet_id = $1) AND ($2::text IS NULL OR species = $2) AND status = COALESCE($3, 'active')
        ORDER BY created_at, id LIMIT 1000`,
      [q.fleetId ?? null, q.species ?? null, q.status ?? null],
    );
    const state = await loadIndividuals(this.sql, rows.map((r) => r.id));
    return rows.flatMap((r) => {
      const s = state.get(r.id);
      return s ? [{ ...s.individual, links: s.links.map(({ deviceId, localId, createdAt }) => ({ deviceId, localId, createdAt })), refsCount: s.refs.length }] : [];
    });
  }

  async getIndividual(id: string): Promise<IndividualSummary & { refs: { sightingId: string; deviceId: string; localId: string; createdAt: string }[]; history: DecisionRecord[] }> {
    const s = (await loadIndividuals(this.sql, [id])).get(id);
    if (!s) throw HubErrors.SPOOR_E_NOT_FOUND(`individual ${id}`);
    const { rows } = await this.sql.query<Record<string, unknown>>('SELECT * FROM decisions WHERE target_ids @> $1::jsonb ORDER BY at, id', [JSON.stringify([id])]);
    return {
      ...s.individual,
      links: s.links.map(({ deviceId, localId, createdAt }) => ({ deviceId, localId, createdAt })),
      refsCount: s.refs.length,
      refs: s.refs.map(({ sightingId, deviceId, localId, createdAt }) => ({ sightingId, deviceId, localId, createdAt })),
      history: rows.map((r) => ({
        id: String(r.id),
        actor: String(r.actor),
        at: iso(r.at),
        kind: String(r.kind),
        targetIds: r.target_ids as string[],
        undoneBy: (r.undone_by as string | null) ?? null,
        undoes: (r.undoes as string | null) ?? null,
      })),
    };
  }

  async listProposals(q: { status?: string | undefined; fleetId?: string | undefined }): Promise<Proposal[]> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT * FROM proposals WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR fleet_id = $2) ORDER BY created_at, id LIMIT 1000',
      [q.status ?? null, q.fleetId ?? null],
    );
    return rows.map((r) => ({
      id: String(r.id),
      fleetId: String(r.fleet_id),
      deviceId: String(r.device_id),
      localId: String(r.local_id),
      species: String(r.species),
      candidateIndividualId: String(r.candidate_individual_id),
      score: Number(r.score),
      status: String(r.status),
      evidence: r.evidence as string[],
      createdAt: iso(r.created_at),
    }));
  }

  /**
   * What a device at gallery version `since` needs: the deltas after it, in order, or one
   * snapshot (all active individuals at the current version) when they are no longer kept.
   */
  async since(fleetId: string, since: number): Promise<{ fleetId: string; version: number; snapshot: boolean; deltas: GalleryDelta[] }> {
    const f = await this.sql.query<{ gallery_version: number }>('SELECT gallery_version FROM fleets WHERE id = $1', [fleetId]);
    const version = Number(f.rows[0]?.gallery_version ?? 0);
    if (since >= version) return { fleetId, version, snapshot: false, deltas: [] };
    const { rows } = await this.sql.query<{ version: number; delta: GalleryDelta }>(
      'SELECT version, delta FROM gallery_versions WHERE fleet_id = $1 AND version > $2 ORDER BY version',
      [fleetId, since],
    );
    if (rows.length === version - since && since >= 0) return { fleetId, version, snapshot: false, deltas: rows.map((r) => r.delta) };
    return { fleetId, version, snapshot: true, deltas: [await this.snapshot(fleetId, version)] };
  }

  async snapshot(fleetId: string, version: number): Promise<GalleryDelta> {
    const { rows } = await this.sql.query<{ id: string }>("SELECT id FROM individuals WHERE fleet_id = $1 AND status = 'active' ORDER BY id", [fleetId]);
    const state = await loadIndividuals(this.sql, rows.map((r) => r.id));
    return { v: 1, fleetId, version, snapshot: true, ops: opsFor(Object.fromEntries(state)) };
  }
}
