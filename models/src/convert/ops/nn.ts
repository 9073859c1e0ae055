import { ints, type OpContext, type OpMapper } from '../context.js';
import type { ConstTensor } from '../tfjs-model.js';

const TO_NCHW = [0, 3, 1, 2] as const;
const TO_NHWC = [0, 2, 3, 1] as const;

function nhwc(ctx: OpContext): boolean {
  const f = ctx.attrString('data_format') ?? 'NHWC';
  if (f !== 'NHWC' && f !== 'NCHW') ctx.fail(`data_format ${f} is not supported`);
  return f === 'NHWC';
}

/** The spatial pair of a 4-item TF list (strides, ksize, dilations) in the node's layout. */
function spatial(ctx: OpContext, name: string, fallback: number): [number, number] {
  const v = ctx.attrInts(name);
  if (v === undefined || v.length === 0) return [fallback, fallback];
  const [h, w] = nhwc(ctx) ? [v[1], v[2]] : [v[2], v[3]];
  return [h ?? fallback, w ?? fallback];
}

/** ONNX conv/pool padding attributes for TF's VALID / SAME / EXPLICIT. */
function padding(ctx: OpContext): Record<string, string | number[]> {
  const p = ctx.attrString('padding') ?? 'VALID';
  if (p === 'VALID') return { pads: [0, 0, 0, 0] };
  // TF SAME puts the odd pixel at the bottom/right, which is ONNX SAME_UPPER.
  if (p === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (p === 'EXPLICIT') {
    const e = ctx.attrInts('explicit_paddings') ?? [];
    const at = (dim: number): [number, number] => [e[dim * 2] ?? 0, e[dim * 2 + 1] ?? 0];
    const [h, w] = nhwc(ctx) ? [at(1), at(2)] : [at(2), at(3)];
    return { pads: [h[0], w[0], h[1], w[1]] };
  }
  return ctx.fail(`padding ${p} is not supported`);
}

/** Run `body` on the NCHW view of input 0 and hand back a tensor in the node's layout. */
function inNchw(ctx: OpContext, body: (x: string) => string): void {
  const isNhwc = nhwc(ctx);
  const x = isNhwc ? ctx.g.transpose(ctx.input(0), TO_NCHW) : ctx.input(0);
  const y = body(x);
  ctx.setOutput(0, isNhwc ? ctx.g.transpose(y, TO_NHWC) : y);
}

/** TF HWIO filter -> ONNX OIHW. */
function hwioToOihw(w: ConstTensor): { data: Float32Array; dims: number[] } {
  const [H = 1, W = 1, I = 1, O = 1] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < H; h++)
    for (let x = 0; x < W; x++)
      for (let i = 0; i < I; i++)
        for (let o = 0; o < O; o++) out[((o * I + i) * H + h) * W + x] = w.data[((h * W + x) * I + i) * O + o] ?? 0;
  return { data: out, dims: [O, I, H, W] };
}

/** TF depthwise filter [H, W, C, M] -> ONNX [C*M, 1, H, W] with group C. */
function depthwiseToOihw(w: ConstTensor): { data: Float32Array; dims: number[]; group: number } {
  const [H = 1, W = 1, C = 1, M = 1] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < H; h++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < M; m++) out[((c * M + m) * H + h) * W + x] = w.data[((h * W + x) * C + c) * M + m] ?? 0;
  return { data: out, dims: [C * M, 1, H, W], group: C };
}

/** The activations TF's grappler fuses into _FusedConv2D / FusedDepthwiseConv2dNative. */
function fusedActivation(ctx: OpContext, y: string, ops: string[]): string {
  let out = y;
  for (const op of ops.slice(1)) {
    if (op === 'Relu') out = ctx.g.op1('Relu', [out]);
    else if (op === 'Relu6') out = ctx.g.op1('Clip', [out, ctx.g.f32('zero', [0], []), ctx.g.f32('six', [6], [])]);
    else if (op === 'Elu') out = ctx.g.op1('Elu', [out]);
    else if (op === 'Sigmoid') out = ctx.g.op1('Sigmoid', [out]);
    else if (op === 'LeakyRelu') out = ctx.g.op1('LeakyRelu', [out], { alpha: { float: ctx.attrFloat('leakyrelu_alpha') ?? 0.2 } });
    else if (op === 'Prelu') {
      const alpha = ctx.requireConstant(3, 'the PReLU alpha');
      out = ctx.g.op1('PRelu', [out, ctx.g.f32('prelu_alpha', alpha.data, [alpha.data.length, 1, 1])]);
    } else ctx.fail(`fused op ${op} is not supported`);
  }
  return out;
}

function conv(depthwise: boolean, fused: boolean): OpMapper {
  return (ctx) => {
    const filter = ctx.requireConstant(1, 'the filter');
    const w = depthwise ? depthwiseToOihw(filter) : { ...hwioToOihw(filter), group: 1 };
    const fusedOps = fused ? (ctx.attrStrings('fused_ops') ?? []) : [];
    if (fused && fusedOps[0] !== 'BiasAdd') ctx.fail(`fused_ops [${fusedOps.join(', ')}] is not supported (expected BiasAdd first)`);
    const inputs = [ctx.g.f32(`${ctx.node.name}/W`, w.data, w.dims)];
    if (fused) inputs.push(ctx.g.f32(`${ctx.node.name}/B`, ctx.requireConstant(2, 'the bias').data, [w.dims[0] ?? 1]));
    inNchw(ctx, (x) => {
      const y = ctx.g.op1('Conv', [x, ...inputs], {
        kernel_shape: [w.dims[2] ?? 1, w.dims[3] ?? 1],
        strides: spatial(ctx, 'strides', 1),
        dilations: spatial(ctx, 'dilations', 1),
        group: w.group,
        ...padding(ctx),
      });
      return fused ? fusedActivation(ctx, y, fusedOps) : y;
    });
  };
}

function pool(onnxOp: 'MaxPool' | 'AveragePool'): OpMapper {
  return (ctx) =>
    inNchw(ctx, (x) => ctx.g.op1(onnxOp, [x], { kernel_shape: spatial(ctx, 'ksize', 1), strides: spatial(ctx, 'strides', 1), ...padding(ctx) }));
}

function resize(mode: 'linear' | 'nearest'): OpMapper {
  return (ctx) => {
    const size = ints(ctx.requireConstant(1, 'the output size'));
    const alignCorners = ctx.attrBool('align_corners') ?? false;
    const halfPixel = ctx.attrBool('half_pixel_centers') ?? false;
    // TF resize ops are always NHWC.
    const x = ctx.g.transpose(ctx.input(0), TO_NCHW);
    const nc = ctx.g.op1('Slice', [ctx.g.op1('Shape', [x]), ctx.g.i64('start', [0]), ctx.g.i64('end', [2])]);
    const sizes = ctx.g.op1('Concat', [nc, ctx.g.i64('hw', size)], { axis: 0 });
    const attrs: Record<string, string> =
      mode === 'linear'
        ? { mode, coordinate_transformation_mode: alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric' }
        : alignCorners
          ? { mode, coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }
          : halfPixel
            ? { mode, coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'floor' }
            : { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    const y = ctx.g.op1('Resize', [x, '', '', sizes], attrs);
    ctx.setOutput(0, ctx.g.transpose(y, TO_NHWC));
  };
}

export const NN_OPS: Record<string, OpMapper> = {
  Conv2D: conv(false, false),
  _FusedConv2D: conv(false, true),
  DepthwiseConv2dNative: conv(true, false),
  FusedDepthwiseConv2dNative: conv(true, true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
};
