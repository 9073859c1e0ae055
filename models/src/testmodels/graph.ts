import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

type Attr = number | number[] | string | { floats: number[] } | { float: number };

/**
 * A tiny ONNX graph builder: constants become initializers, every op gets a deterministic
 * name, so the same calls always encode to the same bytes.
 */
export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly inits: InstanceType<typeof onnx.TensorProto>[] = [];
  private n = 0;

  /** float32 constant. */
  f32(values: ArrayLike<number>, dims: number[]): string {
    const name = `c${this.n++}`;
    const raw = Buffer.from(Float32Array.from(values).buffer);
    this.inits.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }));
    return name;
  }

  /** int64 constant (shapes, axes, slice bounds). */
  i64(values: number[]): string {
    const name = `c${this.n++}`;
    const raw = Buffer.from(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    this.inits.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw }));
    return name;
  }

  /** Scalar float constant, broadcastable. */
  s(v: number): string {
    return this.f32([v], [1]);
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `t${this.n++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => attr(name, v));
    this.nodes.push(onnx.NodeProto.create({ name: `${opType}_${this.n++}`, opType, input: inputs, output: [out], attribute }));
    return out;
  }

  encode(input: { name: string; dims: number[]; elemType?: number }, outputs: { name: string; dims: (number | string)[] }[], graphName: string): Uint8Array {
    const vi = (name: string, dims: (number | string)[], elemType = onnx.TensorProto.DataType.FLOAT) =>
      onnx.ValueInfoProto.create({
        name,
        type: onnx.TypeProto.create({
          tensorType: onnx.TypeProto.Tensor.create({
            elemType,
            shape: onnx.TensorShapeProto.create({
              dim: dims.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : onnx.TensorShapeProto.Dimension.create({ dimParam: d }))),
            }),
          }),
        }),
      });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'spoor-testmodels',
      producerVersion: '1',
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes,
        initializer: this.inits,
        input: [vi(input.name, input.dims, input.elemType)],
        output: outputs.map((o) => vi(o.name, o.dims)),
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attr(name: string, v: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: Buffer.from(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
}
