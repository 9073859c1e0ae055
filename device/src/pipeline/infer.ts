import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { Classifier, Detector, Embedder, bundledManifestPath, loadManifest, type Manifest, type ModelEntry, type RawImage, detectionTaxon } from '@spoor/models';
import { isSpoorError } from '@spoor/protocol';
import { DeviceErrors } from '../errors.js';
import { extractFeatures } from '../reid/features.js';
import { loadOpenCv, type Cv } from '../reid/opencv.js';
import { decodeImage, decodeImageResized, type ResizedImage } from '../ingest/image.js';
import type { FrameDetection, InferJob, InferResult, LoadedModelInfo, StageTimings, WorkerInit } from './messages.js';

/** ORB keypoints per crop when the config does not say: ~10–20 ms per crop on one core. */
const DEFAULT_MAX_KEYPOINTS = 400;
const WHOLE_FRAME: [number, number, number, number] = [0, 0, 1, 1];

/**
 * One frame through the models: decode → detect → for each animal, classify → embed.
 * Runs inside the worker thread (and in-process for the benchmark). Expected failures (a
 * corrupt image) come back as `{ ok: false, code }`; they never throw.
 */
export class FrameInference {
  private constructor(
    private readonly init: WorkerInit,
    private readonly detector: Detector,
    private readonly classifier: Classifier | null,
    private readonly embedder: Embedder | null,
    private readonly cv: Cv | null,
  ) {}

  static async create(init: WorkerInit): Promise<FrameInference> {
    // Each file is decoded once, so libvips' operation cache only holds memory; one libvips
    // thread per image leaves the other cores to ONNX Runtime.
    sharp.cache(false);
    sharp.concurrency(1);
    const manifestPath = init.manifest ?? bundledManifestPath();
    const manifest = loadManifest(manifestPath);
    const opts = { modelDir: dirname(manifestPath), providers: [...init.providers], threads: init.threads > 0 ? init.threads : defaultThreads() };
    const detector = await Detector.create(entry(manifest, init.detector, 'detector'), opts as never);
    const classifier = init.classifier ? await Classifier.create(entry(manifest, init.classifier, 'classifier'), opts as never) : null;
    const embedder = init.embedder ? await Embedder.create(entry(manifest, init.embedder, 'embedder'), opts as never) : null;
    const cv = init.localFeatures === null ? null : (await loadOpenCv()).cv;
    return new FrameInference(init, detector, classifier, embedder, cv);
  }

  models(): LoadedModelInfo[] {
    return [this.detector, this.classifier, this.embedder]
      .filter((r): r is NonNullable<typeof r> => r !== null)
      .map((r) => ({ id: r.model.entry.id, provider: r.model.provider, skipped: r.model.skipped.map((s) => ({ ...s })) }));
  }

  async run(job: InferJob): Promise<InferResult> {
    const t0 = performance.now();
    const limits = { maxInputPixels: this.init.maxInputPixels };
    let bytes: Buffer;
    let small: ResizedImage;
    try {
      bytes = await readFile(job.blobPath);
      // The detector's input straight from the encoded bytes; full resolution only for crops.
      small = await decodeImageResized(bytes, limits, (w, h) => this.detector.inputSize(w, h));
    } catch (err) {
      return failed(err);
    }
    const timings: StageTimings = { decodeMs: performance.now() - t0, detectPreMs: 0, detectRunMs: 0, detectPostMs: 0, classifyPreMs: 0, classifyRunMs: 0, embedPreMs: 0, embedRunMs: 0, totalMs: 0 };
    const full = lazyDecode(bytes, limits, timings);
    const frame = full.get;

    const det = await this.detector.detect(small.image);
    timings.detectPreMs = det.timings.preprocessMs;
    timings.detectRunMs = det.timings.runMs;
    timings.detectPostMs = det.timings.postprocessMs;

    try {
      const detections: FrameDetection[] = [];
      for (const d of det.detections) {
        if (d.confidence < this.init.minDetectionConfidence) continue;
        const out: FrameDetection = { category: d.category, label: d.label, bbox: [...d.bbox], confidence: d.confidence, taxon: null, top: null, embedding: null };
        if (d.category === 'animal') await this.describeAnimal(frame, out, timings);
        detections.push(out);
      }
      if (job.mode === 'enroll' && !detections.some((d) => d.embedding || d.features)) {
        const whole: FrameDetection = { category: 'animal', label: 'frame', bbox: [...WHOLE_FRAME], confidence: 0, taxon: null, top: null, embedding: null };
        await this.embed(frame, whole, timings);
        await this.describeLocal(frame, whole, timings);
        if (whole.embedding || whole.features) detections.push(whole);
      }
      timings.totalMs = performance.now() - t0;
      return { ok: true, width: small.width, height: small.height, detections, timings };
    } catch (err) {
      // Only the full-resolution decode throws image codes here; anything else is a real fault.
      if (full.failed) return failed(err);
      throw err;
    }
  }

  private async describeAnimal(frame: () => Promise<RawImage>, d: FrameDetection, timings: StageTimings): Promise<void> {
    if (this.classifier) {
      const c = await this.classifier.classify(await frame(), d.bbox, { topK: this.init.topK, ...(this.init.speciesAllowList ? { allowList: [...this.init.speciesAllowList] } : {}) });
      timings.classifyPreMs += c.timings.preprocessMs;
      timings.classifyRunMs += c.timings.runMs;
      d.taxon = { label: c.taxon.label, rank: c.taxon.rank, p: c.taxon.p };
      d.top = c.top.map((t) => ({ label: t.label, p: t.p }));
    } else {
      // No classifier: the detector's own class is the (coarse) taxon, e.g. COCO "zebra" → Equus.
      const t = detectionTaxon(this.detector.model.entry.output, d.label, d.confidence);
      if (t) d.taxon = { label: t.label, rank: t.rank, p: t.p };
    }
    const species = d.taxon?.rank === 'species' ? d.taxon.label : null;
    const reidOn = this.init.reidSpecies.includes('*') || (species !== null && this.init.reidSpecies.includes(species));
    if (reidOn) {
      await this.embed(frame, d, timings);
      await this.describeLocal(frame, d, timings);
    }
  }

  /** ORB keypoints and descriptors of the crop, for local-feature ReID. */
  private async describeLocal(frame: () => Promise<RawImage>, d: FrameDetection, timings: StageTimings): Promise<void> {
    if (!this.cv) return;
    const img = await frame();
    const t = performance.now();
    d.features = extractFeatures(this.cv, img, d.bbox, { maxKeypoints: this.init.localFeatures?.maxKeypoints ?? DEFAULT_MAX_KEYPOINTS });
    timings.featuresMs = (timings.featuresMs ?? 0) + performance.now() - t;
  }

  private async embed(frame: () => Promise<RawImage>, d: FrameDetection, timings: StageTimings): Promise<void> {
    if (!this.embedder) return;
    const e = await this.embedder.embed(await frame(), d.bbox);
    timings.embedPreMs += e.timings.preprocessMs;
    timings.embedRunMs += e.timings.runMs;
    d.embedding = e.vector;
  }

  async release(): Promise<void> {
    await Promise.all([this.detector.release(), this.classifier?.release(), this.embedder?.release()]);
  }
}

/**
 * ONNX Runtime intra-op threads when the config leaves it to us: one core fewer than the
 * machine has. session.run blocks this thread, and the next frame is decoded (in libvips)
 * meanwhile; ORT's spinning pool on every core starves that decode and, on a 2-core trap,
 * doubles the CPU spent per frame for no faster inference.
 */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The full-resolution frame, decoded on first use: most trap frames have nothing to crop. */
function lazyDecode(bytes: Buffer, limits: { maxInputPixels: number }, timings: StageTimings): { get: () => Promise<RawImage>; failed: boolean } {
  let pending: Promise<RawImage> | null = null;
  const state = {
    failed: false,
    get: (): Promise<RawImage> => {
      pending ??= (async () => {
        const t = performance.now();
        try {
          return await decodeImage(bytes, limits);
        } catch (err) {
          state.failed = true;
          throw err;
        } finally {
          timings.decodeMs += performance.now() - t;
        }
      })();
      return pending;
    },
  };
  return state;
}

/** A frame that cannot be decoded is an expected outcome with its image code, not a throw. */
function failed(err: unknown): InferResult {
  if (isSpoorError(err)) return { ok: false, code: err.code, reason: err.message };
  const e = DeviceErrors.SPOOR_E_IMAGE_DECODE((err as Error).message);
  return { ok: false, code: e.code, reason: e.message };
}

function entry(manifest: Manifest, id: string, task: ModelEntry['task']): ModelEntry {
  const found = manifest.models.find((m) => m.id === id);
  if (!found) {
    throw DeviceErrors.SPOOR_E_CONFIG_INVALID(`/models: no ${task} "${id}" in the manifest`, {
      hint: `Known models: ${manifest.models.map((m) => m.id).join(', ')}. Run \`spoor-models list\`.`,
    });
  }
  if (found.task !== task) throw DeviceErrors.SPOOR_E_CONFIG_INVALID(`/models: "${id}" is a ${found.task}, not a ${task}`);
  return found;
}
