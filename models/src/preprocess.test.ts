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

describe('resampling', () => {
  /** A w x h ramp: R = x, G = y, B = 255 - x (values fit a byte for w, h <= 256). */
  function ramp(w: number, h: number): RawImage {
    const data = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data.set([x, y, 255 - x], (y * w + x) * 3);
    return { data, width: w, height: h };
  }
  const px = (t: Float32Array | Uint8Array, W: number, H: number, c: number, y: number, x: number) => t[c * W * H + y * W + x] ?? NaN;

  it('averages the footprint of each output pixel when shrinking', async () => {
    // 240 -> 80 columns: output x covers source 3x..3x+2, whose mean is 3x + 1.
    const { tensor } = await cropResize(ramp(240, 90), [0, 0, 1, 1], { ...spec, width: 80, height: 30, letterbox: false, std: [1 / 255, 1 / 255, 1 / 255] });
    expect(px(tensor, 80, 30, 0, 10, 20)).toBeCloseTo(61, 4);
    expect(px(tensor, 80, 30, 1, 10, 20)).toBeCloseTo(31, 4);
    expect(px(tensor, 80, 30, 2, 10, 20)).toBeCloseTo(255 - 61, 4);
  });

  it('interpolates between source pixels when enlarging', async () => {
    // A 2-px-wide crop [10, 11] of the ramp stretched to 4: 10, 10.25, 10.75, 11 (edges clamped).
    const img = ramp(40, 4);
    const { tensor } = await cropResize(img, [10 / 40, 0, 2 / 40, 1], { ...spec, width: 4, height: 4, letterbox: false, dtype: 'uint8' });
    expect([...tensor.subarray(0, 4)]).toEqual([10, 10, 11, 11]);
    const f = await cropResize(img, [10 / 40, 0, 2 / 40, 1], { ...spec, width: 4, height: 4, letterbox: false, std: [1 / 255, 1 / 255, 1 / 255] });
    expect([...f.tensor.subarray(0, 4)].map((v) => Number(v.toFixed(3)))).toEqual([10, 10.25, 10.75, 11]);
  });

  it('writes BGR, NHWC and mean/std in the same pass as the resize', async () => {
    const input: InputSpec = { ...spec, width: 4, height: 2, layout: 'NHWC', channels: 'BGR', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], letterbox: false };
    const img = ramp(8, 4);
    const { tensor } = await cropResize(img, [0, 0, 1, 1], input);
    // Output (0, 0) averages x 0..1, y 0..1: R 0.5, G 0.5, B 254.5; written B, G, R.
    const norm = (v: number) => (v / 255 - 0.5) / 0.5;
    expect(tensor[0]).toBeCloseTo(norm(254.5), 5);
    expect(tensor[1]).toBeCloseTo(norm(0.5), 5);
    expect(tensor[2]).toBeCloseTo(norm(0.5), 5);
  });

  it('letterboxes a frame already decoded at its fitted size exactly as the full frame', async () => {
    const big = halves(320, 180);
    const small = halves(64, 36); // what the decoder hands over for a 64x64 input
    const a = await letterbox(big, spec);
    const b = await letterbox(small, spec);
    expect({ padX: b.transform.padX, padY: b.transform.padY }).toEqual({ padX: a.transform.padX, padY: a.transform.padY });
    expect(b.transform.scale * b.transform.srcWidth).toBe(a.transform.scale * a.transform.srcWidth);
    let maxDiff = 0;
    for (let i = 0; i < a.tensor.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a.tensor[i] ?? 0) - (b.tensor[i] ?? 0)));
    expect(maxDiff).toBeLessThan(1e-6);
  });
});
