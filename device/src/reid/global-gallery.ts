import { createHash } from 'node:crypto';
import { decodeEmbedding, uuidv7, type GalleryDeltaPayload, type GalleryOp } from '@spoor/protocol';
import { nowIso, type Db } from '../store/db.js';
import type { Gallery, GalleryLogger } from './gallery.js';

type UpsertOp = Extract<GalleryOp, { op: 'upsert' }>;

export type ApplyOutcome =
  | { kind: 'applied'; version: number; upserts: number; removes: number; snapshot: boolean }
  /** The device is at this version or past it: nothing changed. */
  | { kind: 'duplicate'; version: number }
  /** Versions were missed: ask the hub for a catch-up. Nothing changed. */
  | { kind: 'gap'; have: number; got: number }
  /** One part of a multi-part snapshot, applied; the version moves once every part is in. */
  | { kind: 'part'; version: number; n: number; of: number }
  /** Another fleet's delta, or a catch-up addressed to another device. */
  | { kind: 'ignored'; reason: string };

/** One global individual as this device holds it. */
export interface GlobalIndividual {
  id: string;
  species: string;
  name: string | null;
  /** The local individual that stands for it here. */
  localId: string;
  /** True when the device made that local individual for it (it never saw the animal itself). */
  mirror: boolean;
  version: number;
}

interface Row {
  id: string;
  species: string;
  name: string | null;
  local_id: string;
  mirror: number;
  refs_sha: string;
  version: number;
}

interface PendingSnapshot {
  version: number;
  of: number;
  parts: number[];
  seen: string[];
}

/** `hub:<global id>`: the origin of the hub's reference vectors in gallery_vectors. */
export const hubOrigin = (globalId: string): string => `hub:${globalId}`;

/**
 * The fleet's global gallery applied to this device's SQLite and ReID index. Each global
 * individual maps to one local individual: the device's own (the hub linked it) or a mirror
 * made for it, so the device recognises animals it never enrolled. The hub's references live
 * in the species index with origin `hub:<id>`; `individuals.global_id` carries the global id
 * into sightings. Deltas apply in version order, each in one transaction with the version, so
 * applying one twice (or a restart in between) changes nothing.
 */
export class GlobalGallery {
  constructor(
    private readonly db: Db,
    private readonly gallery: Gallery,
    private readonly deviceId: string,
    readonly fleetId: string,
    private readonly logger?: GalleryLogger,
  ) {}

  /** The fleet gallery version applied here (0: none yet). */
  version(): number {
    const row = this.db.prepare('SELECT version FROM gallery_sync WHERE fleet_id = ?').get(this.fleetId) as { version: number } | undefined;
    return row?.version ?? 0;
  }

  list(): GlobalIndividual[] {
    const rows = this.db.prepare('SELECT * FROM global_individuals ORDER BY species, id').all() as Row[];
    return rows.map((r) => ({ id: r.id, species: r.species, name: r.name, localId: r.local_id, mirror: r.mirror === 1, version: r.version }));
  }

  apply(delta: GalleryDeltaPayload): ApplyOutcome {
    if (delta.fleetId !== this.fleetId) return { kind: 'ignored', reason: `fleet ${delta.fleetId} is not this device's (${this.fleetId})` };
    if (delta.to !== undefined && delta.to !== this.deviceId) return { kind: 'ignored', reason: `addressed to ${delta.to}` };
    const have = this.version();
    if (delta.snapshot) return this.applySnapshot(delta, have);
    if (delta.version <= have) return { kind: 'duplicate', version: have };
    if (delta.version > have + 1) return { kind: 'gap', have, got: delta.version };
    const counts = this.db.transaction(() => {
      const c = this.applyOps(delta.ops, delta.version);
      this.setVersion(delta.version, null);
      return c;
    })();
    this.gallery.flush();
    return { kind: 'applied', version: delta.version, ...counts, snapshot: false };
  }

  /**
   * A snapshot replaces everything: upsert what it holds, drop the rest. One addressed to this
   * device is the hub's answer to its reported version and applies even if it is older (the hub
   * was restored); a broadcast one at or below the current version is a duplicate.
   */
  private applySnapshot(delta: GalleryDeltaPayload, have: number): ApplyOutcome {
    if (delta.to === undefined && delta.version <= have) return { kind: 'duplicate', version: have };
    const part = delta.part ?? { n: 1, of: 1 };
    const outcome = this.db.transaction((): ApplyOutcome => {
      const stored = this.pending();
      const pending: PendingSnapshot = stored && stored.version === delta.version && stored.of === part.of ? stored : { version: delta.version, of: part.of, parts: [], seen: [] };
      if (pending.parts.includes(part.n)) return { kind: 'duplicate', version: have };
      const counts = this.applyOps(
        delta.ops.filter((o) => o.op === 'upsert'),
        delta.version,
      );
      pending.parts.push(part.n);
      pending.seen.push(...delta.ops.flatMap((o) => (o.op === 'upsert' ? [o.individualId] : [])));
      if (pending.parts.length < pending.of) {
        this.setVersion(have, pending);
        return { kind: 'part', version: delta.version, n: part.n, of: part.of };
      }
      const keep = new Set(pending.seen);
      const gone = (this.db.prepare('SELECT id FROM global_individuals').all() as { id: string }[]).filter((r) => !keep.has(r.id));
      for (const g of gone) this.remove(g.id);
      this.setVersion(delta.version, null);
      return { kind: 'applied', version: delta.version, upserts: counts.upserts, removes: gone.length, snapshot: true };
    })();
    this.gallery.flush();
    return outcome;
  }

  /** Removes first: a merge's delta removes the source and upserts the target that now holds its links. */
  private applyOps(ops: readonly GalleryOp[], version: number): { upserts: number; removes: number } {
    let removes = 0;
    let upserts = 0;
    for (const op of ops) if (op.op === 'remove' && this.remove(op.individualId)) removes++;
    for (const op of ops) if (op.op === 'upsert' && this.upsert(op, version)) upserts++;
    return { upserts, removes };
  }

  /** Bring one global individual to the op's state. Returns whether anything changed. */
  private upsert(op: UpsertOp, version: number): boolean {
    const g = op.individualId;
    const prev = this.db.prepare('SELECT * FROM global_individuals WHERE id = ?').get(g) as Row | undefined;
    const own = op.links.filter((l) => l.deviceId === this.deviceId && this.localExists(l.localId)).map((l) => l.localId);
    let target: string;
    let mirror: boolean;
    if (own.length > 0) {
      target = prev && own.includes(prev.local_id) ? prev.local_id : (own[0] as string);
      mirror = false;
    } else if (prev?.mirror === 1 && this.localExists(prev.local_id)) {
      target = prev.local_id;
      mirror = true;
    } else {
      target = this.createMirror(op);
      mirror = true;
    }
    let changed = !prev;
    if (prev && prev.local_id !== target) {
      this.release(prev.local_id, prev.mirror === 1, g);
      changed = true;
    }
    const mine = [...new Set([target, ...own])];
    const marks = mine.map(() => '?').join(',');
    changed = this.db.prepare(`UPDATE individuals SET global_id = NULL, updated_at = ? WHERE global_id = ? AND id NOT IN (${marks})`).run(nowIso(), g, ...mine).changes > 0 || changed;
    changed = this.db.prepare(`UPDATE individuals SET global_id = ?, updated_at = ? WHERE id IN (${marks}) AND global_id IS NOT ?`).run(g, nowIso(), ...mine, g).changes > 0 || changed;
    if (op.name !== null) {
      changed = this.db.prepare(`UPDATE individuals SET name = ?, updated_at = ? WHERE id IN (${marks}) AND name IS NOT ?`).run(op.name, nowIso(), ...mine, op.name).changes > 0 || changed;
    }
    const refsSha = createHash('sha256').update(JSON.stringify(op.refs)).digest('hex');
    if (!prev || prev.refs_sha !== refsSha || prev.local_id !== target) {
      this.gallery.removeVectors(target, hubOrigin(g));
      this.gallery.add(target, op.species, this.vectorsOf(op), hubOrigin(g));
      changed = true;
    }
    if (changed || prev?.species !== op.species || prev.name !== op.name || prev.mirror !== Number(mirror)) {
      this.db
        .prepare(
          `INSERT INTO global_individuals (id, species, name, local_id, mirror, refs_sha, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET species = excluded.species, name = excluded.name, local_id = excluded.local_id, mirror = excluded.mirror,
             refs_sha = excluded.refs_sha, version = excluded.version, updated_at = excluded.updated_at`,
        )
        .run(g, op.species, op.name, target, Number(mirror), refsSha, version, nowIso());
      return true;
    }
    return false;
  }

  /** Drop a global individual (merged away, undone, or not in a snapshot). Returns whether it was here. */
  private remove(g: string): boolean {
    const prev = this.db.prepare('SELECT * FROM global_individuals WHERE id = ?').get(g) as Row | undefined;
    if (!prev) return false;
    this.release(prev.local_id, prev.mirror === 1, g);
    this.db.prepare('UPDATE individuals SET global_id = NULL, updated_at = ? WHERE global_id = ?').run(nowIso(), g);
    this.db.prepare('DELETE FROM global_individuals WHERE id = ?').run(g);
    return true;
  }

  /**
   * The local individual stops standing for `g`: the hub's vectors go. A mirror the device
   * never saw itself goes with them; one it has sighted since stays as a local individual.
   */
  private release(localId: string, mirror: boolean, g: string): void {
    this.gallery.removeVectors(localId, hubOrigin(g));
    const ownEvidence = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM gallery_vectors WHERE individual_id = ? AND origin NOT LIKE 'hub:%')
              + (SELECT count(*) FROM gallery_features WHERE individual_id = ?) AS n`,
      )
      .get(localId, localId) as { n: number };
    if (mirror && ownEvidence.n === 0) this.gallery.removeIndividual(localId);
    else this.db.prepare('UPDATE individuals SET global_id = NULL, updated_at = ? WHERE id = ? AND global_id = ?').run(nowIso(), localId, g);
  }

  private createMirror(op: UpsertOp): string {
    const id = uuidv7();
    const now = nowIso();
    this.db
      .prepare("INSERT INTO individuals (id, species, name, origin, global_id, created_at, updated_at) VALUES (?, ?, ?, 'sighted', ?, ?, ?)")
      .run(id, op.species, op.name ?? `${op.species} (hub ${op.individualId.slice(-6)})`, op.individualId, now, now);
    return id;
  }

  /** The op's int8 references as floats; ones of another embedding size than the species' index are left out. */
  private vectorsOf(op: UpsertOp): Float32Array[] {
    const dims = this.gallery.dimsOf(op.species) ?? op.refs[0]?.dim ?? null;
    const ok = op.refs.filter((r) => r.dim === dims);
    if (ok.length < op.refs.length) this.logger?.warn({ globalId: op.individualId, species: op.species, dims, skipped: op.refs.length - ok.length }, 'hub references of another embedding size ignored');
    return ok.map((r) => decodeEmbedding({ dtype: 'i8', dim: r.dim, scale: r.scale, data: r.data }));
  }

  private localExists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM individuals WHERE id = ?').get(id) !== undefined;
  }

  private pending(): PendingSnapshot | null {
    const row = this.db.prepare('SELECT snapshot_json FROM gallery_sync WHERE fleet_id = ?').get(this.fleetId) as { snapshot_json: string | null } | undefined;
    return row?.snapshot_json ? (JSON.parse(row.snapshot_json) as PendingSnapshot) : null;
  }

  private setVersion(version: number, pending: PendingSnapshot | null): void {
    this.db
      .prepare(
        `INSERT INTO gallery_sync (fleet_id, version, snapshot_json, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (fleet_id) DO UPDATE SET version = excluded.version, snapshot_json = excluded.snapshot_json, updated_at = excluded.updated_at
         WHERE version IS NOT excluded.version OR snapshot_json IS NOT excluded.snapshot_json`,
      )
      .run(this.fleetId, version, pending ? JSON.stringify(pending) : null, nowIso());
  }
}
