/**
 * ReID score calibration, shared by the device and the hub: how raw match evidence (local
 * feature LNBNN + inliers, embedding cosine) becomes one calibrated P(same individual) per
 * species, so one threshold pair means the same thing everywhere. Pure math, no I/O.
 */

/** The local-feature evidence for one candidate (see device/src/reid/lnbnn.ts). */
export interface LocalEvidence {
  lnbnn: number;
  inliers: number;
}

/** A logistic model: P = σ(w·x + b). */
export interface Logistic {
  w: number[];
  b: number;
}

/**
 * How one species' raw match scores become P(same individual). Each mode has its own model
 * because a probe has local features, an embedding, or both.
 */
export interface Calibration {
  v: 1;
  /** x = [ln(1+lnbnn), ln(1+inliers)] */
  local: Logistic;
  /** x = [ln(1+lnbnn), ln(1+inliers), cosine] */
  fused: Logistic;
  /** x = [cosine]; null keeps the raw cosine (the score before local features existed). */
  embedding: Logistic | null;
  /** Where the fit came from. */
  source: string;
}

/**
 * Fitted by `npm run bench:reid` on its synthetic calibration split (ORB, 400 keypoints,
 * 60 individuals × 5 query views, ridge 1).
 * The fused model's cosine term is set by hand (10 per unit of cosine, centred on 0.725,
 * between the old cosine thresholds) until a species has a fit on reviewed data.
 */
export const DEFAULT_CALIBRATION: Calibration = {
  v: 1,
  local: { w: [1.526, 2.887], b: -10.532 },
  fused: { w: [1.526, 2.887, 10], b: -10.532 - 7.25 },
  embedding: null,
  source: 'default: synthetic coats (bench/reid.js)',
};

export function featureVector(c: LocalEvidence): number[] {
  return [Math.log1p(c.lnbnn), Math.log1p(c.inliers)];
}

/** P(same individual) for one candidate, from whatever the probe has. */
export function calibrate(cal: Calibration, local: LocalEvidence | null, cosine: number | null): number {
  if (local && cosine !== null) return predict(cal.fused, [...featureVector(local), cosine]);
  if (local) return predict(cal.local, featureVector(local));
  if (cosine !== null) return cal.embedding ? predict(cal.embedding, [cosine]) : Math.max(0, Math.min(1, cosine));
  return 0;
}

export function predict(m: Logistic, x: readonly number[]): number {
  let z = m.b;
  m.w.forEach((w, i) => (z += w * (x[i] ?? 0)));
  return 1 / (1 + Math.exp(-z));
}

/**
 * Logistic regression by Newton's method with a small ridge: labelled pairs (x, same?) from a
 * calibration split in, a model whose outputs are probabilities out.
 */
export function fitLogistic(xs: readonly (readonly number[])[], ys: readonly (0 | 1)[], ridge = 1e-3): Logistic {
  const d = (xs[0]?.length ?? 0) + 1;
  const beta = new Array<number>(d).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    xs.forEach((x0, n) => {
      const x = [...x0, 1];
      const p = 1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * (beta[i] as number), 0)));
      const r = p - (ys[n] as number);
      const s = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < d; i++) {
        g[i] = (g[i] as number) + r * (x[i] as number);
        const Hi = H[i] as number[];
        for (let j = 0; j < d; j++) Hi[j] = (Hi[j] as number) + s * (x[i] as number) * (x[j] as number);
      }
    });
    for (let i = 0; i < d; i++) {
      g[i] = (g[i] as number) + ridge * (beta[i] as number);
      (H[i] as number[])[i] = ((H[i] as number[])[i] as number) + ridge;
    }
    const step = solve(H, g);
    if (!step) break;
    let size = 0;
    for (let i = 0; i < d; i++) {
      beta[i] = (beta[i] as number) - (step[i] as number);
      size = Math.max(size, Math.abs(step[i] as number));
    }
    if (size < 1e-6) break;
  }
  return { w: beta.slice(0, d - 1), b: beta[d - 1] as number };
}

function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[p] as number[])[c] as number)) p = r;
    if (Math.abs((M[p] as number[])[c] as number) < 1e-12) return null;
    [M[c], M[p]] = [M[p] as number[], M[c] as number[]];
    const Mc = M[c] as number[];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const Mr = M[r] as number[];
      const f = (Mr[c] as number) / (Mc[c] as number);
      for (let k = c; k <= n; k++) Mr[k] = (Mr[k] as number) - f * (Mc[k] as number);
    }
  }
  return M.map((row, i) => (row[n] as number) / (row[i] as number));
}

