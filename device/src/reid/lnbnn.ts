import type { FeatureIndex } from './feature-index.js';
import { featureCount, type LocalFeatures } from './features.js';
import { verifyAffine, type Correspondence } from '@spoor/protocol/verify';

export interface LocalCandidate {
  individualId: string;
  /** Σ over query descriptors of (normaliser distance − match distance) / 256. */
  lnbnn: number;
  /** RANSAC affine inliers against the individual's best reference image (0 if not verified). */
  inliers: number;
  /** Σ LNBNN weight of those inliers. */
  verified: number;
}

export interface LnbnnOptions {
  /** Neighbours that vote per query descriptor; the (k+1)-th is the normaliser. */
  k: number;
  /** How many top candidates get spatial verification. */
  verifyTop: number;
}

export const LNBNN_DEFAULTS: LnbnnOptions = { k: 4, verifyTop: 5 };

/**
 * HotSpotter-style matching: every query descriptor's k nearest gallery descriptors vote for
 * their individuals with the distance gap to the (k+1)-th neighbour (the normaliser, which
 * stands for "a descriptor this common is in anyone's coat"). The best candidates are then
 * spatially verified (RANSAC affine) against their reference images.
 */
export function matchLocal(index: FeatureIndex, species: string, query: LocalFeatures, opts: LnbnnOptions = LNBNN_DEFAULTS): LocalCandidate[] {
  if (featureCount(query) === 0) return [];
  const knn = index.knn(species, query, opts.k + 1);
  const scores = new Map<string, number>();
  // individual → image → correspondences
  const pairs = new Map<string, Map<number, Correspondence[]>>();
  knn.forEach((row, q) => {
    if (row.length === 0) return;
    const norm = row.length > opts.k ? (row[opts.k] as { distance: number }).distance : (row[row.length - 1] as { distance: number }).distance;
    const seen = new Set<string>();
    for (const nb of row.slice(0, opts.k)) {
      if (seen.has(nb.individualId)) continue;
      seen.add(nb.individualId);
      const w = Math.max(0, norm - nb.distance) / 256;
      if (w <= 0) continue;
      scores.set(nb.individualId, (scores.get(nb.individualId) ?? 0) + w);
      const byImage = pairs.get(nb.individualId) ?? new Map<number, Correspondence[]>();
      pairs.set(nb.individualId, byImage);
      const list = byImage.get(nb.image) ?? [];
      byImage.set(nb.image, list);
      list.push({ gx: nb.descriptor, gy: 0, qx: query.keypoints[2 * q] as number, qy: query.keypoints[2 * q + 1] as number, w });
    }
  });
  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const top = ranked.slice(0, opts.verifyTop);
  // The reference images worth verifying: the two with the most votes per top candidate.
  const chosen = new Map<string, number[]>();
  for (const [id] of top) {
    const byImage = pairs.get(id) ?? new Map<number, Correspondence[]>();
    chosen.set(id, [...byImage].sort((a, b) => b[1].length - a[1].length).slice(0, 2).map(([image]) => image));
  }
  const kps = index.keypoints([...chosen.values()].flat());
  const out: LocalCandidate[] = ranked.map(([individualId, lnbnn]) => ({ individualId, lnbnn, inliers: 0, verified: 0 }));
  for (const cand of out.slice(0, opts.verifyTop)) {
    for (const image of chosen.get(cand.individualId) ?? []) {
      const g = kps.get(image);
      const list = pairs.get(cand.individualId)?.get(image);
      if (!g || !list) continue;
      // gx held the descriptor number until now; resolve it to the gallery keypoint.
      const located = list.map((p) => ({ ...p, gx: g[2 * p.gx] as number, gy: g[2 * p.gx + 1] as number }));
      const v = verifyAffine(located);
      if (v.inliers > cand.inliers) {
        cand.inliers = v.inliers;
        cand.verified = v.weight;
      }
    }
  }
  return out;
}
