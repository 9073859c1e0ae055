import { describe, expect, it } from 'vitest';
import { cosine, decodeEmbedding } from './embedding.js';

describe('decodeEmbedding', () => {
  it('L2-normalises when asked', () => {
    const v = decodeEmbedding({ data: Float32Array.from([3, 4]), dims: [1, 2] }, { decoder: 'embedding', dim: 2, normalize: true });
    expect([...v]).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(cosine(v, Float32Array.from([6, 8]))).toBeCloseTo(1, 6);
  });

  it('keeps raw values otherwise and checks the dimension', () => {
    const raw = decodeEmbedding({ data: Float32Array.from([3, 4]), dims: [1, 2] }, { decoder: 'embedding', dim: 2, normalize: false });
    expect([...raw]).toEqual([3, 4]);
    expect(() => decodeEmbedding({ data: new Float32Array(3), dims: [1, 3] }, { decoder: 'embedding', dim: 2, normalize: true })).toThrow(/does not match its decoder/);
  });
});
