import { createRequire } from 'node:module';

/** The slice of OpenCV.js (the WASM build in `@techstark/opencv-js`) that ReID uses. */
export interface CvMat {
  rows: number;
  cols: number;
  data: Uint8Array;
  delete(): void;
}
interface CvKeyPoint {
  pt: { x: number; y: number };
  response: number;
}
interface CvKeyPointVector {
  size(): number;
  get(i: number): CvKeyPoint;
  delete(): void;
}
interface CvOrb {
  setPatchSize(n: number): void;
  setFastThreshold(n: number): void;
  detectAndCompute(img: CvMat, mask: CvMat, kps: CvKeyPointVector, des: CvMat): void;
  delete(): void;
}
interface CvClahe {
  apply(src: CvMat, dst: CvMat): void;
  delete(): void;
}
export interface Cv {
  Mat: new (rows?: number, cols?: number, type?: number) => CvMat;
  Size: new (w: number, h: number) => unknown;
  KeyPointVector: new () => CvKeyPointVector;
  ORB: new (nfeatures: number, scaleFactor: number, nlevels: number, edgeThreshold: number, firstLevel: number, WTA_K: number) => CvOrb;
  CLAHE: new (clipLimit: number, tileGridSize: unknown) => CvClahe;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  cvtColor(src: CvMat, dst: CvMat, code: number): void;
  resize(src: CvMat, dst: CvMat, size: unknown, fx: number, fy: number, interpolation: number): void;
  CV_8UC1: number;
  CV_8UC3: number;
  COLOR_RGB2GRAY: number;
  INTER_AREA: number;
}

let loading: Promise<{ cv: Cv }> | null = null;

/**
 * OpenCV.js, initialised once per thread (~0.25 s, ~10 MB of WASM). The Emscripten module
 * is thenable in some builds, so it is wrapped in an object: awaiting it directly can loop.
 */
export function loadOpenCv(): Promise<{ cv: Cv }> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // The Emscripten glue installs process-wide uncaughtException/unhandledRejection handlers
    // (the latter aborts); the daemon keeps its own, so they are taken off again.
    const before = { u: process.listeners('uncaughtException'), r: process.listeners('unhandledRejection') };
    let mod = require('@techstark/opencv-js') as unknown;
    for (const l of process.listeners('uncaughtException')) if (!before.u.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.r.includes(l)) process.off('unhandledRejection', l);
    if (mod instanceof Promise) mod = (await mod) as unknown;
    const m = mod as Cv & { onRuntimeInitialized?: () => void };
    if (typeof (m as Partial<Cv>).Mat !== 'function') {
      await new Promise<void>((resolve) => {
        m.onRuntimeInitialized = resolve;
      });
    }
    return { cv: m };
  })();
  return loading;
}
