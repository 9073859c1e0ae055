import type { ConstTensor, TfNode } from './tfjs-model.js';

/**
 * Constant folding in JS for the shape-only subgraphs TF exporters leave behind
 * (SparseToDense/Pack feeding Pad paddings and Reshape shapes, ...). Each folder gets the
 * node's constant inputs and returns its outputs, or undefined when it cannot fold them.
 */
type Folder = (inputs: ConstTensor[], node: TfNode) => ConstTensor[] | undefined;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function like(t: ConstTensor, shape: number[], values: ArrayLike<number>): ConstTensor {
  return t.dtype === 'float32'
    ? { dtype: 'float32', shape, data: Float32Array.from(values) }
    : { dtype: 'int32', shape, data: Int32Array.from(values, (v) => Math.trunc(v)) };
}

function binary(fn: (a: number, b: number) => number): Folder {
  return ([a, b]) => {
    if (a === undefined || b === undefined) return undefined;
    const na = a.data.length;
    const nb = b.data.length;
    if (na !== nb && na !== 1 && nb !== 1) return undefined;
    const n = Math.max(na, nb);
    const shape = na >= nb ? a.shape : b.shape;
    const out = Array.from({ length: n }, (_, i) => fn(a.data[na === 1 ? 0 : i] ?? 0, b.data[nb === 1 ? 0 : i] ?? 0));
    return [like(a.dtype === 'float32' || b.dtype === 'float32' ? { ...a, dtype: 'float32' } : a, shape, out)];
  };
}

export const FOLDERS: Record<string, Folder> = {
  Identity: ([x]) => (x ? [x] : undefined),
  Add: binary((a, b) => a + b),
  AddV2: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  FloorDiv: binary((a, b) => Math.floor(a / b)),
  Cast: ([x], node) => {
    if (!x) return undefined;
    const to = node.attr?.DstT?.type ?? '';
    const isFloat = /FLOAT|HALF|DOUBLE/.test(to);
    return [isFloat ? { dtype: 'float32', shape: x.shape, data: Float32Array.from(x.data) } : like({ ...x, dtype: 'int32' }, x.shape, x.data)];
  },
  Reshape: ([x, shape]) => {
    if (!x || !shape) return undefined;
    const dims = Array.from(shape.data);
    const known = dims.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
    const full = dims.map((d) => (d < 0 ? x.data.length / known : d));
    return [{ ...x, shape: full }];
  },
  Pack: (xs, node) => {
    const axis = Number(node.attr?.axis?.i ?? 0);
    const first = xs[0];
    if (!first || axis !== 0 || xs.some((x) => x.data.length !== first.data.length)) return undefined;
    const values = xs.flatMap((x) => Array.from(x.data));
    return [like(first, [xs.length, ...first.shape], values)];
  },
  ConcatV2: (xs) => {
    const axis = xs[xs.length - 1];
    const parts = xs.slice(0, -1);
    const first = parts[0];
    if (!axis || !first || parts.some((p) => p.shape.length !== 1)) return undefined;
    const values = parts.flatMap((x) => Array.from(x.data));
    return [like(first, [values.length], values)];
  },
  /** SparseToDense(indices, output_shape, values, default). */
  SparseToDense: ([indices, outShape, values, dflt]) => {
    if (!indices || !outShape || !values || !dflt) return undefined;
    const shape = Array.from(outShape.data);
    const strides = shape.map((_, i) => size(shape.slice(i + 1)));
    const out = new Array<number>(size(shape)).fill(dflt.data[0] ?? 0);
    const rank = indices.shape.length === 2 ? (indices.shape[1] ?? 1) : 1;
    const count = indices.shape[0] ?? 0;
    for (let k = 0; k < count; k++) {
      let flat = 0;
      for (let r = 0; r < rank; r++) flat += (indices.data[k * rank + r] ?? 0) * (strides[r] ?? 0);
      out[flat] = values.data.length === 1 ? (values.data[0] ?? 0) : (values.data[k] ?? 0);
    }
    return [like(values, shape, out)];
  },
  Fill: ([dims, value]) => {
    if (!dims || !value) return undefined;
    const shape = Array.from(dims.data);
    return [like(value, shape, new Array<number>(size(shape)).fill(value.data[0] ?? 0))];
  },
};
