export { ModelErrors } from './errors.js';
export {
  Category,
  EmbeddingOutput,
  InputSpec,
  Manifest,
  ModelEntry,
  OutputSpec,
  SoftmaxOutput,
  YoloOutput,
  bundledManifestPath,
  loadManifest,
  parseManifest,
} from './manifest.js';
export { loadModel, type LoadOptions, type LoadedModel, type OutputTensor, type ProviderConfig } from './session.js';
export { cropResize, letterbox, toTensor, type LetterboxTransform, type Prepared, type RawImage } from './preprocess.js';
export {
  RANKS,
  cosine,
  decodeEmbedding,
  decodeSoftmax,
  decodeYolo,
  iou,
  nms,
  softmax,
  type BBox,
  type Classification,
  type Detection,
  type Rank,
  type SoftmaxOptions,
  type TaxonScore,
} from './decoders/index.js';
export { Classifier, Detector, Embedder, type Timings } from './runners.js';
export { silentLogger, type Logger } from './logger.js';
export { sha256File } from './sha.js';
