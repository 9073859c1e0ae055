import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { IndividualStore } from '../store/individuals.js';
import { Gallery } from './gallery.js';

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

function jitter(v: Float32Array, amount: number, seed: number): Float32Array {
  const noise = unit(v.length, seed);
  const out = v.map((x, i) => x + amount * (noise[i] as number));
  const n = Math.hypot(...out);
  return out.map((x) => x / n);
}

describe('Gallery', () => {
  const dbs: Db[] = [];
  afterEach(() => dbs.splice(0).forEach((d) => d.close()));

  function setup(dir = mkdtempSync(join(tmpdir(), 'spoor-gallery-'))) {
    const db = openDb(join(dir, 'spoor.db'));
    dbs.push(db);
    return { dir, db, individuals: new IndividualStore(db), gallery: new Gallery(db, join(dir, 'gallery')) };
  }

  it('finds the right individual from a noisy view and ranks others lower', () => {
    const { individuals, gallery } = setup();
    const ids = Array.from({ length: 20 }, (_, i) => {
      const ind = individuals.create('Panthera pardus', `L${i}`, 'enrolled');
      gallery.add(ind.id, 'Panthera pardus', [unit(64, i + 1), jitter(unit(64, i + 1), 0.1, 1000 + i)], 'enroll');
      return ind.id;
    });
    const matches = gallery.search('Panthera pardus', jitter(unit(64, 8), 0.2, 77));
    expect(matches[0]?.individualId).toBe(ids[7]);
    expect(matches[0]?.score).toBeGreaterThan(0.9);
    expect(matches[1]?.score ?? 0).toBeLessThan(0.5);
    expect(gallery.search('Lynx lynx', unit(64, 8))).toEqual([]);
  });

  it('survives a restart, and rebuilds from SQLite when the index file is corrupt or missing', () => {
    const first = setup();
    const ind = first.individuals.create('Lynx lynx', 'Ilse', 'enrolled');
    first.gallery.add(ind.id, 'Lynx lynx', [unit(32, 5)], 'enroll');
    first.gallery.flush();
    first.db.close();
    dbs.length = 0;

    const again = setup(first.dir);
    expect(again.gallery.search('Lynx lynx', unit(32, 5))[0]).toMatchObject({ individualId: ind.id });
    again.db.close();
    dbs.length = 0;

    const indexFile = readdirSync(join(first.dir, 'gallery')).find((f) => f.endsWith('.usearch')) as string;
    writeFileSync(join(first.dir, 'gallery', indexFile), 'garbage, not an index');
    const rebuilt = setup(first.dir);
    expect(rebuilt.gallery.search('Lynx lynx', unit(32, 5))[0]).toMatchObject({ individualId: ind.id });
  });

  it('removing an individual removes its features from search', () => {
    const { individuals, gallery } = setup();
    const a = individuals.create('Equus quagga', 'A', 'enrolled');
    const b = individuals.create('Equus quagga', 'B', 'enrolled');
    gallery.add(a.id, 'Equus quagga', [unit(16, 1)], 'enroll');
    gallery.add(b.id, 'Equus quagga', [unit(16, 2)], 'enroll');
    gallery.removeIndividual(a.id);
    expect(gallery.search('Equus quagga', unit(16, 1)).map((m) => m.individualId)).toEqual([b.id]);
    expect(individuals.get(a.id)).toBeUndefined();
  });
});
