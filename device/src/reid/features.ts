import type { Cv } from './opencv.js';

/** ORB keypoints and their 256-bit binary descriptors from one animal crop. */
export interface LocalFeatures {
  /** x,y pairs in the normalised crop's pixel coordinates (longest side `FEATURE_CROP_SIDE`). */
  keypoints: Float32Array;
  /** n × 32 bytes. */
  descriptors: Uint8Array;
}

export const DESCRIPTOR_BYTES = 32;
export const DESCRIPTOR_BITS = DESCRIPTOR_BYTES * 8;
/** Crops are resized so their longest side is this many pixels: one scale for every view. */
export const FEATURE_CROP_SIDE = 320;

export interface FeatureOptions {
  maxKeypoints: number;
}

interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Keypoints and descriptors of the animal inside `bbox` (relative x, y, w, h): the crop is
 * cut at full resolution, turned grey (so IR night frames and colour day frames share one
 * descriptor space), resized to one scale, contrast-equalised with CLAHE, then ORB.
 */
export function extractFeatures(cv: Cv, img: RgbImage, bbox: readonly [number, number, number, number], opts: FeatureOptions): LocalFeatures {
  const { x0, y0, w, h, tw, th } = featureCrop(bbox, img.width, img.height);
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) rgb.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + w) * 3), y * w * 3);

  const src = cv.matFromArray(h, w, cv.CV_8UC3, rgb);
  const grey = new cv.Mat();
  const small = new cv.Mat();
  const eq = new cv.Mat();
  const mask = new cv.Mat();
  const kps = new cv.KeyPointVector();
  const des = new cv.Mat();
  const clahe = new cv.CLAHE(2.0, new cv.Size(4, 4));
  // nlevels 5 at 1.3: views differ by up to ~2x in scale after the crop is normalised.
  // (The WASM binding cannot take the score-type enum in the constructor; setters cover the rest.)
  const orb = new cv.ORB(opts.maxKeypoints, 1.3, 5, 19, 0, 2);
  orb.setPatchSize(19);
  orb.setFastThreshold(12);
  try {
    cv.cvtColor(src, grey, cv.COLOR_RGB2GRAY);
    cv.resize(grey, small, new cv.Size(tw, th), 0, 0, cv.INTER_AREA);
    clahe.apply(small, eq);
    orb.detectAndCompute(eq, mask, kps, des);
    const n = Math.min(kps.size(), des.rows);
    const keypoints = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const kp = kps.get(i);
      keypoints[2 * i] = kp.pt.x;
      keypoints[2 * i + 1] = kp.pt.y;
    }
    const descriptors = n > 0 ? new Uint8Array(des.data.subarray(0, n * DESCRIPTOR_BYTES)) : new Uint8Array(0);
    return { keypoints, descriptors };
  } finally {
    for (const m of [src, grey, small, eq, mask, kps, des, clahe, orb]) m.delete();
  }
}

export function featureCount(f: LocalFeatures): number {
  return f.descriptors.length / DESCRIPTOR_BYTES;
}

/** One blob for SQLite: u32 n, then n×2 f32 keypoints, then n×32 descriptor bytes. */
export function packFeatures(f: LocalFeatures): Buffer {
  const n = featureCount(f);
  const buf = Buffer.alloc(4 + n * 8 + n * DESCRIPTOR_BYTES);
  buf.writeUInt32LE(n, 0);
  Buffer.from(f.keypoints.buffer, f.keypoints.byteOffset, n * 8).copy(buf, 4);
  Buffer.from(f.descriptors.buffer, f.descriptors.byteOffset, n * DESCRIPTOR_BYTES).copy(buf, 4 + n * 8);
  return buf;
}

export function unpackFeatures(buf: Buffer): LocalFeatures {
  const n = buf.readUInt32LE(0);
  const keypoints = new Float32Array(n * 2);
  Buffer.from(keypoints.buffer).set(buf.subarray(4, 4 + n * 8));
  const descriptors = new Uint8Array(buf.subarray(4 + n * 8, 4 + n * 8 + n * DESCRIPTOR_BYTES));
  return { keypoints, descriptors };
}

/** Descriptors as one bit per Int8 (0/1): how the USearch binding takes B1 vectors. */
export function unpackBits(descriptors: Uint8Array): Int8Array {
  const out = new Int8Array(descriptors.length * 8);
  for (let i = 0; i < descriptors.length; i++) {
    const b = descriptors[i] as number;
    for (let j = 0; j < 8; j++) out[i * 8 + j] = (b >> j) & 1;
  }
  return out;
}

/**
 * The pixels of `bbox` that features are taken from in a width×height image (x0, y0, w, h),
 * and the size they are resized to (tw×th, longest side FEATURE_CROP_SIDE): keypoints are in
 * tw×th pixels.
 */
export function featureCrop(bbox: readonly [number, number, number, number], width: number, height: number): { x0: number; y0: number; w: number; h: number; tw: number; th: number } {
  const x0 = clamp(Math.floor(bbox[0] * width), 0, width - 1);
  const y0 = clamp(Math.floor(bbox[1] * height), 0, height - 1);
  const x1 = clamp(Math.ceil((bbox[0] + bbox[2]) * width), x0 + 1, width);
  const y1 = clamp(Math.ceil((bbox[1] + bbox[3]) * height), y0 + 1, height);
  const w = x1 - x0;
  const h = y1 - y0;
  const scale = FEATURE_CROP_SIDE / Math.max(w, h);
  return { x0, y0, w, h, tw: Math.max(8, Math.round(w * scale)), th: Math.max(8, Math.round(h * scale)) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
