import { ModelErrors } from '../errors.js';
import type { End2EndOutput } from '../manifest.js';
import type { LetterboxTransform } from '../preprocess.js';
import type { BBox, Detection, OutputTensor } from './types.js';

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Decode an NMS-free head (YOLOv10, e.g. MegaDetector v6 MDV6-yolov10-c): [1, K, 6] rows of
 * x1, y1, x2, y2 (input pixels), score, class id. The graph already suppressed duplicates,
 * so this only thresholds, maps labels to categories and undoes the letterbox.
 */
export function decodeEnd2End(output: OutputTensor, transform: LetterboxTransform, spec: End2EndOutput): Detection[] {
  const { data, dims } = output;
  const k = dims[1];
  if (dims.length !== 3 || dims[2] !== 6 || k === undefined || data.length < k * 6) {
    throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`yolo-end2end: expected [1, K, 6], got [${dims.join(', ')}]`);
  }
  const sx = transform.scale;
  const sy = transform.scaleY ?? transform.scale;
  const out: Detection[] = [];
  for (let i = 0; i < k; i++) {
    const at = (j: number): number => data[i * 6 + j] ?? 0;
    const score = at(4);
    if (!(score >= spec.scoreThreshold)) continue;
    const label = spec.labels[Math.round(at(5))];
    const category = label === undefined ? undefined : spec.categories[label];
    if (label === undefined || category === undefined) continue;
    const x1 = clamp01((at(0) - transform.padX) / sx / transform.srcWidth);
    const y1 = clamp01((at(1) - transform.padY) / sy / transform.srcHeight);
    const x2 = clamp01((at(2) - transform.padX) / sx / transform.srcWidth);
    const y2 = clamp01((at(3) - transform.padY) / sy / transform.srcHeight);
    if (x2 <= x1 || y2 <= y1) continue;
    const bbox: BBox = [x1, y1, x2 - x1, y2 - y1];
    out.push({ category, label, bbox, confidence: score });
  }
  return out.sort((a, b) => b.confidence - a.confidence).slice(0, spec.maxDetections);
}
