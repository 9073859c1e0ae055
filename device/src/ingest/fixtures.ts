/**
 * Test inputs written to disk: the files a camera trap, an FTP job or a curious user
 * actually drops into the inbox. Used by the ingest tests and by the pipeline tests.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { DeviceErrorCode } from '../errors.js';

/** Inputs that must be quarantined, with the code they must get. */
export const REJECTED_INPUTS = {
  empty: 'SPOOR_E_EMPTY_FILE',
  truncated: 'SPOOR_E_IMAGE_TRUNCATED',
  textAsJpeg: 'SPOOR_E_IMAGE_DECODE',
  bomb: 'SPOOR_E_IMAGE_TOO_LARGE',
  unsupported: 'SPOOR_E_UNSUPPORTED_FORMAT',
} as const satisfies Record<string, DeviceErrorCode>;

/** Awkward but valid inputs that must be processed, with their size after decoding. */
export const ODD_INPUTS = {
  tiny: { width: 1, height: 1 },
  cmyk: { width: 64, height: 48 },
  png16: { width: 64, height: 48 },
  grayIr: { width: 1920, height: 1080 },
  alphaPng: { width: 32, height: 16 },
  palettePng: { width: 32, height: 16 },
  /** Stored 40×20 with EXIF orientation 6 (rotate 90° clockwise to display). */
  rotated6: { width: 20, height: 40 },
} as const;

export type RejectedInputName = keyof typeof REJECTED_INPUTS;
export type OddInputName = keyof typeof ODD_INPUTS;
export type BadInputName = RejectedInputName | OddInputName;

/** The maxInputPixels the bomb is built to exceed (30000×30000 = 900 Mpx declared). */
export const BOMB_SIDE = 30_000;

/**
 * Grey sensor-like noise (every channel the same), deterministic. Grey on purpose: random
 * colour noise upscaled from a tiny image makes saturated blocks a detector may rightly
 * call an animal, and these fixtures are about decoding, not detection.
 */
const noise = (width: number, height: number, channels: 3 | 4 = 3): sharp.Sharp => {
  const px = Buffer.alloc(width * height * channels);
  let s = 0x2545f491 ^ (width * 31 + height);
  for (let i = 0; i < width * height; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const v = 88 + ((s >>> 0) % 80);
    px.fill(v, i * channels, i * channels + 3);
    if (channels === 4) px[i * channels + 3] = 128 + (v % 128);
  }
  return sharp(px, { raw: { width, height, channels } });
};

/** A noisy camera-like JPEG; `orientation` sets the EXIF Orientation tag. */
export async function makeJpeg(opts: { width?: number; height?: number; quality?: number; orientation?: number } = {}): Promise<Buffer> {
  const img = noise(opts.width ?? 640, opts.height ?? 480).jpeg({ quality: opts.quality ?? 90 });
  return (opts.orientation === undefined ? img : img.withMetadata({ orientation: opts.orientation })).toBuffer();
}

/** Write every hard input into `dir` and return name → absolute path. */
export async function makeBadInputs(dir: string): Promise<Record<BadInputName, string>> {
  const jpeg640 = await makeJpeg();
  const files: Record<BadInputName, [string, Buffer]> = {
    empty: ['empty.jpg', Buffer.alloc(0)],
    truncated: ['truncated.jpg', jpeg640.subarray(0, Math.floor(jpeg640.length * 0.6))],
    textAsJpeg: ['notes.jpg', Buffer.from('camera log 2024-05-01 battery 87%\n'.repeat(20))],
    bomb: ['bomb.png', pngBomb(BOMB_SIDE, BOMB_SIDE)],
    unsupported: ['clip.gif', await noise(16, 16).gif().toBuffer()],
    tiny: ['tiny-1x1.jpg', await noise(1, 1).jpeg().toBuffer()],
    cmyk: ['cmyk.jpg', await noise(64, 48).jpeg().toColourspace('cmyk').toBuffer()],
    png16: ['rgb16.png', await noise(64, 48).toColourspace('rgb16').png().toBuffer()],
    grayIr: ['ir-night.jpg', await noise(1920, 1080).toColourspace('b-w').jpeg({ quality: 85 }).toBuffer()],
    alphaPng: ['alpha.png', await noise(32, 16, 4).png().toBuffer()],
    palettePng: ['palette.png', await noise(32, 16).png({ palette: true }).toBuffer()],
    rotated6: ['orient6.jpg', await makeJpeg({ width: 40, height: 20, orientation: 6 })],
  };
  const out = {} as Record<BadInputName, string>;
  for (const [name, [file, bytes]] of Object.entries(files) as [BadInputName, [string, Buffer]][]) {
    out[name] = join(dir, file);
    await writeFile(out[name], bytes);
  }
  return out;
}

/**
 * A complete, valid 1-bit grayscale PNG of width×height black pixels. Every row is the
 * same zeros, so it deflates ~1000:1 (30000² is ~110 KB on disk, 900 Mpx decoded).
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, adaptive filter, no interlace
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed bits
  const idat = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
