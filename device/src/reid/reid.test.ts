import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { IndividualStore } from '../store/individuals.js';
import { extractFeatures, type LocalFeatures } from './features.js';
import { Gallery } from './gallery.js';
import { loadOpenCv, type Cv } from './opencv.js';
import { renderCoat, renderView } from './testing/coat.js';
import { voteBurst } from './vote.js';

const SPECIES = 'Panthera pardus';
const T = { accept: 0.85, reject: 0.6 };

describe('local-feature ReID (ORB → Hamming USearch → LNBNN → RANSAC → calibrated P)', () => {
  let cv: Cv;
  const views = new Map<string, LocalFeatures>();
  const dbs: Db[] = [];
  afterEach(() => dbs.splice(0).forEach((d) => d.close()));

  /** View v of individual i, as the worker would extract it from the detector's crop. */
  async function view(i: number, v: number): Promise<LocalFeatures> {
    const key = `${i}/${v}`;
    const hit = views.get(key);
    if (hit) return hit;
    const coat = await renderCoat(SPECIES, i, 'spots');
    const img = await renderView(cv, coat, i * 100 + v, { width: 320, height: 240, difficulty: v === 0 ? 0.3 : 1 });
    const f = extractFeatures(cv, img, [0, 0, 1, 1], { maxKeypoints: 400 });
    views.set(key, f);
    return f;
  }

  function setup(dir = mkdtempSync(join(tmpdir(), 'spoor-reid-'))) {
    const db = openDb(join(dir, 'spoor.db'));
    dbs.push(db);
    return { dir, db, individuals: new IndividualStore(db), gallery: new Gallery(db, join(dir, 'gallery')) };
  }

  /** A gallery of 8 leopards, two reference views each. */
  async function enrolled(s: ReturnType<typeof setup>): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const ind = s.individuals.create(SPECIES, `L${i}`, 'enrolled');
      s.gallery.addFeatures(ind.id, SPECIES, [await view(i, 0), await view(i, 1)], 'enroll');
      ids.push(ind.id);
    }
    return ids;
  }

  beforeAll(async () => {
    cv = (await loadOpenCv()).cv;
  });

  it('extracts up to the keypoint cap, with 32-byte descriptors', async () => {
    const f = await view(0, 2);
    expect(f.descriptors.length / 32).toBeGreaterThan(100);
    expect(f.descriptors.length / 32).toBeLessThanOrEqual(400);
    expect(f.keypoints.length).toBe((f.descriptors.length / 32) * 2);
  });

  it('matches a known individual from a new view, with a calibrated score above accept', async () => {
    const s = setup();
    const ids = await enrolled(s);
    const matches = s.gallery.match(SPECIES, { embedding: null, features: await view(3, 4) });
    expect(matches[0]?.individualId).toBe(ids[3]);
    expect(matches[0]?.score).toBeGreaterThanOrEqual(T.accept);
    expect(matches[0]?.local?.inliers).toBeGreaterThan(10);
    expect(matches[1]?.score ?? 0).toBeLessThan(T.reject);
  });

  it('proposes an individual that is not in the gallery as new', async () => {
    const s = setup();
    await enrolled(s);
    const frames = [];
    for (const v of [2, 3, 4]) frames.push(s.gallery.match(SPECIES, { embedding: null, features: await view(42, v) }));
    expect(voteBurst(frames, T)).toMatchObject({ decision: 'new', individualId: null });
  });

  it('lets the burst outvote one bad frame (a view of another animal)', async () => {
    const s = setup();
    const ids = await enrolled(s);
    const frames = [];
    for (const [i, v] of [[5, 2], [6, 3], [5, 4]] as const) frames.push(s.gallery.match(SPECIES, { embedding: null, features: await view(i, v) }));
    expect(frames[1]?.[0]?.individualId).toBe(ids[6]); // the bad frame alone would say L6
    expect(voteBurst(frames, T)).toMatchObject({ decision: 'known', individualId: ids[5] });
  });

  it('rebuilds the Hamming index from SQLite after a restart with a corrupt index file, and forgets a deleted individual', async () => {
    const first = setup();
    const ids = await enrolled(first);
    first.gallery.flush();
    first.db.close();
    dbs.length = 0;
    const dir = join(first.dir, 'gallery');
    const file = readdirSync(dir).find((f) => f.endsWith('.orb.usearch')) as string;
    writeFileSync(join(dir, file), 'garbage, not an index');

    const again = setup(first.dir);
    expect(again.gallery.features.size(SPECIES)).toBeGreaterThan(8 * 100);
    expect(again.gallery.match(SPECIES, { embedding: null, features: await view(2, 3) })[0]).toMatchObject({ individualId: ids[2] });

    again.gallery.removeIndividual(ids[2] as string);
    const after = again.gallery.match(SPECIES, { embedding: null, features: await view(2, 3) });
    expect(after.map((m) => m.individualId)).not.toContain(ids[2]);
    expect(after[0]?.score ?? 0).toBeLessThan(T.reject);
  });
});
