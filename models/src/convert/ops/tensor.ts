import { ints, type OpMapper } from '../context.js';

/** Shape-like int input as int64 (ONNX wants int64 where TF uses int32). */
function int64Input(ctx: Parameters<OpMapper>[0], i: number, base: string): string {
  const c = ctx.constant(i);
  return c ? ctx.g.i64(base, ints(c), c.shape.length === 0 ? [] : [c.data.length]) : ctx.g.op1('Cast', [ctx.input(i)], { to: 7 });
}

const pad: OpMapper = (ctx) => {
  const p = ints(ctx.requireConstant(1, 'the paddings'));
  const rank = p.length / 2;
  const begins = Array.from({ length: rank }, (_, d) => p[d * 2] ?? 0);
  const ends = Array.from({ length: rank }, (_, d) => p[d * 2 + 1] ?? 0);
  const inputs = [ctx.input(0), ctx.g.i64('pads', [...begins, ...ends])];
  if (ctx.node.op === 'PadV2') {
    const v = ctx.requireConstant(2, 'the constant value');
    inputs.push(ctx.g.f32('pad_value', [v.data[0] ?? 0], []));
  }
  const mode = ctx.node.op === 'MirrorPad' ? (ctx.attrString('mode') === 'SYMMETRIC' ? ctx.fail('SYMMETRIC mirror padding is not supported') : 'reflect') : 'constant';
  ctx.setOutput(0, ctx.g.op1('Pad', inputs, { mode }));
};

export const TENSOR_OPS: Record<string, OpMapper> = {
  Identity: (ctx) => ctx.setOutput(0, ctx.input(0)),
  StopGradient: (ctx) => ctx.setOutput(0, ctx.input(0)),
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
  Transpose: (ctx) => ctx.setOutput(0, ctx.g.transpose(ctx.input(0), ints(ctx.requireConstant(1, 'the permutation')))),
  Reshape: (ctx) => ctx.setOutput(0, ctx.g.op1('Reshape', [ctx.input(0), int64Input(ctx, 1, 'shape')])),
  ConcatV2: (ctx) => {
    const n = ctx.inputs.length - 1;
    const axis = ints(ctx.requireConstant(n, 'the axis'))[0] ?? 0;
    ctx.setOutput(0, ctx.g.op1('Concat', Array.from({ length: n }, (_, i) => ctx.input(i)), { axis }));
  },
  SplitV: (ctx) => {
    const sizes = ints(ctx.requireConstant(1, 'the split sizes'));
    if (sizes.some((s) => s < 0)) ctx.fail('a -1 split size needs shape inference, which the converter does not do');
    const axis = ints(ctx.requireConstant(2, 'the split axis'))[0] ?? 0;
    const outs = ctx.g.op('Split', [ctx.input(0), ctx.g.i64('split', sizes)], { axis }, 'split', sizes.length);
    outs.forEach((o, k) => ctx.setOutput(k, o));
  },
  Split: (ctx) => {
    const axis = ints(ctx.requireConstant(0, 'the split axis'))[0] ?? 0;
    const n = ctx.attrInt('num_split') ?? 1;
    const outs = ctx.g.op('Split', [ctx.input(1)], { axis }, 'split', n);
    outs.forEach((o, k) => ctx.setOutput(k, o));
  },
  Squeeze: (ctx) => {
    const axes = ctx.attrInts('squeeze_dims') ?? [];
    ctx.setOutput(0, ctx.g.op1('Squeeze', axes.length ? [ctx.input(0), ctx.g.i64('axes', axes)] : [ctx.input(0)]));
  },
  ExpandDims: (ctx) => ctx.setOutput(0, ctx.g.op1('Unsqueeze', [ctx.input(0), ctx.g.i64('axes', ints(ctx.requireConstant(1, 'the axis')))])),
  Pack: (ctx) => {
    const axis = ctx.attrInt('axis') ?? 0;
    const parts = ctx.inputs.map((_, i) => ctx.g.op1('Unsqueeze', [ctx.input(i), ctx.g.i64('axes', [axis])]));
    ctx.setOutput(0, ctx.g.op1('Concat', parts, { axis }));
  },
  Cast: (ctx) => {
    const to = ctx.node.attr?.DstT?.type ?? 'DT_FLOAT';
    ctx.setOutput(0, to === 'DT_FLOAT' ? ctx.input(0) : ctx.g.op1('Cast', [ctx.input(0)], { to: to === 'DT_INT32' ? 6 : to === 'DT_INT64' ? 7 : to === 'DT_BOOL' ? 9 : ctx.fail(`cast to ${to} is not supported`) }));
  },
};
