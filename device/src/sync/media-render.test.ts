import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import { pixelRect, renderCapture, type RelBox } from './media-render.js';

/** Mean squared difference between horizontal and vertical neighbours (grey): what blurring removes. */
async function sharpness(jpeg: Buffer): Promise<number> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let n = 0;
  for (let y = 0; y < info.height - 1; y++) {
    for (let x = 0; x < info.width - 1; x++) {
      const v = data[y * info.width + x] as number;
      sum += (v - (data[y * info.width + x + 1] as number)) ** 2 + (v - (data[(y + 1) * info.width + x] as number)) ** 2;
      n += 2;
    }
  }
  return sum / n;
}

async function variance(jpeg: Buffer): Promise<number> {
  const { data } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  let s = 0;
  let s2 = 0;
  for (const v of data) {
    s += v;
    s2 += v * v;
  }
  const m = s / data.length;
  return s2 / data.length - m * m;
}

describe('media rendering (sharp, from a stored capture)', () => {
  const person: RelBox = [0.55, 0.3, 0.15, 0.5];
  const animal: RelBox = [0.1, 0.4, 0.3, 0.35];

  async function scene(width: number, height: number): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-media-'));
    const path = join(dir, 'blob');
    const jpeg = await renderScene({
      width,
      height,
      seed: 11,
      format: 'jpeg',
      quality: 92,
      objects: [
        { category: 'animal', species: 'Panthera pardus', individual: 2, box: animal },
        { category: 'person', box: person },
      ],
    });
    await writeFile(path, jpeg);
    return path;
  }

  it('crops each detection with a margin, caps crops at 512 px and frames at 1920 px', async () => {
    const path = await scene(3000, 2000);
    const out = await renderCapture(path, { crops: [{ idx: 0, box: animal }, { idx: 4, box: [0.9, 0.9, 0.05, 0.05] }], frame: true, blur: [] });
    expect(out.crops.map((c) => c.idx)).toEqual([0, 4]);
    // The animal: 0.3×0.35 of 3000×2000 plus 10 % each side = 1080×840 → fits 512 on its long side.
    const big = out.crops[0]!;
    expect([big.width, big.height]).toEqual([512, Math.round((840 / 1080) * 512)]);
    const meta = await sharp(big.jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', big.width, big.height]);
    // A small box at the corner: clamped to the frame, never enlarged.
    const small = out.crops[1]!;
    expect(small.width).toBe(pixelRect([0.9, 0.9, 0.05, 0.05], 3000, 2000, 0.1).width);
    expect(small.width).toBeLessThan(512);
    expect(out.frame).toMatchObject({ width: 1920, height: 1280 });
  });

  it('blurs person boxes in crops and frames: the person region loses its detail, the animal keeps it', async () => {
    const path = await scene(1920, 1080);
    const crops = [{ idx: 0, box: animal }, { idx: 1, box: person }];
    const plain = await renderCapture(path, { crops, frame: true, blur: [] });
    const blurred = await renderCapture(path, { crops, frame: true, blur: [person] });
    const [pPlain, pBlur] = [plain.crops[1]!.jpeg, blurred.crops[1]!.jpeg];
    const [sPlain, sBlur] = [await sharpness(pPlain), await sharpness(pBlur)];
    const [vPlain, vBlur] = [await variance(pPlain), await variance(pBlur)];
    console.log(`person crop: neighbour energy ${sPlain.toFixed(1)} → ${sBlur.toFixed(1)}, variance ${vPlain.toFixed(0)} → ${vBlur.toFixed(0)}`);
    expect(sBlur).toBeLessThan(sPlain / 5);
    expect(vBlur).toBeLessThan(vPlain);
    // The animal crop does not overlap the person and is untouched by the blur.
    expect(Math.abs((await sharpness(blurred.crops[0]!.jpeg)) - (await sharpness(plain.crops[0]!.jpeg)))).toBeLessThan(1);
    // The frame: the person's region is blurred there too.
    const region = async (jpeg: Buffer) => sharpness(await sharp(jpeg).extract(pixelRect(person, 1920, 1080)).jpeg({ quality: 95 }).toBuffer());
    expect(await region(blurred.frame!.jpeg)).toBeLessThan((await region(plain.frame!.jpeg)) / 5);
  });
});
