import type { Category, DetectionTaxon } from '../manifest.js';

/** The 80 COCO classes in the order COCO-trained detectors (NanoDet, YOLO) emit them. */
export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;

/**
 * COCO -> MegaDetector categories. Every other COCO class (furniture, food, sports gear...)
 * is not reported by a camera-trap detector.
 */
export const COCO_CATEGORIES: Readonly<Record<string, Category>> = {
  person: 'person',
  bicycle: 'vehicle',
  car: 'vehicle',
  motorcycle: 'vehicle',
  airplane: 'vehicle',
  bus: 'vehicle',
  train: 'vehicle',
  truck: 'vehicle',
  boat: 'vehicle',
  bird: 'animal',
  cat: 'animal',
  dog: 'animal',
  horse: 'animal',
  sheep: 'animal',
  cow: 'animal',
  elephant: 'animal',
  bear: 'animal',
  zebra: 'animal',
  giraffe: 'animal',
};

/**
 * The taxon each COCO animal class really denotes. COCO classes are coarse, so the rank is
 * as broad as the class: "bird" is the class Aves, "bear" the family Ursidae, while "horse"
 * and "zebra" share the genus Equus (a zebra is not one species). Lineage runs upward.
 */
export const COCO_TAXONOMY: Readonly<Record<string, DetectionTaxon>> = {
  bird: { label: 'Aves', rank: 'class', lineage: [] },
  cat: { label: 'Felidae', rank: 'family', lineage: ['Carnivora', 'Mammalia'] },
  dog: { label: 'Canidae', rank: 'family', lineage: ['Carnivora', 'Mammalia'] },
  horse: { label: 'Equus', rank: 'genus', lineage: ['Equidae', 'Perissodactyla', 'Mammalia'] },
  sheep: { label: 'Ovis', rank: 'genus', lineage: ['Bovidae', 'Artiodactyla', 'Mammalia'] },
  cow: { label: 'Bos', rank: 'genus', lineage: ['Bovidae', 'Artiodactyla', 'Mammalia'] },
  elephant: { label: 'Elephantidae', rank: 'family', lineage: ['Proboscidea', 'Mammalia'] },
  bear: { label: 'Ursidae', rank: 'family', lineage: ['Carnivora', 'Mammalia'] },
  zebra: { label: 'Equus', rank: 'genus', lineage: ['Equidae', 'Perissodactyla', 'Mammalia'] },
  giraffe: { label: 'Giraffa', rank: 'genus', lineage: ['Giraffidae', 'Artiodactyla', 'Mammalia'] },
};
