import { GraphBuilder } from './graph.js';

export const EMBEDDER_SIZE = 64;
const POOL = 12;
const SURROUND = 32;
const STRIDE = 4;
export const EMBEDDER_DIM = ((EMBEDDER_SIZE - POOL) / STRIDE + 1) ** 2;

/**
 * The bundled test embedder: luminance, pooled on a 14x14 grid (12 px windows, stride 4, so
 * small shifts change little) minus a 32 px surround (a band-pass), flattened and mean-centred. The decoder
 * L2-normalises it, which also cancels a brightness gain. Two views of the same coat
 * pattern point the same way; different patterns do not.
 */
export function buildEmbedder(): Uint8Array {
  const g = new GraphBuilder();
  const y = g.op('Conv', ['input', g.f32([0.299, 0.587, 0.114], [1, 3, 1, 1])], { kernel_shape: [1, 1] });
  // Centre minus surround (same centres): keeps the coat pattern, drops the shading common to
  // every individual (bright rim, dark middle).
  const centre = g.op('AveragePool', [y], { kernel_shape: [POOL, POOL], strides: [STRIDE, STRIDE] });
  const pad = (SURROUND - POOL) / 2;
  const surround = g.op('AveragePool', [y], { kernel_shape: [SURROUND, SURROUND], strides: [STRIDE, STRIDE], pads: [pad, pad, pad, pad], count_include_pad: 0 });
  const p = g.op('Sub', [centre, surround]);
  const flat = g.op('Reshape', [p, g.i64([1, EMBEDDER_DIM])]);
  const mean = g.op('ReduceMean', [flat], { axes: [1], keepdims: 1 });
  g.op('Sub', [flat, mean], {}, 'embedding');
  return g.encode({ name: 'input', dims: [1, 3, EMBEDDER_SIZE, EMBEDDER_SIZE] }, [{ name: 'embedding', dims: [1, EMBEDDER_DIM] }], 'spoor-test-embedder');
}
