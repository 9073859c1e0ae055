import type { InputSpec } from './manifest.js';
import { resampleToTensor, type Rect } from './resample.js';

/** Decoded image: RGB, 3 channels interleaved, uint8. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

/** How a source image was placed into the model input: input = src * scale + pad. */
export interface LetterboxTransform {
  scale: number;
  /** Vertical scale when it differs from `scale` (rounding, or a non-letterboxed fill). */
  scaleY?: number;
  padX: number;
  padY: number;
  srcWidth: number;
  srcHeight: number;
}

export interface Prepared {
  tensor: Float32Array | Uint8Array;
  dims: number[];
  transform: LetterboxTransform;
}

/** Resize (letterboxed when the spec asks for it) and convert to the model's tensor. */
export async function letterbox(img: RawImage, input: InputSpec): Promise<Prepared> {
  return place(img, { left: 0, top: 0, width: img.width, height: img.height }, input);
}

/** Crop a relative box [x, y, w, h] (0..1 of the source) and resize it to the model input. */
export async function cropResize(
  img: RawImage,
  bbox: readonly [number, number, number, number],
  input: InputSpec,
): Promise<Prepared> {
  const [x, y, w, h] = bbox;
  const left = clampInt(Math.floor(x * img.width), 0, img.width - 1);
  const top = clampInt(Math.floor(y * img.height), 0, img.height - 1);
  const right = clampInt(Math.ceil((x + w) * img.width), left + 1, img.width);
  const bottom = clampInt(Math.ceil((y + h) * img.height), top + 1, img.height);
  return place(img, { left, top, width: right - left, height: bottom - top }, input);
}

/**
 * The size a `srcWidth`×`srcHeight` image is resized to inside the model input (before
 * padding). A decoder that produces exactly this size (JPEG shrink-on-load) lets
 * `letterbox` skip the resize, with the same placement and the same relative boxes.
 */
export function fitSize(srcWidth: number, srcHeight: number, input: InputSpec): { width: number; height: number } {
  if (!input.letterbox) return { width: input.width, height: input.height };
  const scale = Math.min(input.width / srcWidth, input.height / srcHeight);
  return {
    width: Math.max(1, Math.min(input.width, Math.round(srcWidth * scale))),
    height: Math.max(1, Math.min(input.height, Math.round(srcHeight * scale))),
  };
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function dims(input: InputSpec): number[] {
  return input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
}

/** Resize `src` of `img` into the model input (centred and padded when letterboxed). */
function place(img: RawImage, src: Rect, input: InputSpec): Prepared {
  const { width: w, height: h } = fitSize(src.width, src.height, input);
  const padX = Math.floor((input.width - w) / 2);
  const padY = Math.floor((input.height - h) / 2);
  const tensor = resampleToTensor(img.data, img.width, src, { x: padX, y: padY, w, h }, input);
  const transform: LetterboxTransform = { scale: w / src.width, scaleY: h / src.height, padX, padY, srcWidth: src.width, srcHeight: src.height };
  return { tensor, dims: dims(input), transform };
}

/** HWC uint8 RGB -> the layout, channel order and normalisation the spec asks for. */
export function toTensor(hwc: Uint8Array, input: InputSpec): Float32Array | Uint8Array {
  const n = input.width * input.height;
  const src = input.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const s0 = src[0] ?? 0;
  const s1 = src[1] ?? 1;
  const s2 = src[2] ?? 2;
  if (input.dtype === 'uint8') {
    const out = new Uint8Array(n * 3);
    if (input.layout === 'NHWC') {
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        out[j] = hwc[j + s0] ?? 0;
        out[j + 1] = hwc[j + s1] ?? 0;
        out[j + 2] = hwc[j + s2] ?? 0;
      }
    } else {
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        out[i] = hwc[j + s0] ?? 0;
        out[n + i] = hwc[j + s1] ?? 0;
        out[2 * n + i] = hwc[j + s2] ?? 0;
      }
    }
    return out;
  }
  // (p/255 - mean) / std  ==  p * a + b
  const a = [0, 1, 2].map((c) => 1 / (255 * (input.std[c] ?? 1)));
  const b = [0, 1, 2].map((c) => -(input.mean[c] ?? 0) / (input.std[c] ?? 1));
  const [a0 = 1, a1 = 1, a2 = 1] = a;
  const [b0 = 0, b1 = 0, b2 = 0] = b;
  const out = new Float32Array(n * 3);
  if (input.layout === 'NHWC') {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[j] = (hwc[j + s0] ?? 0) * a0 + b0;
      out[j + 1] = (hwc[j + s1] ?? 0) * a1 + b1;
      out[j + 2] = (hwc[j + s2] ?? 0) * a2 + b2;
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = (hwc[j + s0] ?? 0) * a0 + b0;
      out[n + i] = (hwc[j + s1] ?? 0) * a1 + b1;
      out[2 * n + i] = (hwc[j + s2] ?? 0) * a2 + b2;
    }
  }
  return out;
}
