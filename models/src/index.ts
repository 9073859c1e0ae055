export { ModelErrors } from './errors.js';
export {
  Category,
  DetectionTaxon,
  EmbeddingOutput,
  End2EndOutput,
  FieldEntry,
  FieldManifest,
  GflOutput,
  InputSpec,
  Manifest,
  ModelEntry,
  OutputSpec,
  SoftmaxOutput,
  YoloOutput,
  PIN_ON_FIRST_DOWNLOAD,
  bundledManifestPath,
  fieldManifestPath,
  loadFieldManifest,
  loadManifest,
  parseManifest,
} from './manifest.js';
export { loadModel, type LoadOptions, type LoadedModel, type OutputTensor, type ProviderConfig } from './session.js';
export { cropResize, letterbox, toTensor, type LetterboxTransform, type Prepared, type RawImage } from './preprocess.js';
export {
  COCO_CATEGORIES,
  COCO_LABELS,
  COCO_TAXONOMY,
  RANKS,
  cosine,
  decodeEmbedding,
  decodeEnd2End,
  decodeGfl,
  detectionTaxon,
  decodeSoftmax,
  decodeYolo,
  iou,
  nms,
  softmax,
  type BBox,
  type Classification,
  type Detection,
  type DetectionTaxonResult,
  type Rank,
  type SoftmaxOptions,
  type TaxonScore,
} from './decoders/index.js';
export { Classifier, Detector, Embedder, type Timings } from './runners.js';
export { silentLogger, type Logger } from './logger.js';
export { sha256File } from './sha.js';
export { buildDefaultModels, defaultManifestPath, defaultModelsDir, ensureDefaultModels, nanodetEntry } from './convert/defaults.js';
export { convertTfjs, type ConvertResult } from './convert/tfjs.js';
export { addModel, fetchModel, fieldModelsDir, type AddResult, type FetchOptions } from './convert/catalog.js';
