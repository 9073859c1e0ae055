import { ints, type OpMapper } from '../context.js';

const unary =
  (onnxOp: string): OpMapper =>
  (ctx) =>
    ctx.setOutput(0, ctx.g.op1(onnxOp, [ctx.input(0)]));

const binary =
  (onnxOp: string): OpMapper =>
  (ctx) =>
    ctx.setOutput(0, ctx.g.op1(onnxOp, [ctx.input(0), ctx.input(1)]));

const reduce =
  (onnxOp: string): OpMapper =>
  (ctx) => {
    const axes = ints(ctx.requireConstant(1, 'the reduction axes'));
    const keepdims = ctx.attrBool('keep_dims') ? 1 : 0;
    // ReduceSum takes axes as an input from opset 13; the others still as an attribute in 17.
    const y =
      onnxOp === 'ReduceSum'
        ? ctx.g.op1(onnxOp, [ctx.input(0), ctx.g.i64('axes', axes)], { keepdims })
        : ctx.g.op1(onnxOp, [ctx.input(0)], { axes, keepdims });
    ctx.setOutput(0, y);
  };

export const MATH_OPS: Record<string, OpMapper> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  BiasAdd: (ctx) => {
    if ((ctx.attrString('data_format') ?? 'NHWC') === 'NHWC') return binary('Add')(ctx);
    const bias = ctx.g.op1('Reshape', [ctx.input(1), ctx.g.i64('bias_shape', [-1, 1, 1])]);
    ctx.setOutput(0, ctx.g.op1('Add', [ctx.input(0), bias]));
  },
  Sigmoid: unary('Sigmoid'),
  Relu: unary('Relu'),
  Tanh: unary('Tanh'),
  Exp: unary('Exp'),
  Log: unary('Log'),
  Sqrt: unary('Sqrt'),
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Elu: unary('Elu'),
  Rsqrt: (ctx) => ctx.setOutput(0, ctx.g.op1('Reciprocal', [ctx.g.op1('Sqrt', [ctx.input(0)])])),
  Square: (ctx) => ctx.setOutput(0, ctx.g.op1('Mul', [ctx.input(0), ctx.input(0)])),
  Relu6: (ctx) => ctx.setOutput(0, ctx.g.op1('Clip', [ctx.input(0), ctx.g.f32('zero', [0], []), ctx.g.f32('six', [6], [])])),
  LeakyRelu: (ctx) => ctx.setOutput(0, ctx.g.op1('LeakyRelu', [ctx.input(0)], { alpha: { float: ctx.attrFloat('alpha') ?? 0.2 } })),
  Softmax: (ctx) => ctx.setOutput(0, ctx.g.op1('Softmax', [ctx.input(0)], { axis: -1 })),
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
};
