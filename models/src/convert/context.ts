import { ConvertErrors } from './errors.js';
import type { OnnxGraph } from './onnx-graph.js';
import type { ConstTensor, TfAttr, TfNode } from './tfjs-model.js';

/** What an op mapper sees of one TF node. */
export interface OpContext {
  readonly node: TfNode;
  readonly g: OnnxGraph;
  /** Data inputs (control inputs `^x` removed), as TF tensor refs. */
  readonly inputs: readonly string[];
  /** The ONNX tensor for data input i (a constant becomes an initializer). */
  input(i: number): string;
  /** The constant value of data input i, when it is known at conversion time. */
  constant(i: number): ConstTensor | undefined;
  /** Like constant(), but a conversion error when the input is not constant. */
  requireConstant(i: number, what: string): ConstTensor;
  /** Set the ONNX tensor of output k (TF ref `name:k`). */
  setOutput(k: number, onnxName: string): void;
  attrString(name: string): string | undefined;
  attrInts(name: string): number[] | undefined;
  attrInt(name: string): number | undefined;
  attrFloat(name: string): number | undefined;
  attrBool(name: string): boolean | undefined;
  attrStrings(name: string): string[] | undefined;
  fail(reason: string): never;
}

export type OpMapper = (ctx: OpContext) => void;

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

export function makeAttrReaders(node: TfNode): Pick<OpContext, 'attrString' | 'attrInts' | 'attrInt' | 'attrFloat' | 'attrBool' | 'attrStrings'> {
  const get = (name: string): TfAttr | undefined => node.attr?.[name];
  return {
    attrString: (name) => {
      const s = get(name)?.s;
      return s === undefined ? undefined : b64(s);
    },
    attrInts: (name) => get(name)?.list?.i?.map(Number),
    attrInt: (name) => {
      const i = get(name)?.i;
      return i === undefined ? undefined : Number(i);
    },
    attrFloat: (name) => get(name)?.f,
    attrBool: (name) => get(name)?.b,
    attrStrings: (name) => get(name)?.list?.s?.map(b64),
  };
}

export function conversionError(node: TfNode, reason: string): Error {
  return ConvertErrors.SPOOR_E_MODEL_CONVERT(`cannot convert node '${node.name}' (op ${node.op}): ${reason}`);
}

/** Integer values of a constant (shapes, axes, paddings). */
export function ints(t: ConstTensor): number[] {
  return Array.from(t.data, (v) => Math.trunc(v));
}
