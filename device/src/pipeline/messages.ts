/** Messages between the daemon and its inference worker thread (structured-cloned). */

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
  totalMs: number;
}

export type InferResult =
  | { ok: true; width: number; height: number; detections: FrameDetection[]; timings: StageTimings }
  | { ok: false; code: string; reason: string };

export type ToWorker = { type: 'init'; init: WorkerInit } | { type: 'infer'; id: number; job: InferJob } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; models: LoadedModelInfo[] }
  | { type: 'fatal'; code: string; message: string; hint?: string }
  | { type: 'result'; id: number; result: InferResult }
  | { type: 'closed' };
