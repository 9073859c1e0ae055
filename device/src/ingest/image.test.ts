import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSpoorError } from '@spoor/protocol';
import { decodeImage, decodeImageResized, probeImage } from './image.js';
import { makeBadInputs, makeJpeg, ODD_INPUTS, REJECTED_INPUTS, type BadInputName, type OddInputName, type RejectedInputName } from './fixtures.js';

const limits = { maxInputPixels: 50_000_000 };
let dir: string;
let inputs: Record<BadInputName, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spoor-image-'));
  inputs = await makeBadInputs(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (isSpoorError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

describe('probeImage', () => {
  it.each(Object.keys(REJECTED_INPUTS) as RejectedInputName[])('refuses %s with its code', async (name) => {
    const buf = await readFile(inputs[name]);
    expect(await codeOf(() => probeImage(buf, limits))).toBe(REJECTED_INPUTS[name]);
  });

  it('reports the bomb’s declared size and the config key, from a file under 1 MB', async () => {
    expect((await stat(inputs.bomb)).size).toBeLessThan(1_000_000);
    const err = await probeImage(await readFile(inputs.bomb), limits).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/30000×30000.*maxInputPixels = 50000000/);
  });

  it.each(Object.keys(ODD_INPUTS) as OddInputName[])('accepts %s with its displayed size', async (name) => {
    const probe = await probeImage(await readFile(inputs[name]), limits);
    expect({ width: probe.width, height: probe.height }).toEqual(ODD_INPUTS[name]);
  });

  it('keeps a JPEG padded after its end marker (no false truncation)', async () => {
    const padded = Buffer.concat([await makeJpeg({ width: 32, height: 32 }), Buffer.alloc(8192)]);
    expect((await probeImage(padded, limits)).format).toBe('jpeg');
  });
});

describe('decodeImage', () => {
  it.each(Object.keys(REJECTED_INPUTS) as RejectedInputName[])('refuses %s with its code', async (name) => {
    const buf = await readFile(inputs[name]);
    expect(await codeOf(() => decodeImage(buf, limits))).toBe(REJECTED_INPUTS[name]);
  });

  it.each(Object.keys(ODD_INPUTS) as OddInputName[])('decodes %s to 8-bit RGB at its displayed size', async (name) => {
    const img = await decodeImage(await readFile(inputs[name]), limits);
    const { width, height } = ODD_INPUTS[name];
    expect({ width: img.width, height: img.height }).toEqual({ width, height });
    expect(img.data.length).toBe(width * height * 3);
  });

  it('turns a grayscale IR frame into equal R, G and B', async () => {
    const img = await decodeImage(await readFile(inputs.grayIr), limits);
    for (let i = 0; i < 3000; i += 3) {
      expect(img.data[i]).toBe(img.data[i + 1]);
      expect(img.data[i + 1]).toBe(img.data[i + 2]);
    }
  });

  it('rotates an EXIF orientation 6 image so its left column becomes the top row', async () => {
    // Left half white, right half black, stored landscape; rotated 90° CW the top is white.
    const sharp = (await import('sharp')).default;
    const stored = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#000' } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: '#fff' } }, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decodeImage(stored, limits);
    expect([img.width, img.height]).toEqual([20, 40]);
    const px = (x: number, y: number): number => img.data[(y * img.width + x) * 3] ?? -1;
    expect(px(10, 5)).toBeGreaterThan(200);
    expect(px(10, 35)).toBeLessThan(50);
  });

  it('honours a lower maxInputPixels', async () => {
    const buf = await makeJpeg({ width: 100, height: 100 });
    expect(await codeOf(() => decodeImage(buf, { maxInputPixels: 9_999 }))).toBe('SPOOR_E_IMAGE_TOO_LARGE');
  });
});

describe('decodeImageResized', () => {
  const half = (w: number, h: number) => ({ width: Math.max(1, Math.round(w / 2)), height: Math.max(1, Math.round(h / 2)) });

  it.each(Object.keys(REJECTED_INPUTS) as RejectedInputName[])('refuses %s with the same code as decodeImage', async (name) => {
    const buf = await readFile(inputs[name]);
    expect(await codeOf(() => decodeImageResized(buf, limits, half))).toBe(REJECTED_INPUTS[name]);
  });

  it.each(Object.keys(ODD_INPUTS) as OddInputName[])('decodes %s at the size asked for from its displayed size', async (name) => {
    const r = await decodeImageResized(await readFile(inputs[name]), limits, half);
    const { width, height } = ODD_INPUTS[name];
    expect({ width: r.width, height: r.height }).toEqual({ width, height });
    expect({ width: r.image.width, height: r.image.height }).toEqual(half(width, height));
    expect(r.image.data.length).toBe(r.image.width * r.image.height * 3);
  });

  it('applies EXIF orientation before resizing', async () => {
    // Stored 40×20, left half white, orientation 6: displayed 20×40 with the top half white.
    const sharp = (await import('sharp')).default;
    const stored = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#000' } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: '#fff' } }, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { image, width, height } = await decodeImageResized(stored, limits, half);
    expect([width, height, image.width, image.height]).toEqual([20, 40, 10, 20]);
    const px = (x: number, y: number): number => image.data[(y * image.width + x) * 3] ?? -1;
    expect(px(5, 2)).toBeGreaterThan(200);
    expect(px(5, 17)).toBeLessThan(50);
  });
});
