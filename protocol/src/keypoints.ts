import { Type, type Static } from '@sinclair/typebox';
import { fitAffine, type Correspondence } from './verify.js';

/** Bytes of one ORB descriptor (256 bits). */
export const KEYPOINT_DESCRIPTOR_BYTES = 32;
/** The most keypoints one crop may carry (the device's `reid.maxKeypoints` ceiling). */
export const MAX_CROP_KEYPOINTS = 2000;
/** Keypoint coordinates travel as u16 in 1/KEYPOINT_SUBPIXEL px. */
export const KEYPOINT_SUBPIXEL = 16;
/** The largest feature crop side: 65535 / KEYPOINT_SUBPIXEL, rounded down to a power of two. */
const MAX_FEATURE_SIDE = 2048;

const b64 = (bytes: number) => Type.String({ maxLength: Math.ceil(bytes / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' });
const Rel = Type.Number({ minimum: 0, maximum: 1 });

/**
 * The ORB keypoints a device used for ReID on one animal crop, sent with that crop's media
 * message so the hub can show a reviewer which regions match. Points are in the pixels of the
 * device's normalised feature crop (`w`×`h`, the detection box resized so its longest side
 * is 320 px); `region` says where that box lies inside the JPEG this message carries.
 */
export const CropFeatures = Type.Object(
  {
    w: Type.Integer({ minimum: 1, maximum: MAX_FEATURE_SIDE }),
    h: Type.Integer({ minimum: 1, maximum: MAX_FEATURE_SIDE }),
    /** Relative x, y, w, h of the feature crop inside the carried image. */
    region: Type.Tuple([Rel, Rel, Rel, Rel]),
    /** n points: x, y as little-endian u16 in 1/16 px. */
    keypoints: b64(MAX_CROP_KEYPOINTS * 4),
    /** n × 32 descriptor bytes. */
    descriptors: b64(MAX_CROP_KEYPOINTS * KEYPOINT_DESCRIPTOR_BYTES),
  },
  { additionalProperties: false },
);
export type CropFeatures = Static<typeof CropFeatures>;

/** The largest CropFeatures as JSON (both base64 strings at their limit, plus the small fields). */
export const MAX_CROP_FEATURES_JSON_BYTES = Math.ceil((MAX_CROP_KEYPOINTS * (4 + KEYPOINT_DESCRIPTOR_BYTES)) / 3) * 4 + 512;

/** Decoded features: `points` as x,y pairs (feature-crop px), `descriptors` n × 32 bytes. */
export interface Keypoints {
  w: number;
  h: number;
  region: readonly [number, number, number, number];
  points: Float32Array;
  descriptors: Uint8Array;
}

export function keypointCount(k: Pick<Keypoints, 'descriptors'>): number {
  return k.descriptors.length / KEYPOINT_DESCRIPTOR_BYTES;
}

/** Pack a device's keypoints for the wire. */
export function encodeCropFeatures(k: Keypoints): CropFeatures {
  const n = keypointCount(k);
  if (!Number.isInteger(n) || k.points.length !== n * 2) throw new RangeError(`${k.points.length / 2} points for ${n} descriptors`);
  if (n > MAX_CROP_KEYPOINTS) throw new RangeError(`${n} keypoints; at most ${MAX_CROP_KEYPOINTS} travel`);
  const xy = Buffer.alloc(n * 4);
  const clampTo = (v: number, side: number) => Math.round(Math.min(Math.max(v, 0), side) * KEYPOINT_SUBPIXEL);
  for (let i = 0; i < n; i++) {
    xy.writeUInt16LE(clampTo(k.points[2 * i] as number, k.w), 4 * i);
    xy.writeUInt16LE(clampTo(k.points[2 * i + 1] as number, k.h), 4 * i + 2);
  }
  return {
    w: k.w,
    h: k.h,
    region: [...k.region] as [number, number, number, number],
    keypoints: xy.toString('base64'),
    descriptors: Buffer.from(k.descriptors.buffer, k.descriptors.byteOffset, k.descriptors.byteLength).toString('base64'),
  };
}

/**
 * Unpack features that passed the schema. Returns a reason (not an exception) when the parts
 * disagree: a point count that does not match the descriptors, or a point off the crop.
 */
export function decodeCropFeatures(f: CropFeatures): { ok: true; keypoints: Keypoints } | { ok: false; reason: string } {
  const xy = Buffer.from(f.keypoints, 'base64');
  const descriptors = new Uint8Array(Buffer.from(f.descriptors, 'base64'));
  if (xy.byteLength % 4 !== 0) return { ok: false, reason: `keypoints is ${xy.byteLength} bytes, not a multiple of 4` };
  if (descriptors.byteLength % KEYPOINT_DESCRIPTOR_BYTES !== 0) return { ok: false, reason: `descriptors is ${descriptors.byteLength} bytes, not a multiple of ${KEYPOINT_DESCRIPTOR_BYTES}` };
  const n = xy.byteLength / 4;
  if (descriptors.byteLength / KEYPOINT_DESCRIPTOR_BYTES !== n) return { ok: false, reason: `${n} keypoints but ${descriptors.byteLength / KEYPOINT_DESCRIPTOR_BYTES} descriptors` };
  const [rx, ry, rw, rh] = f.region;
  if (rw <= 0 || rh <= 0 || rx + rw > 1.0001 || ry + rh > 1.0001) return { ok: false, reason: `region ${f.region.join(',')} is not inside the image` };
  const points = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const x = xy.readUInt16LE(4 * i) / KEYPOINT_SUBPIXEL;
    const y = xy.readUInt16LE(4 * i + 2) / KEYPOINT_SUBPIXEL;
    if (x > f.w || y > f.h) return { ok: false, reason: `keypoint ${i} (${x}, ${y}) is outside the ${f.w}×${f.h} crop` };
    points[2 * i] = x;
    points[2 * i + 1] = y;
  }
  return { ok: true, keypoints: { w: f.w, h: f.h, region: f.region, points, descriptors } };
}

export interface MatchOptions {
  /** Lowe's ratio: the best Hamming distance must be below this fraction of the second best. */
  ratio?: number;
  /** Distances above this many bits (of 256) are never a match. */
  maxDistance?: number;
  /** RANSAC tolerance in feature-crop px (the device's verification uses 8). */
  tolPx?: number;
}

/** One verified match: where it lies in each image (relative 0..1 of that image) and its Hamming distance. */
export interface KeypointMatch {
  a: [number, number];
  b: [number, number];
  distance: number;
}

export interface MatchResult {
  /** Keypoints in each crop. */
  counts: { a: number; b: number };
  /** Mutual nearest neighbours that pass the ratio test. */
  tentative: number;
  /** Those one affine map explains (the pairs to draw), best first. */
  inliers: KeypointMatch[];
}

/**
 * Which keypoints of two crops show the same spot: brute-force Hamming nearest neighbours both
 * ways, Lowe's ratio test, then the RANSAC affine fit the device's ReID uses. Crops of a few
 * hundred keypoints each take milliseconds.
 */
export function matchKeypoints(a: Keypoints, b: Keypoints, opts: MatchOptions = {}): MatchResult {
  const ratio = opts.ratio ?? 0.8;
  const maxDistance = opts.maxDistance ?? 80;
  const na = keypointCount(a);
  const nb = keypointCount(b);
  const A = words(a.descriptors);
  const B = words(b.descriptors);
  const bestOfB = new Int32Array(nb).fill(-1);
  const bestDistOfB = new Int32Array(nb).fill(1 << 30);
  const forward: { i: number; j: number; d: number }[] = [];
  for (let i = 0; i < na; i++) {
    let d1 = 1 << 30;
    let d2 = 1 << 30;
    let j1 = -1;
    for (let j = 0; j < nb; j++) {
      const d = hamming(A, i, B, j);
      if (d < d1) {
        d2 = d1;
        d1 = d;
        j1 = j;
      } else if (d < d2) d2 = d;
      if (d < (bestDistOfB[j] as number)) {
        bestDistOfB[j] = d;
        bestOfB[j] = i;
      }
    }
    if (j1 >= 0 && d1 <= maxDistance && d1 < ratio * d2) forward.push({ i, j: j1, d: d1 });
  }
  const mutual = forward.filter((m) => bestOfB[m.j] === m.i);
  const pairs: Correspondence[] = mutual.map((m) => ({
    gx: b.points[2 * m.j] as number,
    gy: b.points[2 * m.j + 1] as number,
    qx: a.points[2 * m.i] as number,
    qy: a.points[2 * m.i + 1] as number,
    w: 1 - m.d / 256,
  }));
  const fit = fitAffine(pairs, { tolPx: opts.tolPx ?? 8 });
  const inliers = fit.inlierIdx
    .map((k) => mutual[k] as { i: number; j: number; d: number })
    .sort((x, y) => x.d - y.d)
    .map((m) => ({ a: toImage(a, m.i), b: toImage(b, m.j), distance: m.d }));
  return { counts: { a: na, b: nb }, tentative: mutual.length, inliers };
}

/** A keypoint in relative coordinates of the image the features came with. */
function toImage(k: Keypoints, i: number): [number, number] {
  const [rx, ry, rw, rh] = k.region;
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return [round(rx + ((k.points[2 * i] as number) / k.w) * rw), round(ry + ((k.points[2 * i + 1] as number) / k.h) * rh)];
}

function words(d: Uint8Array): Uint32Array {
  const out = new Uint32Array(d.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = ((d[4 * i] as number) | ((d[4 * i + 1] as number) << 8) | ((d[4 * i + 2] as number) << 16) | ((d[4 * i + 3] as number) << 24)) >>> 0;
  return out;
}

function hamming(A: Uint32Array, i: number, B: Uint32Array, j: number): number {
  let n = 0;
  const oa = i * 8;
  const ob = j * 8;
  for (let k = 0; k < 8; k++) {
    let v = ((A[oa + k] as number) ^ (B[ob + k] as number)) >>> 0;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
