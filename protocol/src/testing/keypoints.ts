/** Synthetic ORB-like keypoints for tests: random descriptors, and a second view of a crop under a known map. */
import type { Keypoints } from '../keypoints.js';

/** A seeded generator, so a failure reproduces. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function randomKeypoints(n: number, rand: () => number, w = 320, h = 240): Keypoints {
  const points = new Float32Array(n * 2);
  const descriptors = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    points[2 * i] = rand() * w;
    points[2 * i + 1] = rand() * h;
  }
  for (let i = 0; i < descriptors.length; i++) descriptors[i] = Math.floor(rand() * 256);
  return { w, h, region: [0.1, 0.1, 0.8, 0.8], points, descriptors };
}

/**
 * A second view of `a`: `shared` of its keypoints moved by one affine map (rotation, scale,
 * shift) with a few descriptor bits flipped, plus unrelated clutter.
 */
export function secondView(a: Keypoints, shared: number, clutter: number, rand: () => number): { b: Keypoints; truth: Map<number, number> } {
  const t = 0.15;
  const s = 0.9;
  const [c, d] = [Math.cos(t) * s, Math.sin(t) * s];
  const other = randomKeypoints(clutter, rand);
  const n = shared + clutter;
  const points = new Float32Array(n * 2);
  const descriptors = new Uint8Array(n * 32);
  const truth = new Map<number, number>();
  for (let k = 0; k < shared; k++) {
    const i = k * 2; // every other keypoint of a
    const [x, y] = [a.points[2 * i] as number, a.points[2 * i + 1] as number];
    points[2 * k] = Math.min(319, Math.max(0, c * x - d * y + 30));
    points[2 * k + 1] = Math.min(239, Math.max(0, d * x + c * y - 10));
    descriptors.set(a.descriptors.subarray(i * 32, i * 32 + 32), k * 32);
    for (let f = 0; f < 10; f++) {
      const bit = Math.floor(rand() * 256);
      descriptors[k * 32 + (bit >> 3)] = (descriptors[k * 32 + (bit >> 3)] as number) ^ (1 << (bit & 7));
    }
    truth.set(k, i);
  }
  points.set(other.points, shared * 2);
  descriptors.set(other.descriptors, shared * 32);
  return { b: { w: 320, h: 240, region: [0, 0, 1, 1], points, descriptors }, truth };
}

