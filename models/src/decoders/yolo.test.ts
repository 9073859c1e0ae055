import { describe, expect, it } from 'vitest';
import type { YoloOutput } from '../manifest.js';
import { decodeYolo } from './yolo.js';

const spec: YoloOutput = {
  decoder: 'yolo',
  format: 'yolov8',
  labels: ['animal', 'person', 'vehicle'],
  categories: { animal: 'animal', person: 'person', vehicle: 'vehicle' },
  scoreThreshold: 0.5,
  iouThreshold: 0.45,
  maxDetections: 10,
};

/** Anchors as [cx, cy, w, h, s_animal, s_person, s_vehicle] -> yolov8 [1, 7, N]. */
function v8(anchors: number[][]): { data: Float32Array; dims: number[] } {
  const n = anchors.length;
  const data = new Float32Array(7 * n);
  anchors.forEach((a, i) => a.forEach((v, k) => (data[k * n + i] = v)));
  return { data, dims: [1, 7, n] };
}

// A 1920x1080 frame letterboxed into 640x640: scale 1/3, 140 px bands top and bottom.
const transform = { scale: 1 / 3, padX: 0, padY: 140, srcWidth: 1920, srcHeight: 1080 };

describe('decodeYolo', () => {
  it('undoes the letterbox exactly', () => {
    // Source box x 300..900, y 270..810 -> input cx 200, cy 140 + 180 = 320, w 200, h 180.
    const [d] = decodeYolo(v8([[200, 320, 200, 180, 0.9, 0.1, 0]]), transform, spec);
    expect(d?.category).toBe('animal');
    expect(d?.confidence).toBeCloseTo(0.9, 6);
    const [x, y, w, h] = d!.bbox;
    expect(x).toBeCloseTo(300 / 1920, 6);
    expect(y).toBeCloseTo(270 / 1080, 6);
    expect(w).toBeCloseTo(600 / 1920, 6);
    expect(h).toBeCloseTo(540 / 1080, 6);
  });

  it('suppresses overlapping boxes of one class but keeps other classes and distant boxes', () => {
    const out = decodeYolo(
      v8([
        [200, 320, 200, 180, 0.9, 0, 0],
        [205, 322, 200, 170, 0.8, 0, 0], // same animal, weaker
        [205, 322, 200, 170, 0, 0.7, 0], // a person in the same place survives (class-aware)
        [500, 300, 60, 60, 0.6, 0, 0], // another animal
        [500, 400, 60, 60, 0.3, 0, 0], // below threshold
      ]),
      transform,
      spec,
    );
    expect(out.map((d) => [d.label, d.confidence.toFixed(1)])).toEqual([
      ['animal', '0.9'],
      ['person', '0.7'],
      ['animal', '0.6'],
    ]);
  });

  it('clamps boxes to the image and caps the count', () => {
    const out = decodeYolo(v8([[10, 150, 60, 40, 0.9, 0, 0], [300, 300, 10, 10, 0, 0, 0.8]]), transform, { ...spec, maxDetections: 1 });
    expect(out).toHaveLength(1);
    expect(out[0]!.bbox[0]).toBe(0);
    expect(out[0]!.bbox[1]).toBe(0);
  });

  it('reads yolov5 rows with objectness', () => {
    const data = Float32Array.from([200, 320, 200, 180, 0.5, 0.9, 0.1, 0, 200, 320, 200, 180, 0.9, 0.1, 0.9, 0.1]);
    const out = decodeYolo({ data, dims: [1, 2, 8] }, transform, { ...spec, format: 'yolov5', scoreThreshold: 0.5 });
    expect(out.map((d) => [d.label, d.confidence.toFixed(2)])).toEqual([['person', '0.81']]);
  });

  it('throws SPOOR_E_MODEL_OUTPUT for a tensor of the wrong shape', () => {
    expect(() => decodeYolo({ data: new Float32Array(12), dims: [1, 6, 2] }, transform, spec)).toThrow(/does not match its decoder/);
  });
});
