import { SPECIES } from '../testing/world.js';
import { GraphBuilder } from './graph.js';

export const CLASSIFIER_SIZE = 96;
/** Logit sharpness: logits = -K * |c - c_species|^2 over mean body chromaticity c. */
const K = 300;
const THRESHOLD = 60;
const STEEP = 0.3;

export function chromaticity(rgb: readonly number[]): [number, number, number] {
  const s = (rgb[0] ?? 0) + (rgb[1] ?? 0) + (rgb[2] ?? 0);
  return [(rgb[0] ?? 0) / s, (rgb[1] ?? 0) / s, (rgb[2] ?? 0) / s];
}

/**
 * The bundled test classifier: mask the warm saturated body (same evidence as the detector's
 * animal channel, so the dark coat pattern is left out), average its chromaticity
 * rgb / (r+g+b) (brightness-invariant) and score each species by negative squared distance
 * to its colour's chromaticity. Expanding the square gives a linear layer:
 * logit_i = 2K c.c_i - K |c_i|^2 (the |c|^2 term is the same for all species).
 */
export function buildClassifier(): Uint8Array {
  const g = new GraphBuilder();
  const k = STEEP * 255;
  const e = g.op('Conv', ['input', g.f32([k, -k / 2, -k / 2], [1, 3, 1, 1]), g.f32([-STEEP * THRESHOLD], [1])], { kernel_shape: [1, 1] });
  const m = g.op('Sigmoid', [e]);
  const sum = g.op('Conv', ['input', g.f32([1, 1, 1], [1, 3, 1, 1]), g.f32([1e-3], [1])], { kernel_shape: [1, 1] });
  const chroma = g.op('Div', ['input', sum]);
  const axes = g.i64([2, 3]);
  const num = g.op('ReduceSum', [g.op('Mul', [chroma, m]), axes], { keepdims: 0 });
  const den = g.op('ReduceSum', [m, axes], { keepdims: 0 });
  const c = g.op('Div', [num, g.op('Add', [den, g.s(1e-6)])]);
  const cs = SPECIES.map((s) => chromaticity(s.color));
  const W: number[] = [];
  for (let j = 0; j < 3; j++) for (const ci of cs) W.push(2 * K * (ci[j] ?? 0));
  const B = cs.map((ci) => -K * ci.reduce((a, x) => a + x * x, 0));
  g.op('Gemm', [c, g.f32(W, [3, cs.length]), g.f32(B, [cs.length])], {}, 'logits');
  return g.encode({ name: 'input', dims: [1, 3, CLASSIFIER_SIZE, CLASSIFIER_SIZE] }, [{ name: 'logits', dims: [1, cs.length] }], 'spoor-test-classifier');
}
