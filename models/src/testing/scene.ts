import sharp from 'sharp';
import { hashSeed, rng } from './rng.js';
import { CATEGORY_COLORS, SPECIES, type Category } from './world.js';

export type Pattern = 'stripes' | 'spots';

export interface SceneObject {
  category: Category;
  /** Species label (animals only); defaults to the first species. */
  species?: string;
  /** Which individual: fixes the coat pattern, the same in every scene. */
  individual?: number;
  /** Relative [x, y, w, h] in 0..1 of the frame. */
  box: readonly [number, number, number, number];
  /** Defaults to stripes for Equus, spots for the rest. */
  pattern?: Pattern;
}

export interface SceneSpec {
  width: number;
  height: number;
  seed: number;
  background?: 'texture' | 'black' | 'white';
  objects: readonly SceneObject[];
  format: 'jpeg' | 'png';
  quality?: number;
  /**
   * 0 (default) = canonical view. Around 1 = another photo of the same individual: the coat
   * pattern shifts/scales by a few percent and the brightness changes by up to ~8%.
   */
  jitter?: number;
}

/** Colour of the coat pattern (dark enough to never count as body colour). */
export const PATTERN_COLOR: readonly [number, number, number] = [40, 32, 26];

const hex = (c: readonly number[]): string => `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;

function background(spec: SceneSpec, r: () => number): string {
  const { width: W, height: H } = spec;
  if (spec.background === 'black') return `<rect width="${W}" height="${H}" fill="#050505"/>`;
  if (spec.background === 'white') return `<rect width="${W}" height="${H}" fill="#fafafa"/>`;
  const parts = [`<rect width="${W}" height="${H}" fill="${hex([118, 124, 112])}"/>`];
  const n = 260;
  const size = Math.max(W, H) / 14;
  for (let i = 0; i < n; i++) {
    const L = 60 + r() * 120;
    const green = r() < 0.5 ? 8 : 0; // grey or green-grey, low saturation either way
    const c = [L - green / 2, L + green, L - green];
    const rx = size * (0.2 + r());
    const ry = size * (0.1 + r() * 0.6);
    parts.push(`<ellipse cx="${(r() * W).toFixed(1)}" cy="${(r() * H).toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" transform="rotate(0)" fill="${hex(c)}" fill-opacity="${(0.3 + r() * 0.5).toFixed(2)}"/>`);
  }
  return parts.join('');
}

/** Coat pattern in body-relative units (0..1), fixed by (species, individual). */
function coat(species: string, individual: number, pattern: Pattern): string {
  const r = rng(hashSeed(`${species}#${individual}#${pattern}`));
  const shapes: string[] = [];
  if (pattern === 'stripes') {
    const n = 3 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const w = 0.06 + r() * 0.05;
      const tilt = (r() - 0.5) * 0.6;
      const lo = 0.1 + Math.max(0, -tilt);
      const x = lo + r() * (0.9 - w - Math.max(0, tilt) - lo);
      const top = 0.08 + r() * 0.4;
      const bottom = 0.92 - r() * 0.4;
      shapes.push(
        `<polygon points="${[x, top, x + w, top, x + w + tilt, bottom, x + tilt, bottom].map((v) => v.toFixed(4)).join(' ')}"/>`,
      );
    }
  } else {
    const n = 9 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) {
      const rad = 0.045 + r() * 0.04;
      const cx = 0.14 + r() * 0.72;
      const cy = 0.14 + r() * 0.72;
      shapes.push(`<ellipse cx="${cx.toFixed(4)}" cy="${cy.toFixed(4)}" rx="${rad.toFixed(4)}" ry="${(rad * (0.7 + r() * 0.6)).toFixed(4)}"/>`);
    }
  }
  return shapes.join('');
}

function object(o: SceneObject, i: number, spec: SceneSpec, r: () => number): string {
  const [bx, by, bw, bh] = o.box;
  const x = bx * spec.width;
  const y = by * spec.height;
  const w = bw * spec.width;
  const h = bh * spec.height;
  const radius = 0.06 * Math.min(w, h);
  const jitter = spec.jitter ?? 0;
  const gain = 1 + jitter * (r() - 0.5) * 0.16;
  const body = `<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" rx="${radius.toFixed(2)}"`;
  if (o.category !== 'animal') {
    return `${body} fill="${hex(CATEGORY_COLORS[o.category].map((c) => c * gain))}"/>`;
  }
  const sp = SPECIES.find((s) => s.label === o.species) ?? SPECIES[0];
  if (sp === undefined) throw new Error('no species in the world');
  const pattern = o.pattern ?? (sp.label.startsWith('Equus') ? 'stripes' : 'spots');
  // Pattern placement in body units, moved a little between views.
  const s = 1 + jitter * (r() - 0.5) * 0.08;
  const dx = jitter * (r() - 0.5) * 0.06;
  const dy = jitter * (r() - 0.5) * 0.06;
  const place = `translate(${x.toFixed(2)} ${y.toFixed(2)}) scale(${w.toFixed(3)} ${h.toFixed(3)}) translate(${(0.5 + dx).toFixed(4)} ${(0.5 + dy).toFixed(4)}) scale(${s.toFixed(4)}) translate(-0.5 -0.5)`;
  return (
    `<clipPath id="b${i}">${body}/></clipPath>` +
    `${body} fill="${hex(sp.color.map((c) => c * gain))}"/>` +
    `<g clip-path="url(#b${i})"><g transform="${place}" fill="${hex(PATTERN_COLOR.map((c) => c * gain))}">${coat(sp.label, o.individual ?? 0, pattern)}</g></g>`
  );
}

/** Render a synthetic camera-trap frame (deterministic from the spec) as JPEG or PNG bytes. */
export async function renderScene(spec: SceneSpec): Promise<Buffer> {
  const r = rng(spec.seed);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}" viewBox="0 0 ${spec.width} ${spec.height}">` +
    background(spec, r) +
    spec.objects.map((o, i) => object(o, i, spec, r)).join('') +
    `</svg>`;
  const img = sharp(Buffer.from(svg)).removeAlpha();
  return spec.format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: spec.quality ?? 90 }).toBuffer();
}

/** Decode image bytes to the RawImage the runners take (RGB, 3 channels). */
export async function decodeRaw(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
