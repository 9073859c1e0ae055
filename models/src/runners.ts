import { ModelErrors } from './errors.js';
import { decodeEmbedding, decodeEnd2End, decodeGfl, decodeSoftmax, decodeYolo, type BBox, type Classification, type Detection, type SoftmaxOptions } from './decoders/index.js';
import type { EmbeddingOutput, End2EndOutput, GflOutput, ModelEntry, SoftmaxOutput, YoloOutput } from './manifest.js';
import { cropResize, fitSize, letterbox, type RawImage } from './preprocess.js';
import { loadModel, type LoadedModel, type LoadOptions, type OutputTensor } from './session.js';

export interface Timings {
  preprocessMs: number;
  runMs: number;
  postprocessMs: number;
}

function firstOutput(model: LoadedModel, out: Record<string, OutputTensor>): OutputTensor {
  const name = model.outputNames[0];
  const t = name === undefined ? undefined : out[name];
  if (t === undefined) throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`${model.entry.id}: no output tensor`);
  return t;
}

function expectDecoder<D extends ModelEntry['output']['decoder']>(entry: ModelEntry, decoder: D): Extract<ModelEntry['output'], { decoder: D }> {
  if (entry.output.decoder !== decoder) {
    throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`${entry.id} has decoder '${entry.output.decoder}', expected '${decoder}'`);
  }
  return entry.output as Extract<ModelEntry['output'], { decoder: D }>;
}

async function timed<T>(model: LoadedModel, prep: () => Promise<{ tensor: Float32Array | Uint8Array; dims: number[] }>, decode: (out: OutputTensor) => T): Promise<{ result: T; timings: Timings }> {
  const t0 = performance.now();
  const { tensor, dims } = await prep();
  const t1 = performance.now();
  const out = firstOutput(model, await model.run(tensor, dims));
  const t2 = performance.now();
  const result = decode(out);
  const t3 = performance.now();
  return { result, timings: { preprocessMs: t1 - t0, runMs: t2 - t1, postprocessMs: t3 - t2 } };
}

/** Letterbox -> detector -> YOLO decode with NMS; boxes relative to the source image. */
export class Detector {
  private constructor(
    readonly model: LoadedModel,
    private readonly spec: YoloOutput | GflOutput | End2EndOutput,
  ) {}

  static async create(entry: ModelEntry, opts: LoadOptions): Promise<Detector> {
    const spec = entry.output.decoder === 'gfl' || entry.output.decoder === 'yolo-end2end' ? entry.output : expectDecoder(entry, 'yolo');
    return new Detector(await loadModel(entry, opts), spec);
  }

  /**
   * The size a `width`×`height` frame is resized to inside the detector input. A frame
   * decoded straight to this size is detected without a resize, with the same boxes.
   */
  inputSize(width: number, height: number): { width: number; height: number } {
    return fitSize(width, height, this.model.entry.input);
  }

  /** `img` may be the full frame or the frame already resized to `inputSize`. */
  async detect(img: RawImage): Promise<{ detections: Detection[]; timings: Timings }> {
    const t0 = performance.now();
    const { tensor, dims, transform } = await letterbox(img, this.model.entry.input);
    const t1 = performance.now();
    const out = await this.model.run(tensor, dims);
    const t2 = performance.now();
    let detections: Detection[];
    switch (this.spec.decoder) {
      case 'gfl':
        detections = decodeGfl(Object.values(out), transform, this.spec, this.model.entry.input);
        break;
      case 'yolo-end2end':
        detections = decodeEnd2End(firstOutput(this.model, out), transform, this.spec);
        break;
      case 'yolo':
        detections = decodeYolo(firstOutput(this.model, out), transform, this.spec);
        break;
    }
    const t3 = performance.now();
    return { detections, timings: { preprocessMs: t1 - t0, runMs: t2 - t1, postprocessMs: t3 - t2 } };
  }

  release(): Promise<void> {
    return this.model.release();
  }
}

/** Crop -> classifier -> softmax with allow-list and taxonomic rollup. */
export class Classifier {
  private constructor(
    readonly model: LoadedModel,
    private readonly spec: SoftmaxOutput,
  ) {}

  static async create(entry: ModelEntry, opts: LoadOptions): Promise<Classifier> {
    const spec = expectDecoder(entry, 'softmax');
    return new Classifier(await loadModel(entry, opts), spec);
  }

  async classify(img: RawImage, bbox: BBox, opts: SoftmaxOptions = {}): Promise<Classification & { timings: Timings }> {
    const { result, timings } = await timed(
      this.model,
      () => cropResize(img, bbox, this.model.entry.input),
      (out) => decodeSoftmax(out, this.spec, opts),
    );
    return { ...result, timings };
  }

  release(): Promise<void> {
    return this.model.release();
  }
}

/** Crop -> embedder -> (normalised) vector for re-identification. */
export class Embedder {
  private constructor(
    readonly model: LoadedModel,
    private readonly spec: EmbeddingOutput,
  ) {}

  static async create(entry: ModelEntry, opts: LoadOptions): Promise<Embedder> {
    const spec = expectDecoder(entry, 'embedding');
    return new Embedder(await loadModel(entry, opts), spec);
  }

  async embed(img: RawImage, bbox: BBox): Promise<{ vector: Float32Array; timings: Timings }> {
    const { result, timings } = await timed(
      this.model,
      () => cropResize(img, bbox, this.model.entry.input),
      (out) => decodeEmbedding(out, this.spec),
    );
    return { vector: result, timings };
  }

  release(): Promise<void> {
    return this.model.release();
  }
}
