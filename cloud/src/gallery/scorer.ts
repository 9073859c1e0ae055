import { availableParallelism } from 'node:os';
import usearch from 'usearch';
import { decodeEmbedding } from '@spoor/protocol';
import { calibrate, DEFAULT_CALIBRATION, type Calibration } from '@spoor/protocol/calibration';
import type { Sql } from '../store/sql.js';
import { fingerprint, usableFile, writePart } from './index-file.js';

const { Index, MetricKind, ScalarKind } = usearch;
const ADD_THREADS = Math.max(1, Math.min(4, availableParallelism()));
type UIndex = InstanceType<typeof Index>;

export interface Candidate {
  individualId: string;
  /** Calibrated P(same individual), as the device computes it for an embedding-only probe. */
  score: number;
  /** The raw cosine behind it. */
  cosine: number;
}

/**
 * How the hub ranks the fleet's global individuals for a new device individual: the best
 * cosine per individual, turned into P(same individual) by the same calibration the device
 * uses (protocol/src/calibration.ts). The hub has embeddings only (devices do not send ORB
 * descriptors), so it is the calibration's embedding-only mode, never the fused one.
 */
export interface CandidateScorer {
  scoreCandidates(fleetId: string, species: string, embedding: Float32Array): Candidate[];
}

interface Part {
  index: UIndex;
  owner: Map<bigint, string>;
  dim: number;
  /** Changed since it was loaded or saved. */
  dirty: boolean;
}

export interface IndexedRef {
  refId: string;
  individualId: string;
  fleetId: string;
  species: string;
  dim: number;
  /** int8 base64 */
  embedding: string;
  scale: number;
}

/**
 * Cosine USearch indexes of the reference embeddings of ACTIVE global individuals, one per
 * (fleet, species, dim). Postgres is the source of truth: `rebuild` reads it all (at start)
 * or one fleet, `refresh` the individuals a decision wrote, `add` appends new refs.
 */
export class UsearchScorer implements CandidateScorer {
  private parts = new Map<string, Part>();

  private readonly calibrationFor: (species: string) => Calibration;
  private readonly dir: string | undefined;

  constructor(
    private readonly sql: Sql,
    opts: {
      /** Each species' calibration; the device default until fitted ones reach the hub. */
      calibrationFor?: (species: string) => Calibration;
      /** Where the index parts are saved (index-file.ts); none: rebuilt from the store at every start. */
      dir?: string | undefined;
    } = {},
  ) {
    this.calibrationFor = opts.calibrationFor ?? (() => DEFAULT_CALIBRATION);
    this.dir = opts.dir;
  }

  /**
   * Everything from the store, at start. With a `dir`, each part whose saved file still holds
   * exactly the store's active references is loaded; only the others are built.
   */
  async start(): Promise<{ loaded: number; built: number }> {
    if (!this.dir) {
      await this.rebuild();
      return { loaded: 0, built: this.parts.size };
    }
    const dir = this.dir;
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT r.id::text AS ref_id, r.individual_id, i.fleet_id, i.species, r.dim
         FROM individual_refs r JOIN individuals i ON i.id = r.individual_id WHERE i.status = 'active'`,
    );
    const wanted = new Map<string, { fleetId: string; species: string; dim: number; owner: Map<bigint, string> }>();
    for (const r of rows) {
      const k = partKey(String(r.fleet_id), String(r.species), Number(r.dim));
      let w = wanted.get(k);
      if (!w) wanted.set(k, (w = { fleetId: String(r.fleet_id), species: String(r.species), dim: Number(r.dim), owner: new Map() }));
      w.owner.set(BigInt(String(r.ref_id)), String(r.individual_id));
    }
    this.parts.clear();
    let loaded = 0;
    const stale: { fleetId: string; species: string; dim: number }[] = [];
    for (const [k, w] of wanted) {
      const file = usableFile(dir, k, w.dim, fingerprint(w.owner.keys()));
      if (!file) {
        stale.push(w);
        continue;
      }
      const index = newIndex(w.dim);
      index.load(file);
      this.parts.set(k, { index, owner: w.owner, dim: w.dim, dirty: false });
      loaded++;
    }
    for (const w of stale) {
      const { rows: refs } = await this.sql.query<Record<string, unknown>>(
        `SELECT r.id::text AS ref_id, r.individual_id, i.fleet_id, i.species, r.dim, encode(r.embedding, 'base64') AS embedding, r.scale
           FROM individual_refs r JOIN individuals i ON i.id = r.individual_id
          WHERE i.status = 'active' AND i.fleet_id = $1 AND i.species = $2 AND r.dim = $3 ORDER BY r.id`,
        [w.fleetId, w.species, w.dim],
      );
      this.add(refs.map(toIndexedRef));
    }
    this.save();
    return { loaded, built: stale.length };
  }

  /** Save the parts that changed (after start, at stop). */
  save(): void {
    if (!this.dir) return;
    for (const [k, p] of this.parts) {
      if (!p.dirty) continue;
      writePart(this.dir, k, p.dim, p.owner.keys(), (path) => p.index.save(path));
      p.dirty = false;
    }
  }

  async rebuild(fleetId?: string): Promise<void> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT r.id::text AS ref_id, r.individual_id, i.fleet_id, i.species, r.dim, encode(r.embedding, 'base64') AS embedding, r.scale
         FROM individual_refs r JOIN individuals i ON i.id = r.individual_id
        WHERE i.status = 'active' AND ($1::text IS NULL OR i.fleet_id = $1) ORDER BY r.id`,
      [fleetId ?? null],
    );
    if (fleetId === undefined) this.parts.clear();
    else for (const k of [...this.parts.keys()]) if (k.startsWith(`${fleetId}\u0000`)) this.parts.delete(k);
    this.add(rows.map(toIndexedRef));
  }

  /**
   * Bring only these individuals up to date (after a decision moved their refs or status): drop
   * their keys, re-add the refs of those still active. At 100k individuals this is milliseconds,
   * where a fleet rebuild reads every reference again.
   */
  async refresh(individualIds: readonly string[]): Promise<void> {
    if (individualIds.length === 0) return;
    const ids = new Set(individualIds);
    for (const part of this.parts.values()) {
      for (const [key, owner] of part.owner) {
        if (!ids.has(owner)) continue;
        part.index.remove(key);
        part.owner.delete(key);
        part.dirty = true;
      }
    }
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT r.id::text AS ref_id, r.individual_id, i.fleet_id, i.species, r.dim, encode(r.embedding, 'base64') AS embedding, r.scale
         FROM individual_refs r JOIN individuals i ON i.id = r.individual_id
        WHERE i.status = 'active' AND r.individual_id = ANY($1::uuid[]) ORDER BY r.id`,
      [[...ids]],
    );
    this.add(rows.map(toIndexedRef));
  }

  /** Add references, one batched (multi-threaded) USearch add per index: a 100k-reference start is one call, not 100k. */
  add(refs: readonly IndexedRef[]): void {
    const batches = new Map<Part, { keys: bigint[]; vectors: Float32Array[]; dim: number }>();
    for (const r of refs) {
      const part = this.part(r.fleetId, r.species, r.dim, true) as Part;
      const key = BigInt(r.refId);
      if (part.owner.has(key)) continue;
      let b = batches.get(part);
      if (!b) batches.set(part, (b = { keys: [], vectors: [], dim: r.dim }));
      b.keys.push(key);
      b.vectors.push(decodeEmbedding({ dtype: 'i8', dim: r.dim, scale: r.scale, data: r.embedding }));
      part.owner.set(key, r.individualId);
    }
    for (const [part, b] of batches) {
      const matrix = new Float32Array(b.keys.length * b.dim);
      b.vectors.forEach((v, i) => matrix.set(v, i * b.dim));
      // Searches use one thread, never more than the adds (usearch 2.21 aborts otherwise, docs/reid.md).
      part.index.add(BigUint64Array.from(b.keys), matrix, ADD_THREADS);
      part.dirty = true;
    }
  }

  size(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.owner.size;
    return n;
  }

  scoreCandidates(fleetId: string, species: string, embedding: Float32Array): Candidate[] {
    const part = this.part(fleetId, species, embedding.length, false);
    if (!part || part.owner.size === 0) return [];
    const res = part.index.search(embedding, Math.min(64, part.owner.size), 1);
    const best = new Map<string, number>();
    res.keys.forEach((key, i) => {
      const id = part.owner.get(key);
      if (!id) return;
      // USearch's cosine distance is 1 - cos.
      const score = Math.min(1, Math.max(0, 1 - (res.distances[i] as number)));
      if (score > (best.get(id) ?? -1)) best.set(id, score);
    });
    const cal = this.calibrationFor(species);
    return [...best].map(([individualId, cosine]) => ({ individualId, score: calibrate(cal, null, cosine), cosine })).sort((a, b) => b.score - a.score);
  }

  private part(fleetId: string, species: string, dim: number, create: boolean): Part | undefined {
    const k = partKey(fleetId, species, dim);
    let p = this.parts.get(k);
    if (!p && create) {
      p = { index: newIndex(dim), owner: new Map(), dim, dirty: true };
      this.parts.set(k, p);
    }
    return p;
  }
}

function toIndexedRef(r: Record<string, unknown>): IndexedRef {
  return {
    refId: String(r.ref_id),
    individualId: String(r.individual_id),
    fleetId: String(r.fleet_id),
    species: String(r.species),
    dim: Number(r.dim),
    embedding: String(r.embedding).replace(/\s+/g, ''),
    scale: Number(r.scale),
  };
}

const partKey = (fleetId: string, species: string, dim: number): string => `${fleetId}\u0000${species}\u0000${dim}`;

/** I8: the references are int8 on the wire anyway; half the add and search time of F32. */
function newIndex(dim: number): UIndex {
  return new Index({ dimensions: dim, metric: MetricKind.Cos, quantization: ScalarKind.I8, connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false });
}
