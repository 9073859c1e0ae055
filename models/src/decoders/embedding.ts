import { ModelErrors } from '../errors.js';
import type { EmbeddingOutput } from '../manifest.js';
import type { OutputTensor } from './types.js';

/** The embedding vector, L2-normalised when the spec says so. */
export function decodeEmbedding(output: OutputTensor, spec: EmbeddingOutput): Float32Array {
  if (output.data.length !== spec.dim) {
    throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`expected an embedding of ${spec.dim}, got [${output.dims.join(', ')}]`);
  }
  const v = Float32Array.from(output.data);
  if (!spec.normalize) return v;
  let ss = 0;
  for (const x of v) ss += x * x;
  const norm = Math.sqrt(ss);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
