/**
 * Image probing and decoding with sharp. `probeImage` runs at ingest: it reads the header
 * (never the pixels, unless a cheap check says the file may be cut short) and refuses
 * what the pipeline must not touch. `decodeImage` and `decodeImageResized` are the hot
 * path for inference: one sharp pipeline to 8-bit sRGB, 3 channels, EXIF orientation
 * applied; the resized one gives the detector its input without a full-resolution decode.
 *
 * Formats: jpeg, png, webp, tiff and heif (AVIF; sharp's prebuilt libvips has no HEVC)
 * are accepted. Anything sharp reads but we refuse (gif, svg, pdf, ...) and anything we
 * recognise by magic bytes (bmp, avi/mp4 clips) is SPOOR_E_UNSUPPORTED_FORMAT; bytes that
 * are no image at all are SPOOR_E_IMAGE_DECODE. There is no minimum size: a 1×1 image
 * is processed.
 */
import sharp from 'sharp';
import { SpoorError } from '@spoor/protocol';
import { ACCEPTED_IMAGE_FORMATS, DeviceErrors } from '../errors.js';
import { looksTruncated, magicFormat, sniffRefused } from './sniff.js';

export type AcceptedFormat = (typeof ACCEPTED_IMAGE_FORMATS)[number];

export interface ImageLimits {
  /** Largest width × height we will decode (config key `maxInputPixels`). */
  readonly maxInputPixels: number;
}

export interface ImageProbe {
  format: AcceptedFormat;
  /** Width and height as displayed, i.e. after EXIF orientation is applied. */
  width: number;
  height: number;
  channels: number;
  /** libvips colour space, e.g. `srgb`, `b-w`, `cmyk`, `rgb16`. */
  space: string;
  /** libvips band format, e.g. `uchar`, `ushort`. */
  depth: string;
  /** EXIF orientation 1..8 when the file has one. */
  orientation?: number;
}

/** 8-bit sRGB, exactly 3 interleaved channels, row-major, EXIF orientation applied. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

const isAccepted = (format: string): format is AcceptedFormat =>
  (ACCEPTED_IMAGE_FORMATS as readonly string[]).includes(format);

const pixelLimit = (maxInputPixels: number): number => Math.max(1, Math.floor(maxInputPixels));

/** Read the header and refuse empty, foreign, oversized or cut-short files. */
export async function probeImage(buf: Buffer, limits: ImageLimits): Promise<ImageProbe> {
  if (buf.length === 0) throw DeviceErrors.SPOOR_E_EMPTY_FILE();
  let meta: sharp.Metadata;
  try {
    // No pixel limit here, so a bomb's declared size can be reported below.
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw toDeviceError(err, buf);
  }
  const { format } = meta;
  if (!isAccepted(format)) throw DeviceErrors.SPOOR_E_UNSUPPORTED_FORMAT(`${format}`);
  // Prebuilt libvips reads AVIF but not HEVC (iPhone-style HEIC): refuse it now, not at decode.
  if (format === 'heif' && meta.compression !== 'av1') throw DeviceErrors.SPOOR_E_UNSUPPORTED_FORMAT(`heif with ${meta.compression ?? 'unknown'} compression (only AVIF)`);

  const limit = pixelLimit(limits.maxInputPixels);
  const pixels = meta.width * meta.height;
  if (pixels > limit) {
    throw DeviceErrors.SPOOR_E_IMAGE_TOO_LARGE(`${meta.width}×${meta.height} = ${pixels} pixels, over maxInputPixels = ${limit}`);
  }
  // Cameras sometimes pad after the end marker, so a suspicion is confirmed by decoding.
  if (looksTruncated(buf, format)) await decodeImage(buf, { maxInputPixels: limit });

  const probe: ImageProbe = {
    format,
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    channels: meta.channels,
    space: meta.space,
    depth: meta.depth,
  };
  if (meta.orientation !== undefined) probe.orientation = meta.orientation;
  return probe;
}

/** Decode to 8-bit sRGB RGB. Throws SpoorError with an image code on bad input. */
export async function decodeImage(buf: Buffer, limits: ImageLimits): Promise<RawImage> {
  refuseEarly(buf);
  try {
    return await toRgb(sharp(buf, decodeOptions(limits)).autoOrient());
  } catch (err) {
    throw toDeviceError(err, buf);
  }
}

/** A frame decoded straight to a smaller size, and the size it is displayed at. */
export interface ResizedImage {
  image: RawImage;
  /** Width and height of the full frame, EXIF orientation applied. */
  width: number;
  height: number;
}

/**
 * Decode straight to `size(width, height)` (given the displayed size), for a model input.
 * JPEG shrink-on-load and the resize inside libvips make this cheaper than a full decode
 * followed by a resize, and no full-resolution copy crosses into JS. Same checks and the
 * same error codes as `decodeImage`.
 */
export async function decodeImageResized(
  buf: Buffer,
  limits: ImageLimits,
  size: (width: number, height: number) => { width: number; height: number },
): Promise<ResizedImage> {
  refuseEarly(buf);
  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    const { width, height } = meta.autoOrient;
    const target = size(width, height);
    const image = await toRgb(sharp(buf, decodeOptions(limits)).autoOrient().resize(target.width, target.height, { fit: 'fill' }));
    return { image, width, height };
  } catch (err) {
    throw toDeviceError(err, buf);
  }
}

function refuseEarly(buf: Buffer): void {
  if (buf.length === 0) throw DeviceErrors.SPOOR_E_EMPTY_FILE();
  const refused = sniffRefused(buf);
  if (refused !== null) throw DeviceErrors.SPOOR_E_UNSUPPORTED_FORMAT(refused);
}

const decodeOptions = (limits: ImageLimits): sharp.SharpOptions => ({ limitInputPixels: pixelLimit(limits.maxInputPixels), failOn: 'truncated' });

/** The tail of every decode: 8-bit sRGB, exactly 3 channels. */
async function toRgb(pipeline: sharp.Sharp): Promise<RawImage> {
  const { data, info } = await pipeline
    .flatten({ background: '#000000' }) // only acts when there is an alpha channel
    .toColourspace('srgb') // CMYK, 16-bit and grayscale all end up as 8-bit sRGB
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw DeviceErrors.SPOOR_E_IMAGE_DECODE(`decoded to ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height };
}

/** Map a sharp/libvips error to a device error code, keeping the original as `cause`. */
export function toDeviceError(err: unknown, buf: Buffer): SpoorError {
  if (err instanceof SpoorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const options = { cause: err };
  if (/buffer is empty/i.test(message)) return DeviceErrors.SPOOR_E_EMPTY_FILE(undefined, options);
  if (/exceeds pixel limit/i.test(message)) return DeviceErrors.SPOOR_E_IMAGE_TOO_LARGE(message, options);
  if (/premature end|truncat|unexpected end|end of (file|stream|data)|not enough data/i.test(message)) {
    return DeviceErrors.SPOOR_E_IMAGE_TRUNCATED(message, options);
  }
  if (/unsupported image format/i.test(message)) {
    const refused = sniffRefused(buf);
    return refused === null
      ? DeviceErrors.SPOOR_E_IMAGE_DECODE('not an image of any known format', options)
      : DeviceErrors.SPOOR_E_UNSUPPORTED_FORMAT(refused, options);
  }
  // Decoders word a short file differently (libspng says "read error"); check the bytes.
  const magic = magicFormat(buf);
  if (magic !== null && looksTruncated(buf, magic)) return DeviceErrors.SPOOR_E_IMAGE_TRUNCATED(message, options);
  return DeviceErrors.SPOOR_E_IMAGE_DECODE(message, options);
}
