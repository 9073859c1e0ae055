export { decodeYolo } from './yolo.js';
export { decodeSoftmax, softmax, RANKS, type Rank, type Classification, type TaxonScore, type SoftmaxOptions } from './softmax.js';
export { decodeEmbedding, cosine } from './embedding.js';
export { iou, nms } from './nms.js';
export type { BBox, Detection } from './types.js';
export { decodeGfl, integral } from './gfl.js';
export { COCO_CATEGORIES, COCO_LABELS, COCO_TAXONOMY } from './coco.js';
export { detectionTaxon, type DetectionTaxonResult } from './taxon.js';
export { decodeEnd2End } from './end2end.js';
