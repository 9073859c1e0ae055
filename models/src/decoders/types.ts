import type { Category } from '../manifest.js';
import type { OutputTensor } from '../session.js';

export type BBox = [x: number, y: number, w: number, h: number];

export interface Detection {
  category: Category;
  label: string;
  /** Relative to the source image, [x, y, w, h] in 0..1 (Camtrap DP convention). */
  bbox: BBox;
  confidence: number;
}

export type { OutputTensor };
