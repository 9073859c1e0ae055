/** Embeddings on the wire: symmetric int8 quantisation (metadata mode) or raw f32, base64. */
export interface WireEmbeddingValue {
  dtype: 'i8' | 'f32';
  dim: number;
  scale?: number;
  data: string;
}

export function encodeEmbedding(v: Float32Array, dtype: 'i8' | 'f32'): WireEmbeddingValue {
  if (dtype === 'f32') return { dtype, dim: v.length, data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round((v[i] as number) / scale)));
  return { dtype, dim: v.length, scale, data: Buffer.from(q.buffer).toString('base64') };
}

export function decodeEmbedding(w: WireEmbeddingValue): Float32Array {
  const bytes = Buffer.from(w.data, 'base64');
  if (w.dtype === 'f32') {
    if (bytes.byteLength !== w.dim * 4) throw new Error(`embedding: expected ${w.dim * 4} bytes, got ${bytes.byteLength}`);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  if (bytes.byteLength !== w.dim) throw new Error(`embedding: expected ${w.dim} bytes, got ${bytes.byteLength}`);
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = w.scale ?? 1;
  return Float32Array.from(q, (x) => x * scale);
}
