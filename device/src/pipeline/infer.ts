import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Classifier, Detector, Embedder, bundledManifestPath, loadManifest, type Manifest, type ModelEntry, type RawImage } from '@spoor/models';
import { isSpoorError } from '@spoor/protocol';
import { DeviceErrors } from '../errors.js';
import { decodeImage } from '../ingest/image.js';
import type { FrameDetection, InferJob, InferResult, LoadedModelInfo, StageTimings, WorkerInit } from './messages.js';

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
  ) {}

  static async create(init: WorkerInit): Promise<FrameInference> {
    const manifestPath = init.manifest ?? bundledManifestPath();
    const manifest = loadManifest(manifestPath);
    const opts = { modelDir: dirname(manifestPath), providers: [...init.providers], ...(init.threads > 0 ? { threads: init.threads } : {}) };
    const detector = await Detector.create(entry(manifest, init.detector, 'detector'), opts as never);
    const classifier = init.classifier ? await Classifier.create(entry(manifest, init.classifier, 'classifier'), opts as never) : null;
    const embedder = init.embedder ? await Embedder.create(entry(manifest, init.embedder, 'embedder'), opts as never) : null;
    return new FrameInference(init, detector, classifier, embedder);
  }

  models(): LoadedModelInfo[] {
    return [this.detector, this.classifier, this.embedder]
      .filter((r): r is NonNullable<typeof r> => r !== null)
      .map((r) => ({ id: r.model.entry.id, provider: r.model.provider, skipped: r.model.skipped.map((s) => ({ ...s })) }));
  }

  async run(job: InferJob): Promise<InferResult> {
    const t0 = performance.now();
    let img: RawImage;
    try {
      img = await decodeImage(await readFile(job.blobPath), { maxInputPixels: this.init.maxInputPixels });
    } catch (err) {
      if (isSpoorError(err)) return { ok: false, code: err.code, reason: err.message };
      const e = DeviceErrors.SPOOR_E_IMAGE_DECODE((err as Error).message);
      return { ok: false, code: e.code, reason: e.message };
    }
    const timings: StageTimings = { decodeMs: performance.now() - t0, detectPreMs: 0, detectRunMs: 0, detectPostMs: 0, classifyPreMs: 0, classifyRunMs: 0, embedPreMs: 0, embedRunMs: 0, totalMs: 0 };

    const det = await this.detector.detect(img);
    timings.detectPreMs = det.timings.preprocessMs;
    timings.detectRunMs = det.timings.runMs;
    timings.detectPostMs = det.timings.postprocessMs;

    const detections: FrameDetection[] = [];
    for (const d of det.detections) {
      if (d.confidence < this.init.minDetectionConfidence) continue;
      const out: FrameDetection = { category: d.category, label: d.label, bbox: [...d.bbox], confidence: d.confidence, taxon: null, top: null, embedding: null };
      if (d.category === 'animal') await this.describeAnimal(img, out, timings);
      detections.push(out);
    }
    if (job.mode === 'enroll' && !detections.some((d) => d.embedding)) {
      const whole: FrameDetection = { category: 'animal', label: 'frame', bbox: [...WHOLE_FRAME], confidence: 0, taxon: null, top: null, embedding: null };
      await this.embed(img, whole, timings);
      if (whole.embedding) detections.push(whole);
    }
    timings.totalMs = performance.now() - t0;
    return { ok: true, width: img.width, height: img.height, detections, timings };
  }

  private async describeAnimal(img: RawImage, d: FrameDetection, timings: StageTimings): Promise<void> {
    if (this.classifier) {
      const c = await this.classifier.classify(img, d.bbox, { topK: this.init.topK, ...(this.init.speciesAllowList ? { allowList: [...this.init.speciesAllowList] } : {}) });
      timings.classifyPreMs += c.timings.preprocessMs;
      timings.classifyRunMs += c.timings.runMs;
      d.taxon = { label: c.taxon.label, rank: c.taxon.rank, p: c.taxon.p };
      d.top = c.top.map((t) => ({ label: t.label, p: t.p }));
    }
    const species = d.taxon?.rank === 'species' ? d.taxon.label : null;
    const reidOn = this.init.reidSpecies.includes('*') || (species !== null && this.init.reidSpecies.includes(species));
    if (reidOn) await this.embed(img, d, timings);
  }

  private async embed(img: RawImage, d: FrameDetection, timings: StageTimings): Promise<void> {
    if (!this.embedder) return;
    const e = await this.embedder.embed(img, d.bbox);
    timings.embedPreMs += e.timings.preprocessMs;
    timings.embedRunMs += e.timings.runMs;
    d.embedding = e.vector;
  }

  async release(): Promise<void> {
    await Promise.all([this.detector.release(), this.classifier?.release(), this.embedder?.release()]);
  }
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
