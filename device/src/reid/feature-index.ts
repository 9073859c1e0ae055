import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import usearch from 'usearch';
import { nowIso, type Db } from '../store/db.js';
import { DESCRIPTOR_BITS, featureCount, packFeatures, unpackBits, unpackFeatures, type LocalFeatures } from './features.js';

const { Index, MetricKind, ScalarKind } = usearch;
type UIndex = InstanceType<typeof Index>;

/**
 * Threads for add and search. They must match: usearch 2.21 sizes its per-thread contexts on
 * add, and a search with more threads (or 0 = auto) aborts the process.
 */
const THREADS = Math.max(1, Math.min(4, availableParallelism()));

/** USearch key = image row key × KEY_STRIDE + descriptor number; at most KEY_STRIDE descriptors per image. */
export const KEY_STRIDE = 1024;

/** HNSW settings for the Hamming index, chosen by `bench/reid.js --scale` (recall ≥ 0.95 at 1 M descriptors). */
export const HAMMING_INDEX = { connectivity: 16, expansion_add: 128, expansion_search: 96 } as const;

export interface Neighbour {
  /** gallery_features row: one reference image of one individual. */
  image: number;
  /** Which descriptor of that image. */
  descriptor: number;
  individualId: string;
  /** Hamming distance in bits (0..256). */
  distance: number;
}

interface SpeciesFeatures {
  index: UIndex;
  owners: Map<number, string>;
  dirty: boolean;
}

interface Sidecar {
  size: number;
  images: number;
  maxKey: number;
  sha256: string;
}

export function newHammingIndex(settings: { connectivity: number; expansion_add: number; expansion_search: number } = HAMMING_INDEX): UIndex {
  return new Index({ dimensions: DESCRIPTOR_BITS, metric: MetricKind.Hamming, quantization: ScalarKind.B1, ...settings, multi: false });
}

/**
 * Local-feature gallery: each reference image's ORB descriptors in a per-species USearch
 * Hamming index of binary (B1) vectors. SQLite (`gallery_features`, one row per image with
 * its keypoints and descriptors) is the source of truth; the index file is checked against
 * it on open and rebuilt from it when missing, stale or corrupt.
 */
export class FeatureIndex {
  private readonly species = new Map<string, SpeciesFeatures>();

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void },
  ) {}

  /** Add reference images (one LocalFeatures each) for an individual; returns their row keys. */
  add(individualId: string, species: string, images: readonly LocalFeatures[], origin: string): number[] {
    const kept = images.filter((f) => featureCount(f) > 0);
    if (kept.length === 0) return [];
    const sf = this.open(species);
    const insert = this.db.prepare('INSERT INTO gallery_features (individual_id, species, features, origin, created_at) VALUES (?, ?, ?, ?, ?)');
    const keys = this.db.transaction(() => kept.map((f) => Number(insert.run(individualId, species, packFeatures(cap(f)), origin, nowIso()).lastInsertRowid)))();
    kept.forEach((f, i) => insertImage(sf.index, keys[i] as number, cap(f)));
    for (const k of keys) sf.owners.set(k, individualId);
    sf.dirty = true;
    return keys;
  }

  /** Drop an individual's images from SQLite and the index. Call inside the caller's transaction if it has one. */
  removeIndividual(individualId: string): void {
    const rows = this.db.prepare('SELECT key, species, features FROM gallery_features WHERE individual_id = ?').all(individualId) as { key: number; species: string; features: Buffer }[];
    this.db.prepare('DELETE FROM gallery_features WHERE individual_id = ?').run(individualId);
    for (const r of rows) {
      const sf = this.species.get(r.species);
      if (!sf) continue;
      const n = r.features.readUInt32LE(0);
      sf.index.remove(BigUint64Array.from({ length: n }, (_, i) => BigInt(r.key * KEY_STRIDE + i)));
      sf.owners.delete(r.key);
      sf.dirty = true;
    }
  }

  /** The k nearest gallery descriptors of every query descriptor, nearest first. */
  knn(species: string, query: LocalFeatures, k: number): Neighbour[][] {
    const n = featureCount(query);
    const sf = this.open(species);
    const size = sf.index.size();
    if (n === 0 || size === 0) return Array.from({ length: n }, () => []);
    const kk = Math.min(k, size);
    // threads = 0 (auto) aborts the process in usearch 2.21 ("No available threads to lock"): pass a count.
    const res = sf.index.search(unpackBits(query.descriptors) as never, kk, THREADS) as unknown as { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
    const out: Neighbour[][] = [];
    for (let q = 0; q < n; q++) {
      const row: Neighbour[] = [];
      for (let j = 0; j < kk; j++) {
        const key = res.keys[q * kk + j];
        const d = res.distances[q * kk + j];
        if (key === undefined || d === undefined || key === 0xffffffffffffffffn) continue;
        const image = Number(key / BigInt(KEY_STRIDE));
        const owner = sf.owners.get(image);
        if (owner === undefined) continue;
        row.push({ image, descriptor: Number(key % BigInt(KEY_STRIDE)), individualId: owner, distance: d });
      }
      out.push(row);
    }
    return out;
  }

  /** Keypoints of gallery images, for spatial verification. */
  keypoints(images: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    if (images.length === 0) return out;
    const rows = this.db.prepare(`SELECT key, features FROM gallery_features WHERE key IN (${images.map(() => '?').join(',')})`).all(...images) as { key: number; features: Buffer }[];
    for (const r of rows) out.set(r.key, unpackFeatures(r.features).keypoints);
    return out;
  }

  /** Descriptors in the species' index. */
  size(species: string): number {
    return this.open(species).index.size();
  }

  /** Reference images per individual of a species. */
  images(species: string): number {
    return this.open(species).owners.size;
  }

  flush(): void {
    for (const [species, sf] of this.species) {
      if (!sf.dirty) continue;
      const file = this.fileFor(species);
      sf.index.save(`${file}.tmp`);
      renameSync(`${file}.tmp`, file);
      const sidecar: Sidecar = { size: sf.index.size(), images: sf.owners.size, maxKey: this.maxKey(species), sha256: sha256File(file) };
      writeFileSync(`${file}.json`, JSON.stringify(sidecar));
      sf.dirty = false;
    }
  }

  private open(species: string): SpeciesFeatures {
    const cached = this.species.get(species);
    if (cached) return cached;
    const owners = new Map<number, string>();
    for (const r of this.db.prepare('SELECT key, individual_id AS id FROM gallery_features WHERE species = ?').iterate(species) as Iterable<{ key: number; id: string }>) owners.set(r.key, r.id);
    const sf = this.loadSaved(species, owners) ?? this.rebuild(species, owners);
    this.species.set(species, sf);
    return sf;
  }

  private loadSaved(species: string, owners: Map<number, string>): SpeciesFeatures | undefined {
    const file = this.fileFor(species);
    if (!existsSync(file) || !existsSync(`${file}.json`)) return undefined;
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
    // Check the bytes before handing them to native code: a torn write must never reach load().
    if (sidecar.sha256 !== sha256File(file) || sidecar.images !== owners.size || sidecar.maxKey !== this.maxKey(species)) {
      this.logger?.warn({ species, file }, 'feature index is corrupt or behind the database; rebuilding from SQLite');
      return undefined;
    }
    const index = newHammingIndex();
    index.load(file);
    return { index, owners, dirty: false };
  }

  private rebuild(species: string, owners: Map<number, string>): SpeciesFeatures {
    const index = newHammingIndex();
    let n = 0;
    for (const r of this.db.prepare('SELECT key, features FROM gallery_features WHERE species = ?').iterate(species) as Iterable<{ key: number; features: Buffer }>) {
      insertImage(index, r.key, unpackFeatures(r.features));
      n++;
    }
    if (n > 0) this.logger?.info({ species, images: n, descriptors: index.size() }, 'feature index rebuilt from SQLite');
    return { index, owners, dirty: n > 0 || existsSync(this.fileFor(species)) };
  }

  private maxKey(species: string): number {
    return (this.db.prepare('SELECT coalesce(max(key), 0) AS k FROM gallery_features WHERE species = ?').get(species) as { k: number }).k;
  }

  private fileFor(species: string): string {
    return join(this.dir, `${species.replace(/[^A-Za-z0-9_-]+/g, '_')}.orb.usearch`);
  }
}

function insertImage(index: UIndex, key: number, f: LocalFeatures): void {
  const n = featureCount(f);
  if (n === 0) return;
  const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(key * KEY_STRIDE + i));
  index.add(keys, unpackBits(f.descriptors) as never, THREADS);
}

function cap(f: LocalFeatures): LocalFeatures {
  const n = featureCount(f);
  if (n <= KEY_STRIDE) return f;
  return { keypoints: f.keypoints.subarray(0, KEY_STRIDE * 2), descriptors: f.descriptors.subarray(0, KEY_STRIDE * 32) };
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
