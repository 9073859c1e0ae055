import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ModelErrors } from './errors.js';

const Triple = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);

export const Category = Type.Union([Type.Literal('animal'), Type.Literal('person'), Type.Literal('vehicle')]);
export type Category = Static<typeof Category>;

export const InputSpec = Type.Object(
  {
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    layout: Type.Union([Type.Literal('NCHW'), Type.Literal('NHWC')]),
    channels: Type.Union([Type.Literal('RGB'), Type.Literal('BGR')]),
    /** Applied to pixel/255: (pixel/255 - mean) / std. Ignored for uint8. */
    mean: Triple,
    std: Triple,
    letterbox: Type.Boolean(),
    padValue: Type.Integer({ minimum: 0, maximum: 255 }),
    dtype: Type.Union([Type.Literal('float32'), Type.Literal('uint8')]),
  },
  { additionalProperties: false },
);
export type InputSpec = Static<typeof InputSpec>;

export const YoloOutput = Type.Object(
  {
    decoder: Type.Literal('yolo'),
    /** yolov5: [1, N, 5+C] (cx, cy, w, h, obj, cls...); yolov8: [1, 4+C, N] (cx, cy, w, h, cls...). */
    format: Type.Union([Type.Literal('yolov5'), Type.Literal('yolov8')]),
    labels: Type.Array(Type.String(), { minItems: 1 }),
    categories: Type.Record(Type.String(), Category),
    scoreThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    iouThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    maxDetections: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type YoloOutput = Static<typeof YoloOutput>;

export const SoftmaxOutput = Type.Object(
  {
    decoder: Type.Literal('softmax'),
    labels: Type.Array(Type.String(), { minItems: 1 }),
    /** Lineage upward per label, e.g. [genus, family, order, class]. */
    taxonomy: Type.Record(Type.String(), Type.Array(Type.String())),
    /** true: the model outputs logits and the decoder applies softmax. */
    logits: Type.Boolean(),
    topK: Type.Integer({ minimum: 1 }),
    rollupThreshold: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type SoftmaxOutput = Static<typeof SoftmaxOutput>;

export const EmbeddingOutput = Type.Object(
  { decoder: Type.Literal('embedding'), dim: Type.Integer({ minimum: 1 }), normalize: Type.Boolean() },
  { additionalProperties: false },
);
export type EmbeddingOutput = Static<typeof EmbeddingOutput>;

/** A coarse taxon for a detector label (used when no classifier is configured). */
export const DetectionTaxon = Type.Object(
  {
    label: Type.String({ minLength: 1 }),
    rank: Type.String({ minLength: 1 }),
    /** Lineage upward, e.g. [family, order, class] for a genus. */
    lineage: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type DetectionTaxon = Static<typeof DetectionTaxon>;

export const GflOutput = Type.Object(
  {
    decoder: Type.Literal('gfl'),
    /**
     * NanoDet / GFL head, one pair of outputs per stride: class scores [1, N, C] (already
     * sigmoid-ed) and box distributions [1, N, 4 * (regMax + 1)] (left, top, right, bottom),
     * N = (input / stride)^2, cells row-major; matched to strides by shape, not by name.
     */
    strides: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }),
    regMax: Type.Integer({ minimum: 1 }),
    labels: Type.Array(Type.String(), { minItems: 1 }),
    /** Labels missing here are not reported (e.g. COCO's chairs and cups). */
    categories: Type.Record(Type.String(), Category),
    scoreThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    iouThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    maxDetections: Type.Integer({ minimum: 1 }),
    taxonomy: Type.Optional(Type.Record(Type.String(), DetectionTaxon)),
  },
  { additionalProperties: false },
);
export type GflOutput = Static<typeof GflOutput>;

/** NMS-free detector head (YOLOv10): [1, K, 6] = x1, y1, x2, y2 (input pixels), score, class. */
export const End2EndOutput = Type.Object(
  {
    decoder: Type.Literal('yolo-end2end'),
    labels: Type.Array(Type.String(), { minItems: 1 }),
    categories: Type.Record(Type.String(), Category),
    scoreThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    maxDetections: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export type End2EndOutput = Static<typeof End2EndOutput>;

export const OutputSpec = Type.Union([YoloOutput, SoftmaxOutput, EmbeddingOutput, GflOutput, End2EndOutput]);
export type OutputSpec = Static<typeof OutputSpec>;

export const ModelEntry = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    task: Type.Union([Type.Literal('detector'), Type.Literal('classifier'), Type.Literal('embedder')]),
    /** Relative to the manifest's folder. */
    file: Type.String({ minLength: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    license: Type.String(),
    url: Type.Optional(Type.String()),
    input: InputSpec,
    output: OutputSpec,
  },
  { additionalProperties: false },
);
export type ModelEntry = Static<typeof ModelEntry>;

export const Manifest = Type.Object(
  { v: Type.Literal(1), models: Type.Array(ModelEntry) },
  { additionalProperties: false },
);
export type Manifest = Static<typeof Manifest>;

/** Validate a parsed manifest; throws SPOOR_E_MANIFEST_INVALID naming the first bad JSON path. */
export function parseManifest(json: unknown, source = 'manifest'): Manifest {
  if (Value.Check(Manifest, json)) return json;
  const first = Value.Errors(Manifest, json).First();
  const where = first ? first.path || '/' : '/';
  throw ModelErrors.SPOOR_E_MANIFEST_INVALID(`${source} at ${where}: ${first?.message ?? 'does not match the schema'}`);
}

/** Read and validate a manifest file. */
export function loadManifest(path: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw ModelErrors.SPOOR_E_MANIFEST_INVALID(`${path} at /: ${(cause as Error).message}`, { cause });
  }
  return parseManifest(json, path);
}

/** Absolute path of the bundled test-model manifest (works from src/ and dist/). */
export function bundledManifestPath(): string {
  return fileURLToPath(new URL('../assets/test/manifest.json', import.meta.url));
}

/** Written in a field manifest where the publisher gives no sha256: pinned on first download. */
export const PIN_ON_FIRST_DOWNLOAD = 'pin-on-first-download';

/** A classifier whose labels and taxonomy live in a side file (SpeciesNet: >2000 labels). */
export const LabelsFileSoftmax = Type.Object(
  {
    decoder: Type.Literal('softmax'),
    /** Relative to the model file's folder; one label per line (SpeciesNet's `uuid;class;order;family;genus;species;common name`). */
    labelsFile: Type.String({ minLength: 1 }),
    logits: Type.Boolean(),
    topK: Type.Integer({ minimum: 1 }),
    rollupThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    /** How the deployment's allow-list is applied (SpeciesNet: the country filter). */
    allowList: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** An optional, downloadable model: like ModelEntry, but the sha256 may be pinned on first download. */
export const FieldEntry = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    task: Type.Union([Type.Literal('detector'), Type.Literal('classifier'), Type.Literal('embedder')]),
    file: Type.String({ minLength: 1 }),
    sha256: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Literal(PIN_ON_FIRST_DOWNLOAD)]),
    license: Type.String({ minLength: 1 }),
    url: Type.String({ minLength: 1 }),
    /** What the url serves when it is not the ONNX file itself (e.g. a PyTorch checkpoint to export). */
    source: Type.Optional(Type.String()),
    input: InputSpec,
    output: Type.Union([OutputSpec, LabelsFileSoftmax]),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type FieldEntry = Static<typeof FieldEntry>;

export const FieldManifest = Type.Object({ v: Type.Literal(1), models: Type.Array(FieldEntry) }, { additionalProperties: false });
export type FieldManifest = Static<typeof FieldManifest>;

/** Read and validate a field manifest (models/assets/field/manifest.json). */
export function loadFieldManifest(path: string): FieldManifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw ModelErrors.SPOOR_E_MANIFEST_INVALID(`${path} at /: ${(cause as Error).message}`, { cause });
  }
  if (Value.Check(FieldManifest, json)) return json;
  const first = Value.Errors(FieldManifest, json).First();
  throw ModelErrors.SPOOR_E_MANIFEST_INVALID(`${path} at ${first?.path || '/'}: ${first?.message ?? 'does not match the schema'}`);
}

/** Absolute path of the bundled field-model manifest (not installed by default). */
export function fieldManifestPath(): string {
  return fileURLToPath(new URL('../assets/field/manifest.json', import.meta.url));
}
