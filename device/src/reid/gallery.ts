import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import usearch from 'usearch';
import { nowIso, type Db } from '../store/db.js';
import { calibrate, CalibrationStore } from './calibration.js';
import { FeatureIndex } from './feature-index.js';
import type { LocalFeatures } from './features.js';
import { matchLocal, type LocalCandidate } from './lnbnn.js';

const { Index, MetricKind, ScalarKind } = usearch;
type UIndex = InstanceType<typeof Index>;

export interface GalleryMatch {
  individualId: string;
  /** From `search`: cosine similarity clamped to 0..1. From `match`: calibrated P(same individual). */
  score: number;
}

/** What one detection brings to ReID: an embedding, local features, or both. */
export interface Probe {
  embedding: Float32Array | null;
  features: LocalFeatures | null;
}

/** A calibrated match with the raw evidence behind it. */
export interface ProbeMatch extends GalleryMatch {
  cosine: number | null;
  local: LocalCandidate | null;
}

interface Sidecar {
  size: number;
  maxKey: number;
  dims: number;
  sha256: string;
}

interface SpeciesIndex {
  index: UIndex;
  dims: number;
  dirty: boolean;
}

export interface GalleryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * The on-device gallery per species: reference embeddings (cosine USearch index over
 * `gallery_vectors`) and reference local features (Hamming USearch index over
 * `gallery_features`, see FeatureIndex). SQLite is the source of truth; each index is saved
 * under `dir`, checked against SQLite when opened and rebuilt from it when missing, stale or
 * corrupt. `match` fuses both into one calibrated probability per individual.
 */
export class Gallery {
  private readonly indexes = new Map<string, SpeciesIndex>();
  readonly features: FeatureIndex;
  readonly calibration: CalibrationStore;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly logger?: GalleryLogger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.features = new FeatureIndex(db, dir, logger);
    this.calibration = new CalibrationStore(db);
  }

  /** Add reference local features (one entry per image) for an individual. */
  addFeatures(individualId: string, species: string, images: readonly LocalFeatures[], origin: string): number[] {
    return this.features.add(individualId, species, images, origin);
  }

  /**
   * Every plausible individual for one detection, scored as calibrated P(same individual):
   * LNBNN + spatial verification on local features, fused with the embedding's cosine when
   * there is one. Best first.
   */
  match(species: string, probe: Probe): ProbeMatch[] {
    const local = probe.features && probe.features.descriptors.length > 0 ? matchLocal(this.features, species, probe.features) : null;
    const cosines = probe.embedding ? this.search(species, probe.embedding) : null;
    const cal = this.calibration.get(species);
    const ids = new Set<string>([...(local ?? []).map((c) => c.individualId), ...(cosines ?? []).map((m) => m.individualId)]);
    const out: ProbeMatch[] = [];
    for (const id of ids) {
      const l = local ? (local.find((c) => c.individualId === id) ?? { individualId: id, lnbnn: 0, inliers: 0, verified: 0 }) : null;
      const cosine = cosines ? (cosines.find((m) => m.individualId === id)?.score ?? 0) : null;
      out.push({ individualId: id, score: calibrate(cal, l, cosine), cosine, local: l });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** Add reference vectors for an individual. Call inside the caller's transaction if it has one. */
  add(individualId: string, species: string, vectors: readonly Float32Array[], origin: string): number[] {
    const first = vectors[0];
    if (first === undefined) return [];
    // Open (or rebuild) the index before inserting, so a rebuild does not pick up these rows too.
    const si = this.open(species, first.length);
    const insert = this.db.prepare('INSERT INTO gallery_vectors (individual_id, species, vector, origin, created_at) VALUES (?, ?, ?, ?, ?)');
    const keys = this.db.transaction(() =>
      vectors.map((v) => Number(insert.run(individualId, species, Buffer.from(v.buffer, v.byteOffset, v.byteLength), origin, nowIso()).lastInsertRowid)),
    )();
    vectors.forEach((v, i) => si.index.add(BigInt(keys[i] as number), v));
    si.dirty = true;
    return keys;
  }

  /** Remove an individual's vectors from SQLite and the index, then the individual row. */
  removeIndividual(individualId: string): void {
    const rows = this.db.prepare('SELECT key, species FROM gallery_vectors WHERE individual_id = ?').all(individualId) as { key: number; species: string }[];
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM gallery_vectors WHERE individual_id = ?').run(individualId);
      this.features.removeIndividual(individualId);
      this.db.prepare('DELETE FROM individuals WHERE id = ?').run(individualId);
    })();
    for (const r of rows) {
      const si = this.indexes.get(r.species);
      if (si) {
        si.index.remove(BigInt(r.key));
        si.dirty = true;
      }
    }
  }

  /** Remove the vectors of one origin (e.g. `hub:<global id>`) from an individual; its other vectors stay. */
  removeVectors(individualId: string, origin: string): number {
    const rows = this.db.prepare('SELECT key, species FROM gallery_vectors WHERE individual_id = ? AND origin = ?').all(individualId, origin) as { key: number; species: string }[];
    if (rows.length === 0) return 0;
    this.db.prepare('DELETE FROM gallery_vectors WHERE individual_id = ? AND origin = ?').run(individualId, origin);
    for (const r of rows) {
      const si = this.indexes.get(r.species);
      if (si) {
        si.index.remove(BigInt(r.key));
        si.dirty = true;
      }
    }
    return rows.length;
  }

  /** The embedding size the species' index holds (null: no vectors yet), so foreign vectors of another model are refused. */
  dimsOf(species: string): number | null {
    const cached = this.indexes.get(species);
    if (cached) return cached.dims;
    const row = this.db.prepare('SELECT vector FROM gallery_vectors WHERE species = ? LIMIT 1').get(species) as { vector: Buffer } | undefined;
    return row ? row.vector.byteLength / 4 : null;
  }

  /** Best score per individual among the k nearest reference vectors. */
  search(species: string, vector: Float32Array, k = 20): GalleryMatch[] {
    const si = this.open(species, vector.length);
    const size = si.index.size();
    if (size === 0) return [];
    const res = si.index.search(vector, Math.min(k, size), 1);
    const keys = Array.from(res.keys, Number);
    if (keys.length === 0) return [];
    const owners = new Map<number, string>();
    const rows = this.db
      .prepare(`SELECT key, individual_id AS individualId FROM gallery_vectors WHERE key IN (${keys.map(() => '?').join(',')})`)
      .all(...keys) as { key: number; individualId: string }[];
    for (const r of rows) owners.set(r.key, r.individualId);
    const best = new Map<string, number>();
    keys.forEach((key, i) => {
      const owner = owners.get(key);
      if (owner === undefined) return;
      const score = Math.max(0, Math.min(1, 1 - (res.distances[i] ?? 1)));
      if (score > (best.get(owner) ?? -1)) best.set(owner, score);
    });
    return [...best].map(([individualId, score]) => ({ individualId, score })).sort((a, b) => b.score - a.score);
  }

  size(species: string): number {
    return this.indexes.get(species)?.index.size() ?? this.countRows(species);
  }

  /** Save every changed index with a sidecar that lets the next open detect staleness or corruption. */
  flush(): void {
    this.features.flush();
    for (const [species, si] of this.indexes) {
      if (!si.dirty) continue;
      const file = this.fileFor(species);
      si.index.save(`${file}.tmp`);
      renameSync(`${file}.tmp`, file);
      const sidecar: Sidecar = { size: si.index.size(), maxKey: this.maxKey(species), dims: si.dims, sha256: sha256File(file) };
      writeFileSync(`${file}.json`, JSON.stringify(sidecar));
      si.dirty = false;
    }
  }

  private open(species: string, dims: number): SpeciesIndex {
    const cached = this.indexes.get(species);
    if (cached) return cached;
    const si = this.loadSaved(species, dims) ?? this.rebuild(species, dims);
    this.indexes.set(species, si);
    return si;
  }

  private loadSaved(species: string, dims: number): SpeciesIndex | undefined {
    const file = this.fileFor(species);
    if (!existsSync(file) || !existsSync(`${file}.json`)) return undefined;
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Sidecar;
    } catch {
      this.logger?.warn({ species, file }, 'gallery index sidecar unreadable; rebuilding from SQLite');
      return undefined;
    }
    // Check the bytes before handing them to native code: a torn write must never reach load().
    if (sidecar.dims !== dims || sidecar.sha256 !== sha256File(file)) {
      this.logger?.warn({ species, file }, 'gallery index file is corrupt or from another model; rebuilding from SQLite');
      return undefined;
    }
    if (sidecar.size !== this.countRows(species) || sidecar.maxKey !== this.maxKey(species)) {
      this.logger?.warn({ species, file }, 'gallery index is behind the database; rebuilding from SQLite');
      return undefined;
    }
    const index = newIndex(dims);
    index.load(file);
    return { index, dims, dirty: false };
  }

  private rebuild(species: string, dims: number): SpeciesIndex {
    const index = newIndex(dims);
    const rows = this.db.prepare('SELECT key, vector FROM gallery_vectors WHERE species = ?').iterate(species) as Iterable<{ key: number; vector: Buffer }>;
    let n = 0;
    for (const r of rows) {
      const v = new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength));
      if (v.length !== dims) continue;
      index.add(BigInt(r.key), v);
      n++;
    }
    if (n > 0) this.logger?.info({ species, vectors: n }, 'gallery index rebuilt from SQLite');
    return { index, dims, dirty: n > 0 || existsSync(this.fileFor(species)) };
  }

  private countRows(species: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM gallery_vectors WHERE species = ?').get(species) as { n: number }).n;
  }

  private maxKey(species: string): number {
    return (this.db.prepare('SELECT coalesce(max(key), 0) AS k FROM gallery_vectors WHERE species = ?').get(species) as { k: number }).k;
  }

  private fileFor(species: string): string {
    return join(this.dir, `${species.replace(/[^A-Za-z0-9_-]+/g, '_')}.usearch`);
  }
}

function newIndex(dims: number): UIndex {
  return new Index({ dimensions: dims, metric: MetricKind.Cos, quantization: ScalarKind.F32, connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false });
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
