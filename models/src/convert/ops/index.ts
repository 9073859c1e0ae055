import type { OpMapper } from '../context.js';
import { MATH_OPS } from './math.js';
import { NN_OPS } from './nn.js';
import { TENSOR_OPS } from './tensor.js';

/** TF op name -> mapper that emits the equivalent ONNX (opset 17) nodes. */
export const OP_MAPPERS: Readonly<Record<string, OpMapper>> = { ...NN_OPS, ...TENSOR_OPS, ...MATH_OPS };
