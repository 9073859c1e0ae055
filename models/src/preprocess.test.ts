import { describe, expect, it } from 'vitest';
import type { InputSpec } from './manifest.js';
import { cropResize, letterbox, toTensor, type RawImage } from './preprocess.js';

const spec: InputSpec = { width: 64, height: 64, layout: 'NCHW', channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], letterbox: true, padValue: 114, dtype: 'float32' };

/** A w x h image: left half red, right half blue. */
function halves(w: number, h: number): RawImage {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (x < w / 2) data[i] = 200;
      else data[i + 2] = 200;
    }
  return { data, width: w, height: h };
}

describe('letterbox', () => {
  it('fits a wide frame, pads above and below, and reports the transform', async () => {
    const { tensor, dims, transform } = await letterbox(halves(160, 90), spec);
    expect(dims).toEqual([1, 3, 64, 64]);
    expect(transform).toMatchObject({ scale: 0.4, padX: 0, padY: 14, srcWidth: 160, srcHeight: 90 });
    const at = (c: number, y: number, x: number) => tensor[c * 64 * 64 + y * 64 + x]!;
    expect(at(0, 2, 10)).toBeCloseTo(114 / 255, 5); // pad band
    expect(at(0, 32, 10)).toBeCloseTo(200 / 255, 2); // red half
    expect(at(2, 32, 50)).toBeCloseTo(200 / 255, 2); // blue half
  });

  it('stretches when letterbox is off', async () => {
    const { transform } = await letterbox(halves(160, 90), { ...spec, letterbox: false });
    expect(transform).toMatchObject({ scale: 0.4, scaleY: 64 / 90, padX: 0, padY: 0 });
  });
});

describe('toTensor', () => {
  it('applies BGR order, NHWC layout and mean/std', () => {
    const px = Uint8Array.from([255, 0, 51]);
    const out = toTensor(px, { ...spec, width: 1, height: 1, layout: 'NHWC', channels: 'BGR', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect([...out].map((v) => Number(v.toFixed(3)))).toEqual([-0.6, -1, 1]);
  });

  it('keeps uint8 when the model takes bytes', () => {
    const out = toTensor(Uint8Array.from([1, 2, 3, 4, 5, 6]), { ...spec, width: 2, height: 1, dtype: 'uint8' });
    expect(out).toBeInstanceOf(Uint8Array);
    expect([...out]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('cropResize', () => {
  it('crops the relative box before resizing', async () => {
    const { tensor } = await cropResize(halves(160, 90), [0.6, 0.2, 0.3, 0.5], { ...spec, letterbox: false });
    // Entirely in the blue half.
    expect(Math.max(...tensor.subarray(0, 64 * 64))).toBeLessThan(0.05);
    expect(Math.min(...tensor.subarray(2 * 64 * 64))).toBeGreaterThan(0.7);
  });

  it('survives boxes outside the frame (at least 1 px)', async () => {
    const { dims } = await cropResize(halves(160, 90), [1.2, -0.5, 0, 0], spec);
    expect(dims).toEqual([1, 3, 64, 64]);
  });
});
