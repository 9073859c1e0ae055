import { describe, expect, it } from 'vitest';
import type { End2EndOutput } from '../manifest.js';
import { decodeEnd2End } from './end2end.js';

const spec: End2EndOutput = {
  decoder: 'yolo-end2end',
  labels: ['animal', 'person', 'vehicle'],
  categories: { animal: 'animal', person: 'person', vehicle: 'vehicle' },
  scoreThreshold: 0.2,
  maxDetections: 2,
};
// 1920x1080 letterboxed into 640x640: scale 1/3, 140 px bands top and bottom.
const transform = { scale: 1 / 3, padX: 0, padY: 140, srcWidth: 1920, srcHeight: 1080 };

function rows(r: number[][]): { data: Float32Array; dims: number[] } {
  const k = 300;
  const data = new Float32Array(k * 6);
  r.forEach((row, i) => data.set(row, i * 6));
  return { data, dims: [1, k, 6] };
}

describe('decodeEnd2End (YOLOv10, NMS-free [1, 300, 6])', () => {
  it('thresholds, keeps the best maxDetections and undoes the letterbox', () => {
    const out = decodeEnd2End(
      rows([
        [100, 230, 300, 410, 0.5, 1],
        [0, 140, 640, 500, 0.9, 0],
        [10, 150, 20, 160, 0.1, 2],
        [10, 150, 20, 160, 0.3, 2],
      ]),
      transform,
      spec,
    );
    expect(out.map((d) => d.category)).toEqual(['animal', 'person']);
    expect(out[0]?.bbox.map((v) => +v.toFixed(6))).toEqual([0, 0, 1, 1]);
    const [x, y, w, h] = out[1]?.bbox ?? [];
    expect(x).toBeCloseTo(300 / 1920, 6);
    expect(y).toBeCloseTo(270 / 1080, 6);
    expect(w).toBeCloseTo(600 / 1920, 6);
    expect(h).toBeCloseTo(540 / 1080, 6);
  });

  it('rejects another output shape', () => {
    expect(() => decodeEnd2End({ data: new Float32Array(7 * 10), dims: [1, 7, 10] }, transform, spec)).toThrow(/\[1, K, 6\]/);
  });
});
