export { decodeYolo } from './yolo.js';
export { decodeSoftmax, softmax, RANKS, type Rank, type Classification, type TaxonScore, type SoftmaxOptions } from './softmax.js';
export { decodeEmbedding, cosine } from './embedding.js';
export { iou, nms } from './nms.js';
export type { BBox, Detection } from './types.js';
