import { ModelErrors } from '../errors.js';
import type { GflOutput } from '../manifest.js';
import type { LetterboxTransform } from '../preprocess.js';
import { nms } from './nms.js';
import type { BBox, Detection, OutputTensor } from './types.js';

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

interface Level {
  stride: number;
  cols: number;
  cells: number;
  scores: Float32Array;
  boxes: Float32Array;
}

/** Pair the outputs by shape: per stride, scores [1, N, C] and distributions [1, N, 4*(regMax+1)]. */
function levels(outputs: readonly OutputTensor[], spec: GflOutput, inputWidth: number, inputHeight: number): Level[] {
  const C = spec.labels.length;
  const bins = 4 * (spec.regMax + 1);
  return spec.strides.map((stride) => {
    const cols = Math.ceil(inputWidth / stride);
    const cells = cols * Math.ceil(inputHeight / stride);
    const find = (last: number) => outputs.find((o) => o.dims.length === 3 && o.dims[1] === cells && o.dims[2] === last);
    const s = find(C);
    const b = find(bins);
    if (s === undefined || b === undefined) {
      throw ModelErrors.SPOOR_E_MODEL_OUTPUT(
        `gfl: stride ${stride} needs outputs [1, ${cells}, ${C}] and [1, ${cells}, ${bins}], got ${outputs.map((o) => `[${o.dims.join(', ')}]`).join(' ')}`,
      );
    }
    return { stride, cols, cells, scores: s.data, boxes: b.data };
  });
}

/** Expected value of softmax(logits[off .. off+n)) over bins 0..n-1 (GFL integral regression). */
export function integral(logits: Float32Array, off: number, n: number): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[off + k] ?? 0);
  let sum = 0;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp((logits[off + k] ?? 0) - max);
    sum += e;
    acc += e * k;
  }
  return acc / sum;
}

/**
 * Decode a NanoDet / GFL head: per cell the best class score (already sigmoid-ed), box sides
 * as softmax expectations over regMax+1 bins times the stride, measured from the cell centre
 * ((col + 0.5) * stride, (row + 0.5) * stride). Undoes the letterbox; class-aware NMS.
 */
export function decodeGfl(
  outputs: readonly OutputTensor[],
  transform: LetterboxTransform,
  spec: GflOutput,
  input: { width: number; height: number },
): Detection[] {
  const C = spec.labels.length;
  const n = spec.regMax + 1;
  const sx = transform.scale;
  const sy = transform.scaleY ?? transform.scale;
  const W = transform.srcWidth;
  const H = transform.srcHeight;
  // Only the classes the manifest maps to a category are reported.
  const wanted = spec.labels.map((l) => spec.categories[l] !== undefined);

  const candidates: (Detection & { group: number })[] = [];
  for (const lv of levels(outputs, spec, input.width, input.height)) {
    for (let i = 0; i < lv.cells; i++) {
      let best = -1;
      let score = spec.scoreThreshold;
      for (let c = 0; c < C; c++) {
        const s = lv.scores[i * C + c] ?? 0;
        if (wanted[c] && s >= score) {
          score = s;
          best = c;
        }
      }
      if (best < 0) continue;
      const cx = ((i % lv.cols) + 0.5) * lv.stride;
      const cy = (Math.floor(i / lv.cols) + 0.5) * lv.stride;
      const off = i * 4 * n;
      const l = integral(lv.boxes, off, n) * lv.stride;
      const t = integral(lv.boxes, off + n, n) * lv.stride;
      const r = integral(lv.boxes, off + 2 * n, n) * lv.stride;
      const b = integral(lv.boxes, off + 3 * n, n) * lv.stride;
      const x1 = clamp01((cx - l - transform.padX) / sx / W);
      const y1 = clamp01((cy - t - transform.padY) / sy / H);
      const x2 = clamp01((cx + r - transform.padX) / sx / W);
      const y2 = clamp01((cy + b - transform.padY) / sy / H);
      if (x2 <= x1 || y2 <= y1) continue;
      const label = spec.labels[best] ?? String(best);
      const category = spec.categories[label];
      if (category === undefined) continue;
      const bbox: BBox = [x1, y1, x2 - x1, y2 - y1];
      candidates.push({ category, label, bbox, confidence: score, group: best });
    }
  }
  return nms(candidates, spec.iouThreshold, spec.maxDetections).map(({ group: _g, ...d }) => d);
}
