/** Messages between the daemon and its inference worker thread (structured-cloned). */
import type { LocalFeatures } from '../reid/features.js';

export interface WorkerInit {
  manifest: string | null;
  detector: string;
  classifier: string | null;
  embedder: string | null;
  /** In order of preference; TensorRT carries its engine cache and precision. */
  providers: readonly (string | { name: string; engineCacheDir?: string; fp16?: boolean })[];
  threads: number;
  maxInputPixels: number;
  minDetectionConfidence: number;
  topK: number;
  speciesAllowList: readonly string[] | null;
  reidSpecies: readonly string[];
  /** ORB keypoints per animal crop for local-feature ReID; absent means on with the defaults, null off. */
  localFeatures?: { maxKeypoints: number } | null;
}

export interface LoadedModelInfo {
  id: string;
  provider: string;
  skipped: { provider: string; reason: string }[];
}

export interface InferJob {
  blobPath: string;
  /** `enroll`: always embed the main animal (or the whole frame if none is found). */
  mode: 'sighting' | 'enroll';
}

export interface FrameDetection {
  category: string;
  label: string;
  bbox: [number, number, number, number];
  confidence: number;
  taxon: { label: string; rank: string; p: number } | null;
  top: { label: string; p: number }[] | null;
  embedding: Float32Array | null;
  /** Local features of the crop (keypoints in crop pixels, n×32-byte ORB descriptors). */
  features?: LocalFeatures | null;
}

export interface StageTimings {
  decodeMs: number;
  detectPreMs: number;
  detectRunMs: number;
  detectPostMs: number;
  classifyPreMs: number;
  classifyRunMs: number;
  embedPreMs: number;
  embedRunMs: number;
  /** ORB keypoints + descriptors of the animal crops. */
  featuresMs?: number;
  totalMs: number;
}

export type InferResult =
  | { ok: true; width: number; height: number; detections: FrameDetection[]; timings: StageTimings }
  | { ok: false; code: string; reason: string };

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'infer'; id: number; job: InferJob }
  | { type: 'close' }
  /** Liveness probe for the systemd watchdog; answered with `pong` at once. */
  | { type: 'ping'; id: number }
  /** Test hook (honoured only with SPOOR_TEST_HOOKS=1): busy-loop forever, as a wedged native call would. */
  | { type: 'hang' };

export type FromWorker =
  | { type: 'ready'; models: LoadedModelInfo[] }
  | { type: 'fatal'; code: string; message: string; hint?: string }
  | { type: 'result'; id: number; result: InferResult }
  | { type: 'closed' }
  | { type: 'pong'; id: number };
