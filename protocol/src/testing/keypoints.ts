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

/** `n` random keypoints in a w×h crop (inside `within`, relative, when given). */
export function randomKeypoints(n: number, rand: () => number, w = 320, h = 240, within: readonly [number, number, number, number] = [0, 0, 1, 1]): Keypoints {
  const points = new Float32Array(n * 2);
  const descriptors = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    points[2 * i] = (within[0] + rand() * within[2]) * w;
    points[2 * i + 1] = (within[1] + rand() * within[3]) * h;
  }
  for (let i = 0; i < descriptors.length; i++) descriptors[i] = Math.floor(rand() * 256);
  return { w, h, region: [0.1, 0.1, 0.8, 0.8], points, descriptors };
}

/** A small rotation (0.15 rad), a 0.9 scale and a shift: bx = m0·ax + m1·ay + m2, by = m3·ax + m4·ay + m5. */
export const VIEW_MAP: readonly number[] = [Math.cos(0.15) * 0.9, -Math.sin(0.15) * 0.9, 30, Math.sin(0.15) * 0.9, Math.cos(0.15) * 0.9, -10];

/**
 * A second view of `a` (same crop size, the whole image): `shared` of its keypoints (every
 * other one) moved by `map` with a few descriptor bits flipped, plus `clutter` unrelated ones.
 * A point the map moves off the crop is left out. `truth` maps b's index to a's.
 */
export function secondView(a: Keypoints, shared: number, clutter: number, rand: () => number, map: readonly number[] = VIEW_MAP): { b: Keypoints; truth: Map<number, number> } {
  const [m0, m1, m2, m3, m4, m5] = map as [number, number, number, number, number, number];
  const pts: number[] = [];
  const des: number[] = [];
  const truth = new Map<number, number>();
  for (let k = 0; k < shared; k++) {
    const i = k * 2;
    const [x, y] = [a.points[2 * i] as number, a.points[2 * i + 1] as number];
    const [bx, by] = [m0 * x + m1 * y + m2, m3 * x + m4 * y + m5];
    if (bx < 0 || by < 0 || bx > a.w || by > a.h) continue;
    const d = [...a.descriptors.subarray(i * 32, i * 32 + 32)];
    for (let f = 0; f < 10; f++) {
      const bit = Math.floor(rand() * 256);
      d[bit >> 3] = (d[bit >> 3] as number) ^ (1 << (bit & 7));
    }
    truth.set(pts.length / 2, i);
    pts.push(bx, by);
    des.push(...d);
  }
  const other = randomKeypoints(clutter, rand, a.w, a.h);
  return {
    b: { w: a.w, h: a.h, region: [0, 0, 1, 1], points: Float32Array.from([...pts, ...other.points]), descriptors: Uint8Array.from([...des, ...other.descriptors]) },
    truth,
  };
}
