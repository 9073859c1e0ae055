import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEmbedding, uuidv7, type GalleryDeltaPayload, type GalleryOp } from '@spoor/protocol';
import { openDb, type Db } from '../store/db.js';
import { IndividualStore } from '../store/individuals.js';
import { Gallery } from './gallery.js';
import { GlobalGallery } from './global-gallery.js';

const SPECIES = 'Panthera pardus';
const ME = 'trap-b';

function unit(dims: number, seed: number): Float32Array {
  const v = new Float32Array(dims);
  let s = seed;
  for (let i = 0; i < dims; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    v[i] = s / 2 ** 31 - 0.5;
  }
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const ref = (v: Float32Array) => {
  const e = encodeEmbedding(v, 'i8');
  return { dim: e.dim, scale: e.scale ?? 1, data: e.data };
};

function upsert(id: string, opts: { seed: number; name?: string | null; links?: { deviceId: string; localId: string }[]; species?: string }): GalleryOp {
  return { op: 'upsert', individualId: id, species: opts.species ?? SPECIES, name: opts.name ?? null, links: opts.links ?? [{ deviceId: 'trap-a', localId: uuidv7() }], refs: [ref(unit(32, opts.seed))] };
}

const delta = (version: number, ops: GalleryOp[], extra: Partial<GalleryDeltaPayload> = {}): GalleryDeltaPayload => ({ v: 1, fleetId: 'north', version, ops, ...extra });

/** Everything the device keeps about individuals and the gallery, to prove an apply changed nothing. */
function dump(db: Db): unknown {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    individuals: all('SELECT * FROM individuals ORDER BY id'),
    vectors: all('SELECT key, individual_id, origin, hex(vector) AS v FROM gallery_vectors ORDER BY key'),
    global: all('SELECT * FROM global_individuals ORDER BY id'),
    sync: all('SELECT * FROM gallery_sync'),
  };
}

describe('GlobalGallery: the fleet gallery applied on a device', () => {
  const dbs: Db[] = [];
  afterEach(() => dbs.splice(0).forEach((d) => d.close()));

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'spoor-global-'));
    const db = openDb(join(dir, 'spoor.db'));
    dbs.push(db);
    const gallery = new Gallery(db, join(dir, 'gallery'));
    return { db, gallery, individuals: new IndividualStore(db), global: new GlobalGallery(db, gallery, ME, 'north') };
  }

  it('recognises a global individual this device never enrolled, and applying the same delta twice changes nothing', () => {
    const { db, gallery, individuals, global } = setup();
    const g = uuidv7();
    const d1 = delta(1, [upsert(g, { seed: 7, name: 'Zawadi' })]);
    expect(global.apply(d1)).toMatchObject({ kind: 'applied', version: 1, upserts: 1 });
    const [held] = global.list();
    expect(held).toMatchObject({ id: g, mirror: true, name: 'Zawadi' });
    const best = gallery.match(SPECIES, { embedding: unit(32, 7), features: null })[0];
    expect(best?.individualId).toBe(held?.localId);
    expect(best?.score).toBeGreaterThan(0.95);
    expect(individuals.get(held?.localId as string)).toMatchObject({ globalId: g, name: 'Zawadi' });

    const before = dump(db);
    expect(global.apply(d1)).toEqual({ kind: 'duplicate', version: 1 });
    // Even a snapshot that says the same (a catch-up answer) changes nothing.
    expect(global.apply(delta(1, [upsert(g, { seed: 7, name: 'Zawadi', links: (d1.ops[0] as { links: [] }).links })], { snapshot: true, to: ME }))).toMatchObject({ kind: 'applied' });
    expect(dump(db)).toEqual(before);
  });

  it('links its own local individual when the hub does, drops the mirror, and a remove (merge) unlinks it', () => {
    const { db, gallery, individuals, global } = setup();
    const g = uuidv7();
    const h = uuidv7();
    const mine = individuals.create(SPECIES, `${SPECIES} #1`, 'sighted');
    gallery.add(mine.id, SPECIES, [unit(32, 9)], 'sighting');
    global.apply(delta(1, [upsert(g, { seed: 9 })]));
    const mirror = global.list()[0]?.localId as string;
    expect(mirror).not.toBe(mine.id);

    // A reviewer accepted the proposal: the global individual now links trap-b's own local id.
    const links = [
      { deviceId: 'trap-a', localId: uuidv7() },
      { deviceId: ME, localId: mine.id },
    ];
    expect(global.apply(delta(2, [upsert(g, { seed: 9, links, name: 'Kali' })]))).toMatchObject({ kind: 'applied', version: 2 });
    expect(individuals.get(mirror)).toBeUndefined();
    expect(individuals.get(mine.id)).toMatchObject({ globalId: g, name: 'Kali' });
    expect(global.list()).toEqual([expect.objectContaining({ id: g, localId: mine.id, mirror: false })]);
    expect(gallery.match(SPECIES, { embedding: unit(32, 9), features: null })[0]?.individualId).toBe(mine.id);

    // Merged into h: g goes, h (holding the same links) comes, in one delta.
    expect(global.apply(delta(3, [{ op: 'remove', individualId: g, mergedInto: h }, upsert(h, { seed: 9, links })]))).toMatchObject({ kind: 'applied', removes: 1, upserts: 1 });
    expect(individuals.get(mine.id)?.globalId).toBe(h);
    expect(global.list().map((x) => x.id)).toEqual([h]);
    const origins = db.prepare('SELECT DISTINCT origin FROM gallery_vectors WHERE individual_id = ? ORDER BY origin').all(mine.id);
    expect(origins).toEqual([{ origin: `hub:${h}` }, { origin: 'sighting' }]);

    // Undone: h goes too; the device keeps its own individual, without a global id.
    global.apply(delta(4, [{ op: 'remove', individualId: h, mergedInto: null }]));
    expect(individuals.get(mine.id)).toMatchObject({ globalId: null });
    expect(global.list()).toEqual([]);
  });

  it('reports a gap without changing anything; a snapshot in parts catches up and drops what the fleet no longer has', () => {
    const { db, global } = setup();
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    global.apply(delta(1, [upsert(a, { seed: 1 })]));
    const before = dump(db);
    expect(global.apply(delta(4, [upsert(b, { seed: 2 })]))).toEqual({ kind: 'gap', have: 1, got: 4 });
    expect(dump(db)).toEqual(before);
    expect(global.apply(delta(4, [upsert(c, { seed: 3 })], { snapshot: true, to: 'trap-x' }))).toMatchObject({ kind: 'ignored' });
    expect(global.apply(delta(1, [], { fleetId: 'south' }))).toMatchObject({ kind: 'ignored' });

    expect(global.apply(delta(4, [upsert(b, { seed: 2 })], { snapshot: true, to: ME, part: { n: 1, of: 2 } }))).toMatchObject({ kind: 'part', n: 1, of: 2 });
    expect(global.version()).toBe(1);
    expect(global.apply(delta(4, [upsert(c, { seed: 3 })], { snapshot: true, to: ME, part: { n: 2, of: 2 } }))).toMatchObject({ kind: 'applied', version: 4, removes: 1, snapshot: true });
    expect(global.version()).toBe(4);
    expect(global.list().map((x) => x.id).sort()).toEqual([b, c].sort());
    expect(db.prepare('SELECT count(*) AS n FROM individuals WHERE global_id = ?').get(a)).toEqual({ n: 0 });
    expect(global.apply(delta(5, [upsert(a, { seed: 1 })]))).toMatchObject({ kind: 'applied', version: 5 });
  });
});
