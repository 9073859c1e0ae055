import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConvertErrors } from './errors.js';

/** A TF.js graph model as read from model.json (only the parts the converter uses). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: (string | number)[]; f?: number[]; s?: string[] };
  shape?: { dim?: { size?: string | number }[] };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  signature?: {
    inputs?: Record<string, { name: string }>;
    outputs?: Record<string, { name: string }>;
  };
}

/** A constant tensor: float data as float32, integer and bool data as int32. */
export interface ConstTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, ConstTensor>;
  /** Output tensor names from the signature (`node` or `node:k`), in signature order. */
  outputs: string[];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** IEEE 754 half -> float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeWeight(w: WeightSpec, buf: Buffer, offset: number): { tensor: ConstTensor; bytes: number } {
  const n = size(w.shape);
  const isFloat = w.dtype === 'float32';
  const isInt = w.dtype === 'int32' || w.dtype === 'bool';
  if (!isFloat && !isInt) throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`weight ${w.name}: dtype ${w.dtype} is not supported`);
  const q = w.quantization;
  const dv = new DataView(buf.buffer, buf.byteOffset + offset);
  if (q === undefined) {
    const bytes = w.dtype === 'bool' ? n : n * 4;
    if (w.dtype === 'bool') {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getUint8(i);
      return { tensor: { dtype: 'int32', shape: w.shape, data }, bytes };
    }
    const data = isFloat ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = isFloat ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
    return { tensor: { dtype: isFloat ? 'float32' : 'int32', shape: w.shape, data }, bytes };
  }
  const out = isFloat ? new Float32Array(n) : new Int32Array(n);
  if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
    return { tensor: { dtype: isFloat ? 'float32' : 'int32', shape: w.shape, data: out }, bytes: n * 2 };
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    const wide = q.dtype === 'uint16';
    for (let i = 0; i < n; i++) out[i] = (wide ? dv.getUint16(i * 2, true) : dv.getUint8(i)) * scale + min;
    return { tensor: { dtype: isFloat ? 'float32' : 'int32', shape: w.shape, data: out }, bytes: wide ? n * 2 : n };
  }
  throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`weight ${w.name}: quantization ${q.dtype} is not supported`);
}

/** Read model.json and its weight shards (dequantising float16 / uint8 / uint16 weights). */
export function readTfjsModel(modelJsonPath: string): TfGraph {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  } catch (cause) {
    throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`${modelJsonPath}: ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(json.modelTopology?.node)) {
    throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`${modelJsonPath}: not a TF.js graph model (no modelTopology.node; layers models are not supported)`);
  }
  const dir = dirname(modelJsonPath);
  const weights = new Map<string, ConstTensor>();
  for (const group of json.weightsManifest ?? []) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(resolve(dir, p))));
    let offset = 0;
    for (const w of group.weights) {
      const { tensor, bytes } = decodeWeight(w, buf, offset);
      if (offset + bytes > buf.length) throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`${modelJsonPath}: weight ${w.name} runs past the end of its shards`);
      weights.set(w.name, tensor);
      offset += bytes;
    }
  }
  const sigOut = Object.values(json.signature?.outputs ?? {}).map((o) => o.name.replace(/:0$/, ''));
  return { nodes: json.modelTopology.node, weights, outputs: sigOut };
}
