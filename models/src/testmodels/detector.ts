import { GraphBuilder } from './graph.js';

/**
 * The bundled test detector: a hand-built network for the synthetic world (see
 * ../testing/world.ts), in the YOLOv8 output format [1, 4+3, N].
 *
 * 1. A 1x1 Conv turns RGB into per-class colour evidence (animal = R - G/2 - B/2,
 *    person = B - R/2 - G/2, vehicle = G - 0.8R - 0.4B) minus a threshold, and a steep
 *    Sigmoid makes a mask per class. Grey/green-grey texture, black and white give ~0.
 * 2. Mask moments m, m*u, m*v, m*u^2, m*v^2 (u, v = normalised pixel coordinates, from
 *    broadcast [1,1,1,640] / [1,1,640,1] constants) are pooled onto an 80x80 grid of 8 px cells.
 * 3. For windows at many scales (AveragePool over the grid), the moments give the
 *    centroid and extent of the mask (w = sqrt(12 var), exact for a filled rectangle and
 *    unbiased for an evenly spread coat pattern). A second, wider pool gives the mass in a
 *    ring around the window: a window scores high only when the ring is empty (the object
 *    is contained), the mass is large enough and the mask fills the box it implies (two
 *    bodies in one window imply a box they fill badly).
 * Every window contributes one anchor per class; NMS in the decoder keeps the best.
 */
export const DETECTOR_SIZE = 640;
const CELL = 8;
const GRID = DETECTOR_SIZE / CELL;

/**
 * [window K, stride S] in cells, (GRID - K) % S === 0 so windows tile the grid. A window
 * contains every object up to CELL * (K - S) px wide, so the steps are small: the tighter the
 * window, the closer two animals may stand and still be boxed apart.
 */
export const DETECTOR_SCALES: readonly (readonly [number, number])[] = [
  [8, 2], [10, 2], [12, 2], [14, 2], [16, 2], [18, 2], [20, 2], [22, 2], [24, 2], [26, 2], [28, 2],
  [32, 2], [36, 2], [40, 2], [44, 2], [48, 2], [54, 2], [60, 2], [66, 2], [72, 2], [80, 1],
];
/** Width of the ring around a window, in cells. */
const ring = (K: number): number => (K <= 24 ? 1 : 2);

/** Evidence coefficients (per grey level) and threshold (grey levels) per class. */
const EVIDENCE: readonly (readonly [number, number, number])[] = [
  [1, -0.5, -0.5], // animal: warm saturated body
  [-0.5, -0.5, 1], // person: blue
  [-0.8, 1, -0.4], // vehicle: green
];
const THRESHOLD = 60;
const STEEP = 0.3; // sigmoid slope per grey level

const MIN_MASS_PX = 400;
/** Ring mass over (ring width x box perimeter/2 x fill): ~0 contained, >= ~0.5 cut by the window. */
const RING_MAX = 0.12;
/** Mask mass over box area: 1 - pattern cover for one body, lower for two bodies in one box. */
const FILL_MIN = 0.62;

export function buildDetector(): Uint8Array {
  for (const [K, St] of DETECTOR_SCALES) if ((GRID - K) % St !== 0) throw new Error(`window ${K}/${St} does not tile the grid`);
  const g = new GraphBuilder();
  const S = DETECTOR_SIZE;
  const k = STEEP * 255;
  const w = EVIDENCE.flatMap((row) => row.map((c) => c * k));
  const e = g.op('Conv', ['images', g.f32(w, [3, 3, 1, 1]), g.f32([-STEEP * THRESHOLD, -STEEP * THRESHOLD, -STEEP * THRESHOLD], [3])], { kernel_shape: [1, 1] });
  const m = g.op('Sigmoid', [e]);

  const coord = Array.from({ length: S }, (_, i) => (i + 0.5) / S);
  const U = g.f32(coord, [1, 1, 1, S]);
  const V = g.f32(coord, [1, 1, S, 1]);
  const mu = g.op('Mul', [m, U]);
  const mv = g.op('Mul', [m, V]);
  const muu = g.op('Mul', [mu, U]);
  const mvv = g.op('Mul', [mv, V]);
  const all = g.op('Concat', [m, mu, mv, muu, mvv], { axis: 1 });
  const grid = g.op('AveragePool', [all], { kernel_shape: [CELL, CELL], strides: [CELL, CELL] });
  const gridM = slice(g, grid, 0);

  const eps = g.s(1e-7);
  const px = g.s(S);
  const twelve = g.s(12);
  const boxes: string[][] = [[], [], [], [], []];
  for (const [K, St] of DETECTOR_SCALES) {
    const b = ring(K);
    const inner = g.op('AveragePool', [grid], { kernel_shape: [K, K], strides: [St, St] });
    const outer = g.op('AveragePool', [gridM], { kernel_shape: [K + 2 * b, K + 2 * b], strides: [St, St], pads: [b, b, b, b], count_include_pad: 1 });
    const m0 = slice(g, inner, 0);
    const m0e = g.op('Add', [m0, eps]);
    const cx = g.op('Div', [slice(g, inner, 1), m0e]);
    const cy = g.op('Div', [slice(g, inner, 2), m0e]);
    const vx = g.op('Relu', [g.op('Sub', [g.op('Div', [slice(g, inner, 3), m0e]), g.op('Mul', [cx, cx])])]);
    const vy = g.op('Relu', [g.op('Sub', [g.op('Div', [slice(g, inner, 4), m0e]), g.op('Mul', [cy, cy])])]);
    const bw = g.op('Mul', [g.op('Sqrt', [g.op('Mul', [vx, twelve])]), px]);
    const bh = g.op('Mul', [g.op('Sqrt', [g.op('Mul', [vy, twelve])]), px]);
    // Masses in cell units (sum over the window of per-cell means), then pixels.
    const innerSum = g.op('Mul', [m0, g.s(K * K)]);
    const outerSum = g.op('Mul', [outer, g.s((K + 2 * b) * (K + 2 * b))]);
    const massPx = g.op('Mul', [innerSum, g.s(CELL * CELL)]);
    const area = g.op('Add', [g.op('Mul', [bw, bh]), g.s(1)]);
    const fill = g.op('Div', [massPx, area]);
    // Mass in the ring, relative to what a body cut along one whole side would put there.
    const ringPx = g.op('Mul', [g.op('Sub', [outerSum, innerSum]), g.s(CELL * CELL)]);
    const cut = g.op('Mul', [g.op('Mul', [g.op('Add', [bw, bh]), fill]), g.s(b * CELL)]);
    const ringRatio = g.op('Div', [ringPx, g.op('Add', [cut, g.s(1)])]);
    const sMass = sigmoidOf(g, massPx, MIN_MASS_PX, 1 / 80);
    const sRing = sigmoidOf(g, ringRatio, RING_MAX, -40);
    const sFill = sigmoidOf(g, fill, FILL_MIN, 20);
    const score = g.op('Mul', [g.op('Mul', [sMass, sRing]), sFill]);
    const flat = g.i64([1, 3, -1]);
    [g.op('Mul', [cx, px]), g.op('Mul', [cy, px]), bw, bh, score].forEach((t, i) => boxes[i]?.push(g.op('Reshape', [t, flat])));
  }
  // [1, 3, Nw] per quantity -> boxes [1, 4, 3Nw] and one-hot class scores [1, 3, 3Nw].
  const row = g.i64([1, 1, -1]);
  const cat = (ts: string[]) => g.op('Concat', ts, { axis: 2 });
  const coords = boxes.slice(0, 4).map((ts) => g.op('Reshape', [cat(ts), row]));
  const scores = cat(boxes[4] ?? []);
  const eye = g.f32([1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 3, 3, 1]);
  const spread = g.op('Mul', [g.op('Reshape', [scores, g.i64([1, 1, 3, -1])]), eye]);
  const cls = g.op('Reshape', [spread, g.i64([1, 3, -1])]);
  g.op('Concat', [...coords, cls], { axis: 1 }, 'output0');
  return g.encode({ name: 'images', dims: [1, 3, S, S] }, [{ name: 'output0', dims: [1, 7, 'anchors'] }], 'spoor-test-detector');
}

/** Channels [3i, 3i+3) of a [1, 15, H, W] moment stack. */
function slice(g: GraphBuilder, t: string, i: number): string {
  return g.op('Slice', [t, g.i64([3 * i]), g.i64([3 * i + 3]), g.i64([1])]);
}

/** sigmoid(slope * (x - at)). */
function sigmoidOf(g: GraphBuilder, x: string, at: number, slope: number): string {
  return g.op('Sigmoid', [g.op('Mul', [g.op('Sub', [x, g.s(at)]), g.s(slope)])]);
}
