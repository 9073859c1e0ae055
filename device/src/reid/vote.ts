import type { GalleryMatch } from './gallery.js';

export type ReidDecision = 'known' | 'new' | 'uncertain';

export interface Thresholds {
  accept: number;
  reject: number;
}

export interface BurstVerdict {
  decision: ReidDecision;
  /** The matched individual for `known`, the best candidate for `uncertain`, null for `new`. */
  individualId: string | null;
  score: number;
  /** How many frames voted. */
  frames: number;
}

/**
 * Aggregate the matches of every frame of a burst into one decision. Each candidate's
 * burst score is the median of its per-frame scores (0 in frames where it did not come up),
 * so one blurred or occluded frame cannot outvote the rest of the burst.
 */
export function voteBurst(frames: readonly (readonly GalleryMatch[])[], t: Thresholds): BurstVerdict {
  if (frames.length === 0) return { decision: 'new', individualId: null, score: 0, frames: 0 };
  const candidates = new Set(frames.flatMap((f) => f.map((m) => m.individualId)));
  let best: { id: string; score: number } | null = null;
  for (const id of candidates) {
    const perFrame = frames.map((f) => f.find((m) => m.individualId === id)?.score ?? 0);
    const score = median(perFrame);
    if (best === null || score > best.score) best = { id, score };
  }
  if (best === null) return { decision: 'new', individualId: null, score: 0, frames: frames.length };
  if (best.score >= t.accept) return { decision: 'known', individualId: best.id, score: best.score, frames: frames.length };
  if (best.score <= t.reject) return { decision: 'new', individualId: null, score: best.score, frames: frames.length };
  return { decision: 'uncertain', individualId: best.id, score: best.score, frames: frames.length };
}

/** Best match per individual across several detections of one frame. */
export function mergeFrameMatches(perDetection: readonly (readonly GalleryMatch[])[]): GalleryMatch[] {
  const best = new Map<string, number>();
  for (const matches of perDetection) for (const m of matches) if (m.score > (best.get(m.individualId) ?? -1)) best.set(m.individualId, m.score);
  return [...best].map(([individualId, score]) => ({ individualId, score })).sort((a, b) => b.score - a.score);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
