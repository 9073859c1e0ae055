import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iou, type Detection } from '../decoders/index.js';
import { openBundledModels, type BundledModels } from '../testing/bundled.js';
import { rng } from '../testing/rng.js';
import { decodeRaw, renderScene, type SceneObject, type SceneSpec } from '../testing/scene.js';
import { SPECIES } from '../testing/world.js';

let models: BundledModels;
beforeAll(async () => {
  models = await openBundledModels();
});
afterAll(() => models.release());

const W = 1920;
const H = 1080;
// 1920x1080 letterboxed into 640: one model pixel is 3 source pixels.
const toModelPx = 640 / W;

async function detect(spec: Omit<SceneSpec, 'width' | 'height' | 'format'> & Partial<SceneSpec>): Promise<Detection[]> {
  const bytes = await renderScene({ width: W, height: H, format: 'jpeg', ...spec });
  return (await models.detector.detect(await decodeRaw(bytes))).detections;
}

/** Each object found exactly once, IoU >= 0.7, confidence >= 0.5, and nothing else. */
function expectMatches(found: Detection[], objects: readonly SceneObject[]): number[] {
  expect(found).toHaveLength(objects.length);
  return objects.map((o) => {
    const same = found.filter((d) => d.category === o.category);
    const best = Math.max(0, ...same.map((d) => iou(d.bbox, [...o.box])));
    const hit = same.find((d) => iou(d.bbox, [...o.box]) === best);
    expect(best, `${o.category} ${o.box.join(',')}`).toBeGreaterThanOrEqual(0.7);
    expect(hit?.confidence).toBeGreaterThanOrEqual(0.5);
    return best;
  });
}

describe('bundled detector', () => {
  it('finds an animal of each species, a person and a vehicle in one frame', async () => {
    const ious: number[] = [];
    for (const [i, sp] of SPECIES.entries()) {
      const objects: SceneObject[] = [
        { category: 'animal', species: sp.label, individual: i, box: [0.04, 0.15 + 0.05 * i, 0.28, 0.3] },
        { category: 'person', box: [0.45, 0.1, 0.07, 0.45] },
        { category: 'vehicle', box: [0.62, 0.5 - 0.05 * i, 0.33, 0.3] },
      ];
      ious.push(...expectMatches(await detect({ seed: 10 + i, objects }), objects));
    }
    console.log(`detector: mixed scenes, IoU min ${Math.min(...ious).toFixed(3)}`);
  });

  it('finds bodies from 40 to 500 model pixels with their coat pattern, as JPEG and PNG', async () => {
    const sizes = [40, 55, 80, 120, 180, 260, 380, 500];
    const ious: number[] = [];
    for (const [i, size] of sizes.entries()) {
      const r = rng(100 + i);
      const w = size / toModelPx / W;
      const h = Math.min(0.9, (size * (0.5 + 0.4 * r())) / toModelPx / H);
      const box: [number, number, number, number] = [r() * (1 - w), r() * (1 - h), w, h];
      const sp = SPECIES[i % SPECIES.length]!;
      const objects: SceneObject[] = [{ category: 'animal', species: sp.label, individual: i, box, pattern: i % 2 ? 'stripes' : 'spots' }];
      ious.push(...expectMatches(await detect({ seed: 200 + i, objects, format: i % 3 ? 'jpeg' : 'png' }), objects));
    }
    console.log(`detector: sizes ${sizes.join('/')} px, IoU ${ious.map((v) => v.toFixed(2)).join(' ')}`);
  });

  it('boxes a herd apart when the bodies stand about 50 model px apart, and a person next to an animal', async () => {
    const objects: SceneObject[] = [
      { category: 'animal', species: 'Equus quagga', individual: 1, box: [0.05, 0.3, 0.2, 0.3] },
      { category: 'animal', species: 'Equus quagga', individual: 2, box: [0.33, 0.35, 0.18, 0.28] },
      { category: 'animal', species: 'Panthera pardus', individual: 3, box: [0.6, 0.2, 0.15, 0.2] },
      { category: 'person', box: [0.75, 0.2, 0.05, 0.4] }, // touching the leopard
    ];
    expectMatches(await detect({ seed: 77, objects }), objects);
  });

  it('finds nothing in empty textured, black and white frames', async () => {
    for (const seed of [1, 2, 3]) expect(await detect({ seed, objects: [] })).toEqual([]);
    expect(await detect({ seed: 4, background: 'black', objects: [] })).toEqual([]);
    expect(await detect({ seed: 5, background: 'white', objects: [] })).toEqual([]);
  });

  it('reports timings for each stage', async () => {
    const bytes = await renderScene({ width: W, height: H, seed: 9, format: 'jpeg', objects: [] });
    const { timings } = await models.detector.detect(await decodeRaw(bytes));
    console.log(`detector timings on 1920x1080: ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`);
    expect(timings.runMs).toBeGreaterThan(0);
  });
});
