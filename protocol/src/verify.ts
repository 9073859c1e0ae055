/**
 * Spatial verification of keypoint matches, shared by the device (it scores a ReID match by
 * the inliers) and the hub (it draws the same inliers for the reviewer), so both see one answer.
 */

/** A correspondence: gallery point (gx, gy) ↔ query point (qx, qy). */
export interface Correspondence {
  gx: number;
  gy: number;
  qx: number;
  qy: number;
  /** The LNBNN weight of the match, summed over inliers for the verified score. */
  w: number;
}

export interface Verification {
  inliers: number;
  /** Σ w over the inliers. */
  weight: number;
}

export interface AffineOptions {
  iterations?: number;
  /** How far (px) a mapped gallery point may land from its query point and still count. */
  tolPx?: number;
}

/**
 * RANSAC affine fit from gallery to query points: the largest set of correspondences that
 * one affine map (rotation, scale, shear, translation) explains within `tolPx`. Deterministic
 * (fixed seed), so one query always gets the same answer.
 */
export function verifyAffine(pairs: readonly Correspondence[], opts: AffineOptions = {}): Verification {
  return fit(pairs, opts).best;
}

/** The same fit, with the map (a b c / d e f: qx = a·gx + b·gy + c, qy = d·gx + e·gy + f) and which pairs are its inliers. */
export function fitAffine(pairs: readonly Correspondence[], opts: AffineOptions = {}): Verification & { model: number[] | null; inlierIdx: number[] } {
  const { best, model } = fit(pairs, opts);
  const tol2 = (opts.tolPx ?? 8) ** 2;
  const inlierIdx = model ? pairs.flatMap((p, i) => (residual2(p, model) <= tol2 ? [i] : [])) : [];
  return { ...best, model, inlierIdx };
}

function fit(pairs: readonly Correspondence[], opts: AffineOptions): { best: Verification; model: number[] | null } {
  const n = pairs.length;
  if (n < 3) return { best: { inliers: 0, weight: 0 }, model: null };
  const iterations = opts.iterations ?? 200;
  const tol2 = (opts.tolPx ?? 8) ** 2;
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  let best: Verification = { inliers: 0, weight: 0 };
  let bestModel: number[] | null = null;
  for (let it = 0; it < iterations; it++) {
    const a = pairs[Math.floor(rand() * n)] as Correspondence;
    const b = pairs[Math.floor(rand() * n)] as Correspondence;
    const c = pairs[Math.floor(rand() * n)] as Correspondence;
    const m = affineFrom3(a, b, c);
    if (!m || !plausible(m)) continue;
    const v = score(pairs, m, tol2);
    if (v.inliers > best.inliers || (v.inliers === best.inliers && v.weight > best.weight)) {
      best = v;
      bestModel = m;
    }
  }
  if (bestModel === null) return { best, model: null };
  // One refit on the inliers (least squares) tightens the model.
  const inl = pairs.filter((p) => residual2(p, bestModel as number[]) <= tol2);
  const refit = leastSquaresAffine(inl);
  if (refit && plausible(refit)) {
    const v = score(pairs, refit, tol2);
    if (v.inliers >= best.inliers) return { best: v, model: refit };
  }
  return { best, model: bestModel };
}

function score(pairs: readonly Correspondence[], m: number[], tol2: number): Verification {
  let inliers = 0;
  let weight = 0;
  for (const p of pairs) {
    if (residual2(p, m) <= tol2) {
      inliers++;
      weight += p.w;
    }
  }
  return { inliers, weight };
}

function residual2(p: Correspondence, m: number[]): number {
  const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
  const x = a * p.gx + b * p.gy + c - p.qx;
  const y = d * p.gx + e * p.gy + f - p.qy;
  return x * x + y * y;
}

/** Animals are not mirrored and views differ by less than ~4x in scale. */
function plausible(m: number[]): boolean {
  const [a, b, , d, e] = m as [number, number, number, number, number];
  const det = a * e - b * d;
  return det > 1 / 16 && det < 16;
}

function affineFrom3(p: Correspondence, q: Correspondence, r: Correspondence): number[] | null {
  const det = (q.gx - p.gx) * (r.gy - p.gy) - (r.gx - p.gx) * (q.gy - p.gy);
  if (Math.abs(det) < 1e-3) return null;
  const solve = (u0: number, u1: number, u2: number): [number, number, number] => {
    const a = ((u1 - u0) * (r.gy - p.gy) - (u2 - u0) * (q.gy - p.gy)) / det;
    const b = ((u2 - u0) * (q.gx - p.gx) - (u1 - u0) * (r.gx - p.gx)) / det;
    return [a, b, u0 - a * p.gx - b * p.gy];
  };
  return [...solve(p.qx, q.qx, r.qx), ...solve(p.qy, q.qy, r.qy)];
}

function leastSquaresAffine(pairs: readonly Correspondence[]): number[] | null {
  if (pairs.length < 3) return null;
  // Normal equations of [gx gy 1] · [a b c]ᵀ = qx (and the same for qy).
  let sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0;
  let tx = 0, txx = 0, txy = 0, ty = 0, tyx = 0, tyy = 0;
  for (const p of pairs) {
    sxx += p.gx * p.gx; sxy += p.gx * p.gy; sx += p.gx; syy += p.gy * p.gy; sy += p.gy;
    txx += p.gx * p.qx; txy += p.gy * p.qx; tx += p.qx;
    tyx += p.gx * p.qy; tyy += p.gy * p.qy; ty += p.qy;
  }
  const n = pairs.length;
  const M = [sxx, sxy, sx, sxy, syy, sy, sx, sy, n];
  const inv = invert3(M);
  if (!inv) return null;
  const mul = (v: [number, number, number]): [number, number, number] => [
    (inv[0] as number) * v[0] + (inv[1] as number) * v[1] + (inv[2] as number) * v[2],
    (inv[3] as number) * v[0] + (inv[4] as number) * v[1] + (inv[5] as number) * v[2],
    (inv[6] as number) * v[0] + (inv[7] as number) * v[1] + (inv[8] as number) * v[2],
  ];
  return [...mul([txx, txy, tx]), ...mul([tyx, tyy, ty])];
}

function invert3(m: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-9) return null;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}
