/**
 * JPEGs for the hub, made with sharp from a stored capture blob: a crop per detection
 * (`crops` bandwidth) and the downscaled frame (`full`). Person boxes are blurred in the
 * decoded frame first, so no crop or frame that leaves the device shows a person sharply.
 */
import sharp from 'sharp';

/** Relative x, y, w, h in 0..1 (as detections store them). */
export type RelBox = readonly [number, number, number, number];

export interface RenderSettings {
  /** Longest side of a crop, px. */
  cropMaxSide: number;
  /** Longest side of a frame, px. */
  frameMaxSide: number;
  /** JPEG quality, 1..100. */
  quality: number;
  /** Margin added around each detection box, as a fraction of its width/height on each side. */
  margin: number;
  maxInputPixels: number;
}

export const DEFAULT_RENDER: RenderSettings = { cropMaxSide: 512, frameMaxSide: 1920, quality: 80, margin: 0.1, maxInputPixels: 100_000_000 };

export interface Rendered {
  jpeg: Buffer;
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface RawImage {
  data: Buffer;
  raw: { width: number; height: number; channels: 3 };
}

/** A relative box (grown by `margin` on each side) as whole pixels inside a width×height image. */
export function pixelRect(box: RelBox, width: number, height: number, margin = 0): Rect {
  const [x, y, w, h] = box;
  const x0 = Math.max(0, Math.floor((x - w * margin) * width));
  const y0 = Math.max(0, Math.floor((y - h * margin) * height));
  const x1 = Math.min(width, Math.ceil((x + w + w * margin) * width));
  const y1 = Math.min(height, Math.ceil((y + h + h * margin) * height));
  const left = Math.min(x0, width - 1);
  const top = Math.min(y0, height - 1);
  return { left, top, width: Math.max(1, x1 - left), height: Math.max(1, y1 - top) };
}

/** Decode (EXIF rotation applied, as inference saw it) to 8-bit sRGB pixels. */
async function decode(blobPath: string, maxInputPixels: number): Promise<RawImage> {
  const { data, info } = await sharp(blobPath, { limitInputPixels: maxInputPixels }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, raw: { width: info.width, height: info.height, channels: 3 } };
}

/**
 * Blur each box hard: shrink the region 16× and blow it back up, then a Gaussian pass, so a
 * face or a number plate is not recoverable while the scene stays readable.
 */
async function blurBoxes(img: RawImage, boxes: readonly RelBox[]): Promise<RawImage> {
  if (boxes.length === 0) return img;
  const { width, height } = img.raw;
  const layers: sharp.OverlayOptions[] = [];
  for (const box of boxes) {
    const r = pixelRect(box, width, height, 0.05);
    const small = { width: Math.max(1, Math.round(r.width / 16)), height: Math.max(1, Math.round(r.height / 16)) };
    const tiny = await sharp(img.data, { raw: img.raw }).extract(r).resize(small.width, small.height, { fit: 'fill' }).raw().toBuffer();
    const patch = await sharp(tiny, { raw: { ...small, channels: 3 } })
      .resize(r.width, r.height, { fit: 'fill', kernel: 'cubic' })
      .blur(Math.max(1, Math.min(r.width, r.height) / 24))
      .raw()
      .toBuffer();
    layers.push({ input: patch, raw: { width: r.width, height: r.height, channels: 3 }, left: r.left, top: r.top });
  }
  const data = await sharp(img.data, { raw: img.raw }).composite(layers).removeAlpha().raw().toBuffer();
  return { data, raw: img.raw };
}

async function jpeg(pipeline: sharp.Sharp, quality: number): Promise<Rendered> {
  const { data, info } = await pipeline.jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer({ resolveWithObject: true });
  return { jpeg: data, width: info.width, height: info.height };
}

/**
 * Everything one capture contributes: the crops of `crops` (each keyed by its detection
 * index, with the pixels of the capture it shows) and, with `frame`, the downscaled frame.
 * The capture is decoded once.
 */
export async function renderCapture(
  blobPath: string,
  req: { crops: readonly { idx: number; box: RelBox }[]; frame: boolean; blur: readonly RelBox[] },
  settings: RenderSettings = DEFAULT_RENDER,
): Promise<{ crops: (Rendered & { idx: number; rect: Rect })[]; frame: Rendered | null; source: { width: number; height: number } }> {
  const img = await blurBoxes(await decode(blobPath, settings.maxInputPixels), req.blur);
  const { width, height } = img.raw;
  const crops: (Rendered & { idx: number; rect: Rect })[] = [];
  for (const c of req.crops) {
    const r = pixelRect(c.box, width, height, settings.margin);
    const side = settings.cropMaxSide;
    const out = await jpeg(sharp(img.data, { raw: img.raw }).extract(r).resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }), settings.quality);
    crops.push({ ...out, idx: c.idx, rect: r });
  }
  const side = settings.frameMaxSide;
  const frame = req.frame ? await jpeg(sharp(img.data, { raw: img.raw }).resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }), settings.quality) : null;
  return { crops, frame, source: { width, height } };
}
