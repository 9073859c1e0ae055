import { describe, expect, it } from 'vitest';
import type { GflOutput } from '../manifest.js';
import { COCO_CATEGORIES, COCO_LABELS, COCO_TAXONOMY } from './coco.js';
import { decodeGfl, integral } from './gfl.js';
import { detectionTaxon } from './taxon.js';
import type { OutputTensor } from './types.js';

const spec: GflOutput = {
  decoder: 'gfl',
  strides: [8, 16, 32],
  regMax: 10,
  labels: [...COCO_LABELS],
  categories: { ...COCO_CATEGORIES },
  scoreThreshold: 0.35,
  iouThreshold: 0.5,
  maxDetections: 10,
  taxonomy: { ...COCO_TAXONOMY },
};
const INPUT = { width: 416, height: 416 };
const C = 80;
const BINS = 11;
const BIG = 30; // a logit that makes one bin carry ~all the mass

/** Empty NanoDet outputs for 416x416: per stride scores [1, N, 80] and boxes [1, N, 44]. */
function heads(): { scores: OutputTensor[]; boxes: OutputTensor[] } {
  const cells = [52 * 52, 26 * 26, 13 * 13];
  return {
    scores: cells.map((n) => ({ data: new Float32Array(n * C), dims: [1, n, C] })),
    boxes: cells.map((n) => ({ data: new Float32Array(n * 4 * BINS), dims: [1, n, 4 * BINS] })),
  };
}

/** Put one box at (level, col, row): class score, and sides (in bins) l, t, r, b. */
function put(h: ReturnType<typeof heads>, level: number, col: number, row: number, cls: number, score: number, sides: [number, number, number, number]): void {
  const cols = [52, 26, 13][level] ?? 0;
  const i = row * cols + col;
  (h.scores[level] as OutputTensor).data[i * C + cls] = score;
  sides.forEach((bin, s) => ((h.boxes[level] as OutputTensor).data[i * 4 * BINS + s * BINS + bin] = BIG));
}

const identity = { scale: 1, padX: 0, padY: 0, srcWidth: 416, srcHeight: 416 };

describe('decodeGfl', () => {
  it('takes the expectation over the bins', () => {
    expect(integral(new Float32Array([0, 0]), 0, 2)).toBeCloseTo(0.5, 6);
    expect(integral(new Float32Array([0, 0, 0, BIG]), 0, 4)).toBeCloseTo(3, 6);
  });

  it('measures the sides from the cell centre times the stride', () => {
    const h = heads();
    // Stride 16, cell (10, 5): centre (168, 88); sides 4, 2, 6, 3 bins -> 64, 32, 96, 48 px.
    put(h, 1, 10, 5, COCO_LABELS.indexOf('zebra'), 0.9, [4, 2, 6, 3]);
    const [d, ...rest] = decodeGfl([...h.scores, ...h.boxes], identity, spec, INPUT);
    expect(rest).toHaveLength(0);
    expect(d?.label).toBe('zebra');
    expect(d?.category).toBe('animal');
    expect(d?.confidence).toBeCloseTo(0.9, 6);
    const [x, y, w, hh] = d?.bbox ?? [];
    expect(x).toBeCloseTo((168 - 64) / 416, 5);
    expect(y).toBeCloseTo((88 - 32) / 416, 5);
    expect(w).toBeCloseTo((64 + 96) / 416, 5);
    expect(hh).toBeCloseTo((32 + 48) / 416, 5);
  });

  it('undoes the letterbox and matches outputs by shape, in any order', () => {
    const h = heads();
    // 1248x832 source letterboxed into 416: scale 1/3, 416x277 image, 69 px band on top.
    put(h, 0, 20, 20, 0, 0.8, [2, 2, 2, 2]); // stride 8: centre (164, 164), 16 px each side
    const transform = { scale: 1 / 3, padX: 0, padY: 69, srcWidth: 1248, srcHeight: 832 };
    const [d] = decodeGfl([...h.boxes].reverse().concat(h.scores), transform, spec, INPUT);
    expect(d?.category).toBe('person');
    expect(d?.bbox[0]).toBeCloseTo(((164 - 16) * 3) / 1248, 5);
    expect(d?.bbox[1]).toBeCloseTo(((164 - 16 - 69) * 3) / 832, 5);
    expect(d?.bbox[2]).toBeCloseTo((32 * 3) / 1248, 5);
  });

  it('drops COCO classes that are not animal, person or vehicle, and low scores', () => {
    const h = heads();
    put(h, 2, 3, 3, COCO_LABELS.indexOf('chair'), 0.99, [1, 1, 1, 1]);
    put(h, 2, 8, 8, COCO_LABELS.indexOf('truck'), 0.2, [1, 1, 1, 1]);
    expect(decodeGfl([...h.scores, ...h.boxes], identity, spec, INPUT)).toEqual([]);
  });

  it('suppresses overlapping boxes of one class and keeps other classes', () => {
    const h = heads();
    put(h, 1, 10, 10, COCO_LABELS.indexOf('dog'), 0.9, [3, 3, 3, 3]);
    put(h, 1, 11, 10, COCO_LABELS.indexOf('dog'), 0.7, [3, 3, 3, 3]);
    put(h, 1, 11, 11, COCO_LABELS.indexOf('car'), 0.6, [3, 3, 3, 3]);
    const out = decodeGfl([...h.scores, ...h.boxes], identity, spec, INPUT);
    expect(out.map((d) => [d.label, d.confidence.toFixed(1)])).toEqual([
      ['dog', '0.9'],
      ['car', '0.6'],
    ]);
  });

  it('names the missing output shapes', () => {
    const h = heads();
    expect(() => decodeGfl(h.scores, identity, spec, INPUT)).toThrow(/stride 8 needs outputs \[1, 2704, 80\] and \[1, 2704, 44\]/);
  });
});

describe('detectionTaxon', () => {
  it('maps a COCO animal to the taxon the class denotes, with lineage', () => {
    expect(detectionTaxon(spec, 'zebra', 0.8)).toEqual({ label: 'Equus', rank: 'genus', p: 0.8, lineage: ['Equidae', 'Perissodactyla', 'Mammalia'] });
    expect(detectionTaxon(spec, 'bird')?.label).toBe('Aves');
  });

  it('has no taxon for persons, vehicles, or detectors without a taxonomy', () => {
    expect(detectionTaxon(spec, 'person')).toBeNull();
    expect(detectionTaxon(spec, 'car')).toBeNull();
    expect(detectionTaxon({ decoder: 'embedding', dim: 4, normalize: true }, 'zebra')).toBeNull();
  });

  it('covers every COCO class reported as an animal', () => {
    const animals = Object.entries(COCO_CATEGORIES).filter(([, c]) => c === 'animal').map(([l]) => l);
    expect(animals.filter((l) => COCO_TAXONOMY[l] === undefined)).toEqual([]);
  });
});
