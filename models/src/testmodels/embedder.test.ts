import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../decoders/index.js';
import { openBundledModels, type BundledModels } from '../testing/bundled.js';
import { decodeRaw, renderScene, type Pattern } from '../testing/scene.js';

let models: BundledModels;
beforeAll(async () => {
  models = await openBundledModels();
});
afterAll(() => models.release());

/** One photo of an individual; view 1 moves, resizes and re-lights it a little. */
async function view(species: string, pattern: Pattern, individual: number, v: 0 | 1): Promise<Float32Array> {
  const box: [number, number, number, number] = v === 0 ? [0.3, 0.3, 0.3, 0.35] : [0.36, 0.26, 0.32, 0.37];
  const bytes = await renderScene({
    width: 1280,
    height: 720,
    seed: 1000 * v + individual,
    format: 'jpeg',
    jitter: v,
    objects: [{ category: 'animal', species, individual, pattern, box }],
  });
  const img = await decodeRaw(bytes);
  const [det] = (await models.detector.detect(img)).detections;
  return (await models.embedder.embed(img, det!.bbox)).vector;
}

describe('bundled embedder', () => {
  for (const [species, pattern] of [
    ['Panthera pardus', 'spots'],
    ['Equus quagga', 'stripes'],
  ] as const) {
    it(`tells ${species} individuals apart (${pattern})`, async () => {
      const n = 6;
      const views: [Float32Array, Float32Array][] = [];
      for (let i = 0; i < n; i++) views.push([await view(species, pattern, i, 0), await view(species, pattern, i, 1)]);
      const same = views.map(([a, b]) => cosine(a, b));
      const diff: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) diff.push(cosine(views[i]![0], views[j]![1]));
      const below = diff.filter((d) => d < 0.7).length / diff.length;
      console.log(`embedder ${pattern}: same min ${Math.min(...same).toFixed(3)}, different max ${Math.max(...diff).toFixed(3)}, ${(below * 100).toFixed(0)}% < 0.7`);
      expect(Math.min(...same)).toBeGreaterThanOrEqual(0.9);
      expect(below).toBeGreaterThanOrEqual(0.8);
      // Every individual's second view is closest to its own first view.
      for (let i = 0; i < n; i++) {
        const scores = views.map(([a]) => cosine(a, views[i]![1]));
        expect(scores.indexOf(Math.max(...scores))).toBe(i);
      }
    });
  }
});
