import sharp from 'sharp';
import { hashSeed, rng } from '@spoor/models/testing';
import type { Cv, CvMat } from '../opencv.js';

export type CoatPattern = 'stripes' | 'spots';

/** The canonical side-on animal, before a view's warp: body-relative art at this size. */
const CW = 480;
const CH = 300;

export interface ViewOptions {
  /** Output crop size (the detector's box around the animal). */
  width: number;
  height: number;
  /** 0 = a clean, canonical photo; 1 = the full range of nuisances. */
  difficulty: number;
}

interface CvWarp extends Cv {
  getPerspectiveTransform(src: CvMat, dst: CvMat): CvMat;
  warpPerspective(src: CvMat, dst: CvMat, M: CvMat, size: unknown, flags: number, borderMode: number, borderValue: unknown): void;
  Scalar: new (a: number, b: number, c: number, d: number) => unknown;
  CV_32FC2: number;
  INTER_LINEAR: number;
  BORDER_CONSTANT: number;
  CV_8UC4: number;
}

/**
 * A deterministic animal-like silhouette (body, neck, head, legs, tail) wearing a coat that
 * is unique to (species, individual): 14–22 wavy, forking stripes or 45–80 spots and
 * rosettes. RGBA, transparent around the animal.
 */
export async function renderCoat(species: string, individual: number, pattern: CoatPattern): Promise<{ data: Uint8Array; width: number; height: number }> {
  const r = rng(hashSeed(`coat:${species}#${individual}`));
  const base = pattern === 'stripes' ? [220 + r() * 25, 215 + r() * 25, 200 + r() * 30] : [190 + r() * 30, 150 + r() * 30, 80 + r() * 30];
  const ink = pattern === 'stripes' ? [25, 22, 20] : [45, 32, 20];
  const legs = [0.18, 0.3, 0.62, 0.74].map((x) => `<rect x="${(x + (r() - 0.5) * 0.03) * CW}" y="${0.55 * CH}" width="${0.07 * CW}" height="${0.42 * CH}" rx="8"/>`).join('');
  const silhouette =
    `<ellipse cx="${0.47 * CW}" cy="${0.45 * CH}" rx="${0.36 * CW}" ry="${0.22 * CH}"/>` +
    `<polygon points="${0.72 * CW},${0.35 * CH} ${0.84 * CW},${0.12 * CH} ${0.9 * CW},${0.2 * CH} ${0.8 * CW},${0.5 * CH}"/>` +
    `<ellipse cx="${0.89 * CW}" cy="${0.17 * CH}" rx="${0.085 * CW}" ry="${0.07 * CH}" transform="rotate(20 ${0.89 * CW} ${0.17 * CH})"/>` +
    `<polygon points="${0.12 * CW},${0.38 * CH} ${0.03 * CW},${0.7 * CH} ${0.06 * CW},${0.71 * CH} ${0.14 * CW},${0.45 * CH}"/>` +
    legs;
  const marks: string[] = [];
  if (pattern === 'stripes') {
    const n = 14 + Math.floor(r() * 9);
    for (let i = 0; i < n; i++) {
      const x = (0.05 + (i / n) * 0.9 + (r() - 0.5) * 0.03) * CW;
      const tilt = (r() - 0.5) * 0.5 * CH;
      const wob = (r() - 0.5) * 0.08 * CW;
      const w = (0.008 + r() * 0.018) * CW;
      const top = r() * 0.2 * CH;
      const bottom = (0.75 + r() * 0.25) * CH;
      const mid = (top + bottom) / 2;
      marks.push(`<path d="M${x},${top} Q${x + wob},${mid} ${x + tilt * 0.4},${bottom}" stroke-width="${w.toFixed(1)}" fill="none"/>`);
      if (r() < 0.45) {
        const fy = top + (bottom - top) * (0.3 + r() * 0.4);
        marks.push(`<path d="M${x + wob * 0.5},${fy} q${(r() - 0.3) * 0.08 * CW},${0.12 * CH} ${(r() - 0.5) * 0.05 * CW},${0.3 * CH}" stroke-width="${(w * 0.7).toFixed(1)}" fill="none"/>`);
      }
    }
  } else {
    const n = 45 + Math.floor(r() * 36);
    for (let i = 0; i < n; i++) {
      const cx = r() * CW;
      const cy = r() * CH;
      const rad = (0.008 + r() * 0.022) * CW;
      if (r() < 0.4) {
        const k = 3 + Math.floor(r() * 3);
        for (let j = 0; j < k; j++) {
          const a = (j / k) * 2 * Math.PI + r();
          marks.push(`<ellipse cx="${(cx + Math.cos(a) * rad * 1.4).toFixed(1)}" cy="${(cy + Math.sin(a) * rad * 1.4).toFixed(1)}" rx="${(rad * 0.45).toFixed(1)}" ry="${(rad * 0.3).toFixed(1)}" transform="rotate(${(a * 57.3).toFixed(0)} ${(cx + Math.cos(a) * rad * 1.4).toFixed(1)} ${(cy + Math.sin(a) * rad * 1.4).toFixed(1)})"/>`);
        }
      } else {
        marks.push(`<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rad.toFixed(1)}" ry="${(rad * (0.6 + r() * 0.6)).toFixed(1)}" transform="rotate(${(r() * 180).toFixed(0)} ${cx.toFixed(1)} ${cy.toFixed(1)})"/>`);
      }
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CW}" height="${CH}"><defs><clipPath id="s">${silhouette}</clipPath></defs>` +
    `<g fill="${hex(base)}">${silhouette}</g>` +
    `<g clip-path="url(#s)" fill="${hex(ink)}" stroke="${hex(ink)}">${marks.join('')}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * One photo of an individual, as the detector's crop: the coat warped by a random
 * perspective (rotation, scale, shear, foreshortening), pasted on background clutter, then
 * illumination change, IR grey, blur, sensor noise and a partial occlusion, each drawn from
 * a seed, so a (individual, view) pair always renders the same bytes.
 */
export async function renderView(cv: Cv, coat: { data: Uint8Array; width: number; height: number }, seed: number, opts: ViewOptions): Promise<{ data: Buffer; width: number; height: number }> {
  const c = cv as CvWarp;
  const r = rng(seed);
  const d = opts.difficulty;
  const { width: W, height: H } = opts;
  const bg = await clutter(W, H, r);

  // Where the canonical corners land: fit, then scale, rotate, shear and move each corner.
  const fit = Math.min(W / CW, H / CH) * (1 - d * 0.35 * r());
  const rot = (r() - 0.5) * d * 0.4;
  const shear = (r() - 0.5) * d * 0.3;
  const cx = W / 2 + (r() - 0.5) * d * 0.15 * W;
  const cy = H / 2 + (r() - 0.5) * d * 0.15 * H;
  const corners = [[0, 0], [CW, 0], [CW, CH], [0, CH]] as const;
  const dst: number[] = [];
  for (const [x, y] of corners) {
    let u = (x - CW / 2 + shear * (y - CH / 2)) * fit;
    let v = (y - CH / 2) * fit;
    [u, v] = [u * Math.cos(rot) - v * Math.sin(rot), u * Math.sin(rot) + v * Math.cos(rot)];
    dst.push(cx + u + (r() - 0.5) * d * 0.12 * W, cy + v + (r() - 0.5) * d * 0.12 * H);
  }
  const srcPts = c.matFromArray(4, 1, c.CV_32FC2, corners.flat());
  const dstPts = c.matFromArray(4, 1, c.CV_32FC2, dst);
  const M = c.getPerspectiveTransform(srcPts, dstPts);
  const src = c.matFromArray(coat.height, coat.width, c.CV_8UC4, coat.data);
  const warped = new c.Mat();
  c.warpPerspective(src, warped, M, new c.Size(W, H), c.INTER_LINEAR, c.BORDER_CONSTANT, new c.Scalar(0, 0, 0, 0));
  const a = warped.data;
  const out = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const al = (a[4 * i + 3] as number) / 255;
    for (let k = 0; k < 3; k++) out[3 * i + k] = (a[4 * i + k] as number) * al + (bg[3 * i + k] as number) * (1 - al);
  }
  for (const m of [srcPts, dstPts, M, src, warped]) m.delete();

  // Occlusion: a branch or a grass tuft over part of the animal.
  if (r() < 0.45 * d) {
    const ox = Math.floor(r() * W * 0.8);
    const ow = Math.floor(W * (0.08 + r() * 0.15));
    const shade = 60 + r() * 60;
    for (let y = 0; y < H; y++) {
      const x0 = ox + Math.floor(Math.sin(y / 9) * 4 + ((y * 0.2 * (r() - 0.5)) | 0));
      for (let x = Math.max(0, x0); x < Math.min(W, x0 + ow); x++) for (let k = 0; k < 3; k++) out[3 * (y * W + x) + k] = shade + k * 6;
    }
  }
  // Illumination (gain, offset, gamma) and IR night frames (grey, flat).
  const gain = 1 + (r() - 0.5) * d * 0.8;
  const offset = (r() - 0.5) * d * 50;
  const gamma = 1 + (r() - 0.5) * d * 0.6;
  const ir = r() < 0.3 * d;
  const noise = d * (2 + r() * 8);
  for (let i = 0; i < W * H; i++) {
    const grey = ir ? 0.3 * (out[3 * i] as number) + 0.55 * (out[3 * i + 1] as number) + 0.15 * (out[3 * i + 2] as number) : 0;
    for (let k = 0; k < 3; k++) {
      const v0 = ir ? grey : (out[3 * i + k] as number);
      const v = 255 * Math.pow(Math.max(0, Math.min(1, (v0 * gain + offset) / 255)), gamma) + gauss(r) * noise;
      out[3 * i + k] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  const blur = r() < 0.4 * d ? 0.6 + r() * 1.2 : 0;
  if (blur > 0) {
    const { data } = await sharp(out, { raw: { width: W, height: H, channels: 3 } }).blur(blur).raw().toBuffer({ resolveWithObject: true });
    return { data, width: W, height: H };
  }
  return { data: out, width: W, height: H };
}

async function clutter(W: number, H: number, r: () => number): Promise<Buffer> {
  const parts = [`<rect width="${W}" height="${H}" fill="${hex([90 + r() * 60, 100 + r() * 50, 80 + r() * 40])}"/>`];
  for (let i = 0; i < 70; i++) {
    const L = 40 + r() * 150;
    if (r() < 0.5) {
      const x = r() * W;
      parts.push(`<path d="M${x},${H} q${(r() - 0.5) * 30},${-H * 0.3} ${(r() - 0.5) * 60},${-H * (0.3 + r() * 0.6)}" stroke="${hex([L * 0.9, L, L * 0.8])}" stroke-width="${1 + r() * 3}" fill="none"/>`);
    } else {
      parts.push(`<ellipse cx="${r() * W}" cy="${r() * H}" rx="${4 + r() * W * 0.1}" ry="${3 + r() * H * 0.06}" fill="${hex([L, L * 1.05, L * 0.9])}" fill-opacity="${0.4 + r() * 0.5}"/>`);
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function hex(c: readonly number[]): string {
  return `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}
