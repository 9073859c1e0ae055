import type { BBox } from './types.js';

export function iou(a: BBox, b: BBox): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression within each group (class). Returns the kept items, best
 * first, at most `max`.
 */
export function nms<T extends { bbox: BBox; confidence: number; group: number }>(
  items: T[],
  iouThreshold: number,
  max: number,
): T[] {
  const sorted = [...items].sort((a, b) => b.confidence - a.confidence);
  const kept: T[] = [];
  for (const cand of sorted) {
    if (kept.length >= max) break;
    let keep = true;
    for (const k of kept) {
      if (k.group === cand.group && iou(k.bbox, cand.bbox) > iouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) kept.push(cand);
  }
  return kept;
}
