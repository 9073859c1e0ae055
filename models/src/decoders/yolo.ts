import { ModelErrors } from '../errors.js';
import type { YoloOutput } from '../manifest.js';
import type { LetterboxTransform } from '../preprocess.js';
import { nms } from './nms.js';
import type { BBox, Detection, OutputTensor } from './types.js';

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Decode a YOLO head ([1, N, 5+C] for yolov5, [1, 4+C, N] for yolov8; boxes as cx, cy, w, h in
 * input pixels), undo the letterbox, and run class-aware NMS.
 */
export function decodeYolo(output: OutputTensor, transform: LetterboxTransform, spec: YoloOutput): Detection[] {
  const C = spec.labels.length;
  const { data, dims } = output;
  const v8 = spec.format === 'yolov8';
  const rowLen = v8 ? 4 + C : 5 + C;
  const n = v8 ? dims[2] : dims[1];
  const attr = v8 ? dims[1] : dims[2];
  if (dims.length !== 3 || n === undefined || attr !== rowLen || data.length < n * rowLen) {
    throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`expected ${v8 ? `[1, ${rowLen}, N]` : `[1, N, ${rowLen}]`} for ${spec.format}, got [${dims.join(', ')}]`);
  }
  // Element (anchor i, attribute k).
  const at = v8 ? (i: number, k: number) => data[k * n + i] ?? 0 : (i: number, k: number) => data[i * rowLen + k] ?? 0;
  const clsOffset = v8 ? 4 : 5;
  const sx = transform.scale;
  const sy = transform.scaleY ?? transform.scale;
  const W = transform.srcWidth;
  const H = transform.srcHeight;

  const candidates: (Detection & { group: number })[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      const s = at(i, clsOffset + c);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    const score = v8 ? bestScore : bestScore * at(i, 4);
    if (!(score >= spec.scoreThreshold)) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const w = at(i, 2);
    const h = at(i, 3);
    // Input pixels -> source pixels -> relative, clamped to the image.
    const x1 = clamp01((cx - w / 2 - transform.padX) / sx / W);
    const y1 = clamp01((cy - h / 2 - transform.padY) / sy / H);
    const x2 = clamp01((cx + w / 2 - transform.padX) / sx / W);
    const y2 = clamp01((cy + h / 2 - transform.padY) / sy / H);
    if (x2 <= x1 || y2 <= y1) continue;
    const label = spec.labels[best] ?? String(best);
    const category = spec.categories[label] ?? 'animal';
    const bbox: BBox = [x1, y1, x2 - x1, y2 - y1];
    candidates.push({ category, label, bbox, confidence: score, group: best });
  }
  return nms(candidates, spec.iouThreshold, spec.maxDetections).map(({ group: _g, ...d }) => d);
}
