import onnxProto from 'onnx-proto';
import type { ConstTensor } from './tfjs-model.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export type OnnxAttr = number | number[] | string | { float: number } | { floats: number[] };

interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

interface Init {
  name: string;
  dims: number[];
  dataType: number;
  raw: Buffer;
}

export interface ValueInfo {
  name: string;
  /** A number, or a symbolic name for an unknown dimension; undefined = rank unknown. */
  dims?: (number | string)[];
}

/**
 * An ONNX graph under construction: nodes in topological order, initializers, and a
 * peephole that composes consecutive Transposes (so NHWC<->NCHW pairs cancel out).
 */
export class OnnxGraph {
  private readonly nodes: OnnxNode[] = [];
  private readonly inits = new Map<string, Init>();
  private readonly producer = new Map<string, OnnxNode>();
  private readonly used = new Set<string>();
  private n = 0;

  fresh(base: string): string {
    let name = `${base}__${this.n++}`;
    while (this.used.has(name)) name = `${base}__${this.n++}`;
    this.used.add(name);
    return name;
  }

  /** float32 initializer. */
  f32(base: string, data: ArrayLike<number>, dims: number[]): string {
    return this.init(base, dims, DT.FLOAT, Buffer.from(Float32Array.from(data).buffer));
  }

  /** int64 initializer (shapes, pads, axes, split sizes). */
  i64(base: string, values: readonly number[], dims: number[] = [values.length]): string {
    return this.init(base, dims, DT.INT64, Buffer.from(BigInt64Array.from(values.map((v) => BigInt(v))).buffer));
  }

  /** A folded TF constant as an initializer of its own dtype. */
  constant(base: string, t: ConstTensor): string {
    return t.dtype === 'float32'
      ? this.init(base, t.shape, DT.FLOAT, Buffer.from(Float32Array.from(t.data).buffer))
      : this.init(base, t.shape, DT.INT32, Buffer.from(Int32Array.from(t.data).buffer));
  }

  private init(base: string, dims: number[], dataType: number, raw: Buffer): string {
    const name = this.fresh(base);
    this.inits.set(name, { name, dims, dataType, raw });
    return name;
  }

  /** Add a node; returns its output names (`outputs` of them, named after `base`). */
  op(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, base = opType, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, (_, k) => this.fresh(outputs === 1 ? base : `${base}_${k}`));
    const node: OnnxNode = { name: this.fresh(`${base}_node`), opType, inputs, outputs: outs, attrs };
    this.nodes.push(node);
    for (const o of outs) this.producer.set(o, node);
    return outs;
  }

  /** op() with one output. */
  op1(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, base = opType): string {
    return this.op(opType, inputs, attrs, base)[0] as string;
  }

  /** A graph output with exactly this name (an Identity of `src`). */
  output(src: string, name: string): string {
    if (this.used.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.used.add(name);
    const node: OnnxNode = { name: this.fresh(`${name}_node`), opType: 'Identity', inputs: [src], outputs: [name], attrs: {} };
    this.nodes.push(node);
    this.producer.set(name, node);
    return name;
  }

  /** Transpose, composed with a producing Transpose; an identity permutation is no node at all. */
  transpose(x: string, perm: readonly number[], base = 'transpose'): string {
    const prev = this.producer.get(x);
    let src = x;
    let p = [...perm];
    if (prev?.opType === 'Transpose' && Array.isArray(prev.attrs.perm) && prev.inputs[0] !== undefined) {
      const q = prev.attrs.perm;
      p = p.map((i) => q[i] ?? i);
      src = prev.inputs[0];
    }
    if (p.every((v, i) => v === i)) return src;
    return this.op1('Transpose', [src], { perm: p }, base);
  }

  opCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const node of this.nodes) counts[node.opType] = (counts[node.opType] ?? 0) + 1;
    return counts;
  }

  /** Drop nodes and initializers that no output depends on. */
  prune(outputs: readonly string[]): void {
    const live = new Set(outputs);
    const keep: OnnxNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i] as OnnxNode;
      if (!node.outputs.some((o) => live.has(o))) continue;
      keep.push(node);
      for (const inp of node.inputs) if (inp) live.add(inp);
    }
    this.nodes.splice(0, this.nodes.length, ...keep.reverse());
    for (const name of [...this.inits.keys()]) if (!live.has(name)) this.inits.delete(name);
  }

  encode(inputs: ValueInfo[], outputs: ValueInfo[], graphName: string, producer: string): Uint8Array {
    const vi = (v: ValueInfo) =>
      onnx.ValueInfoProto.create({
        name: v.name,
        type: onnx.TypeProto.create({
          tensorType: onnx.TypeProto.Tensor.create({
            elemType: DT.FLOAT,
            ...(v.dims === undefined
              ? {}
              : {
                  shape: onnx.TensorShapeProto.create({
                    dim: v.dims.map((d) =>
                      typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
                    ),
                  }),
                }),
          }),
        }),
      });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      producerVersion: '1',
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes.map((node) =>
          onnx.NodeProto.create({
            name: node.name,
            opType: node.opType,
            input: node.inputs,
            output: node.outputs,
            attribute: Object.entries(node.attrs).map(([name, v]) => attr(name, v)),
          }),
        ),
        initializer: [...this.inits.values()].map((t) => onnx.TensorProto.create({ name: t.name, dims: t.dims, dataType: t.dataType, rawData: t.raw })),
        input: inputs.map(vi),
        output: outputs.map(vi),
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attr(name: string, v: OnnxAttr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: Buffer.from(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
}
