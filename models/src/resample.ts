/**
 * Resize a rectangle of an interleaved RGB uint8 image straight into a model tensor, in
 * plain JS and in one pass over the source rows: area average (a box filter over each
 * output pixel's footprint, fractional edges weighted by overlap) when shrinking, bilinear
 * when enlarging, with channel order, mean/std and layout applied as each value is written.
 * For the crop and letterbox sizes models take this is cheaper than a round trip through
 * libvips, which copies the whole frame in and out.
 */
import type { InputSpec } from './manifest.js';

/** A source rectangle in whole pixels, already clamped to the image. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Source taps per output pixel along one axis: taps [start[o], start[o] + count[o]). */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** Weights, `maxCount` per output pixel; each output's weights sum to 1. */
  weight: Float32Array;
  maxCount: number;
}

/** Map `dstLen` outputs onto source pixels [srcStart, srcStart + srcLen). */
function taps(srcStart: number, srcLen: number, dstLen: number): Taps {
  const s = srcLen / dstLen;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  if (s <= 1) {
    // Enlarging (or 1:1): bilinear between the two nearest source centres.
    const weight = new Float32Array(dstLen * 2);
    for (let o = 0; o < dstLen; o++) {
      const x = Math.min(srcLen - 1, Math.max(0, (o + 0.5) * s - 0.5));
      const i = Math.min(srcLen - 1, Math.floor(x));
      const f = x - i;
      start[o] = srcStart + i;
      count[o] = f > 0 && i + 1 < srcLen ? 2 : 1;
      weight[o * 2] = count[o] === 2 ? 1 - f : 1;
      weight[o * 2 + 1] = count[o] === 2 ? f : 0;
    }
    return { start, count, weight, maxCount: 2 };
  }
  // Shrinking: output o covers source [o*s, (o+1)*s); each source pixel weighs its overlap.
  const maxCount = Math.ceil(s) + 1;
  const weight = new Float32Array(dstLen * maxCount);
  for (let o = 0; o < dstLen; o++) {
    const a = o * s;
    const b = Math.min(srcLen, (o + 1) * s);
    const i0 = Math.floor(a);
    const i1 = Math.min(srcLen, Math.ceil(b));
    start[o] = srcStart + i0;
    count[o] = i1 - i0;
    for (let i = i0; i < i1; i++) weight[o * maxCount + i - i0] = (Math.min(b, i + 1) - Math.max(a, i)) / s;
  }
  return { start, count, weight, maxCount };
}

/**
 * Resize `src` of `img` (width `imgWidth`, 3 interleaved channels) to `w`×`h` and write it
 * at (`x`, `y`) of the `input.width`×`input.height` tensor; the rest is `input.padValue`.
 */
export function resampleToTensor(
  data: Uint8Array,
  imgWidth: number,
  src: Rect,
  dst: { x: number; y: number; w: number; h: number },
  input: InputSpec,
): Float32Array | Uint8Array {
  const W = input.width;
  const H = input.height;
  const n = W * H;
  const bgr = input.channels === 'BGR';
  const nchw = input.layout === 'NCHW';
  const float = input.dtype === 'float32';
  // (p/255 - mean) / std  ==  p * a + b, per output channel (in the model's channel order).
  const order = bgr ? [2, 1, 0] : [0, 1, 2];
  const a = new Float32Array(3);
  const b = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    const std = input.std[c] ?? 1;
    a[c] = float ? 1 / (255 * std) : 1;
    b[c] = float ? -(input.mean[c] ?? 0) / std : 0;
  }
  const out = float ? new Float32Array(n * 3) : new Uint8Array(n * 3);
  // Source channel feeding output channel c, and where output (pixel p, channel c) goes.
  const sc0 = order[0] ?? 0;
  const sc1 = order[1] ?? 1;
  const sc2 = order[2] ?? 2;
  const pixStride = nchw ? 1 : 3;
  const chStride = nchw ? n : 1;
  const a0 = a[0] ?? 1;
  const a1 = a[1] ?? 1;
  const a2 = a[2] ?? 1;
  const b0 = b[0] ?? 0;
  const b1 = b[1] ?? 0;
  const b2 = b[2] ?? 0;

  // Padding: everything outside the placed rectangle.
  if (dst.w < W || dst.h < H) {
    const v = input.padValue;
    const p0 = float ? v * a0 + b0 : v;
    const p1 = float ? v * a1 + b1 : v;
    const p2 = float ? v * a2 + b2 : v;
    if (nchw) {
      out.fill(p0, 0, n);
      out.fill(p1, n, 2 * n);
      out.fill(p2, 2 * n, 3 * n);
    } else {
      for (let i = 0; i < 3 * n; i += 3) {
        out[i] = p0;
        out[i + 1] = p1;
        out[i + 2] = p2;
      }
    }
  }

  if (src.width === dst.w && src.height === dst.h) {
    // Already the right size (the decoder resized it): convert only.
    const rowStride = imgWidth * 3;
    for (let y = 0; y < dst.h; y++) {
      let j = (src.top + y) * rowStride + src.left * 3;
      let p = ((dst.y + y) * W + dst.x) * pixStride;
      for (let x = 0; x < dst.w; x++, j += 3, p += pixStride) {
        const v0 = data[j + sc0] as number;
        const v1 = data[j + sc1] as number;
        const v2 = data[j + sc2] as number;
        out[p] = v0 * a0 + b0;
        out[p + chStride] = v1 * a1 + b1;
        out[p + 2 * chStride] = v2 * a2 + b2;
      }
    }
    return out;
  }

  const tx = taps(src.left, src.width, dst.w);
  const ty = taps(src.top, src.height, dst.h);
  const row = new Float32Array(src.width * 3); // vertical pass: weighted sum of source rows
  const rowStride = imgWidth * 3;
  const x0 = src.left * 3;
  const rw = src.width * 3;
  const txStart = tx.start;
  const txCount = tx.count;
  const txW = tx.weight;
  const txM = tx.maxCount;
  for (let oy = 0; oy < dst.h; oy++) {
    // 1. Vertical: this output row's source rows, weighted, over the crop's columns.
    const ys = ty.start[oy] ?? 0;
    const yc = ty.count[oy] ?? 1;
    const w0 = ty.weight[oy * ty.maxCount] ?? 0;
    const base0 = ys * rowStride + x0;
    for (let i = 0; i < rw; i++) row[i] = w0 * (data[base0 + i] as number);
    for (let k = 1; k < yc; k++) {
      const wy = ty.weight[oy * ty.maxCount + k] ?? 0;
      const base = (ys + k) * rowStride + x0;
      for (let i = 0; i < rw; i++) row[i] = (row[i] as number) + wy * (data[base + i] as number);
    }
    // 2. Horizontal, fused with channel order, normalisation and layout.
    let p = ((dst.y + oy) * W + dst.x) * pixStride;
    for (let ox = 0; ox < dst.w; ox++, p += pixStride) {
      const xs = ((txStart[ox] as number) - src.left) * 3;
      const xc = txCount[ox] as number;
      const wb = ox * txM;
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let k = 0, j = xs; k < xc; k++, j += 3) {
        const wx = txW[wb + k] as number;
        r += wx * (row[j] as number);
        g += wx * (row[j + 1] as number);
        bl += wx * (row[j + 2] as number);
      }
      const v0 = sc0 === 0 ? r : sc0 === 1 ? g : bl;
      const v1 = sc1 === 0 ? r : sc1 === 1 ? g : bl;
      const v2 = sc2 === 0 ? r : sc2 === 1 ? g : bl;
      if (float) {
        out[p] = v0 * a0 + b0;
        out[p + chStride] = v1 * a1 + b1;
        out[p + 2 * chStride] = v2 * a2 + b2;
      } else {
        out[p] = Math.round(v0);
        out[p + chStride] = Math.round(v1);
        out[p + 2 * chStride] = Math.round(v2);
      }
    }
  }
  return out;
}
