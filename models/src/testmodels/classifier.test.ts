import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundledModels, type BundledModels } from '../testing/bundled.js';
import { decodeRaw, renderScene } from '../testing/scene.js';
import { SPECIES } from '../testing/world.js';

let models: BundledModels;
beforeAll(async () => {
  models = await openBundledModels();
});
afterAll(() => models.release());

describe('bundled classifier', () => {
  it('names the species of each detected animal with p >= 0.8, in either coat pattern', async () => {
    const ps: number[] = [];
    for (const [i, sp] of SPECIES.entries()) {
      for (const pattern of ['spots', 'stripes'] as const) {
        const bytes = await renderScene({
          width: 1280,
          height: 720,
          seed: 30 + i,
          format: 'jpeg',
          jitter: 1,
          objects: [{ category: 'animal', species: sp.label, individual: i, pattern, box: [0.2 + 0.1 * i, 0.25, 0.3, 0.4] }],
        });
        const img = await decodeRaw(bytes);
        const [det] = (await models.detector.detect(img)).detections;
        expect(det?.category).toBe('animal');
        const r = await models.classifier.classify(img, det!.bbox);
        expect(r.top[0]?.label, `${sp.label} ${pattern}`).toBe(sp.label);
        expect(r.top[0]?.p).toBeGreaterThanOrEqual(0.8);
        expect(r.taxon).toMatchObject({ label: sp.label, rank: 'species' });
        ps.push(r.top[0]!.p);
      }
    }
    console.log(`classifier: p(top) min ${Math.min(...ps).toFixed(4)}`);
  });

  it('keeps to the allow-list of the deployment', async () => {
    const [leopard, lynx] = SPECIES;
    const bytes = await renderScene({ width: 640, height: 480, seed: 3, format: 'png', objects: [{ category: 'animal', species: leopard!.label, box: [0.2, 0.2, 0.5, 0.5] }] });
    const r = await models.classifier.classify(await decodeRaw(bytes), [0.2, 0.2, 0.5, 0.5], { allowList: [lynx!.label, 'Equus quagga'] });
    expect(r.top.map((t) => t.label)).not.toContain(leopard!.label);
    expect(r.top[0]?.label).toBe(lynx!.label);
  });
});
