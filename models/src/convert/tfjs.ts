import { ConvertErrors } from './errors.js';
import { sha256 } from '../sha.js';
import { conversionError, makeAttrReaders, type OpContext } from './context.js';
import { FOLDERS } from './fold.js';
import { OnnxGraph, type ValueInfo } from './onnx-graph.js';
import { OP_MAPPERS } from './ops/index.js';
import { readTfjsModel, type ConstTensor, type TfGraph, type TfNode } from './tfjs-model.js';

export interface ConvertResult {
  bytes: Uint8Array;
  sha256: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** ONNX op counts of the written graph. */
  opCounts: Record<string, number>;
  /** TF nodes folded to constants in JS (never reach the ONNX graph). */
  folded: number;
}

/** `node`, `node:0` -> `node:0`; `^node` (control input) -> undefined. */
function ref(input: string): string | undefined {
  if (input.startsWith('^')) return undefined;
  return /:\d+$/.test(input) ? input : `${input}:0`;
}

function topoSort(nodes: readonly TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 1 | 2>();
  const out: TfNode[] = [];
  const visit = (root: TfNode): void => {
    const stack: [TfNode, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1] as [TfNode, number];
      const [node, i] = top;
      if (i === 0) {
        if (state.get(node.name) !== undefined) {
          stack.pop();
          continue;
        }
        state.set(node.name, 1);
      }
      const inputs = node.input ?? [];
      if (i < inputs.length) {
        top[1] = i + 1;
        const dep = byName.get((inputs[i] as string).replace(/^\^/, '').replace(/:\d+$/, ''));
        if (dep !== undefined && state.get(dep.name) === undefined) stack.push([dep, 0]);
        continue;
      }
      state.set(node.name, 2);
      out.push(node);
      stack.pop();
    }
  };
  for (const n of nodes) visit(n);
  return out;
}

function placeholderDims(node: TfNode): (number | string)[] | undefined {
  const dims = node.attr?.shape?.shape?.dim;
  if (dims === undefined) return undefined;
  return dims.map((d, i) => {
    const v = Number(d.size ?? -1);
    return v >= 0 ? v : i === 0 ? 'batch' : `d${i}`;
  });
}

export interface ConvertOptions {
  /**
   * Graph outputs to keep (TF node names), default the signature's. Cutting the graph before
   * an in-graph post-processing tail (TopK, gathers) converts only the network itself.
   */
  outputs?: readonly string[];
}

/** The nodes `outputs` depend on. */
function needed(nodes: readonly TfNode[], outputs: readonly string[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.replace(/:\d+$/, ''));
  while (stack.length) {
    const name = stack.pop() as string;
    if (keep.has(name)) continue;
    const node = byName.get(name);
    if (node === undefined) throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`output ${name} is not a node of the graph`);
    keep.add(name);
    for (const i of node.input ?? []) stack.push(i.replace(/^\^/, '').replace(/:\d+$/, ''));
  }
  return nodes.filter((n) => keep.has(n.name));
}

/** Convert a parsed TF.js graph to ONNX (opset 17, IR 8). */
export function convertGraph(tf: TfGraph, name = 'tfjs', opts: ConvertOptions = {}): ConvertResult {
  const wantedOutputs = opts.outputs ?? (tf.outputs.length ? tf.outputs : undefined);
  const g = new OnnxGraph();
  const onnxOf = new Map<string, string>();
  const values = new Map<string, ConstTensor>();
  const inputs: ValueInfo[] = [];
  let folded = 0;

  for (const node of topoSort(wantedOutputs ? needed(tf.nodes, wantedOutputs) : tf.nodes)) {
    const inputRefs = (node.input ?? []).map(ref).filter((r): r is string => r !== undefined);
    if (node.op === 'Const') {
      const w = tf.weights.get(node.name);
      if (w === undefined) throw conversionError(node, 'no weight with this name in the weights manifest');
      values.set(`${node.name}:0`, w);
      continue;
    }
    if (node.op === 'Placeholder') {
      const dims = placeholderDims(node);
      inputs.push({ name: node.name, ...(dims === undefined ? {} : { dims }) });
      onnxOf.set(`${node.name}:0`, node.name);
      continue;
    }
    const constInputs = inputRefs.map((r) => values.get(r));
    const folder = FOLDERS[node.op];
    if (folder !== undefined && constInputs.every((c) => c !== undefined)) {
      const outs = folder(constInputs as ConstTensor[], node);
      if (outs !== undefined) {
        outs.forEach((t, k) => values.set(`${node.name}:${k}`, t));
        folded++;
        continue;
      }
    }
    const mapper = OP_MAPPERS[node.op];
    if (mapper === undefined) {
      throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`cannot convert node '${node.name}': op ${node.op} is not supported by the TF.js -> ONNX converter`);
    }
    const fail = (reason: string): never => {
      throw conversionError(node, reason);
    };
    const ctx: OpContext = {
      node,
      g,
      inputs: inputRefs,
      input(i) {
        const r = inputRefs[i] ?? fail(`missing input ${i}`);
        const known = onnxOf.get(r);
        if (known !== undefined) return known;
        const c = values.get(r) ?? fail(`input ${r} is produced by no converted node`);
        const init = g.constant(r.replace(/:0$/, ''), c);
        onnxOf.set(r, init);
        return init;
      },
      constant: (i) => {
        const r = inputRefs[i];
        return r === undefined ? undefined : values.get(r);
      },
      requireConstant(i, what) {
        return this.constant(i) ?? fail(`${what} (input ${i}) must be a constant`);
      },
      setOutput: (k, onnxName) => onnxOf.set(`${node.name}:${k}`, onnxName),
      ...makeAttrReaders(node),
      fail,
    };
    mapper(ctx);
  }

  if (inputs.length === 0) throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`${name}: the graph has no Placeholder input`);
  const outputNames = wantedOutputs ?? tf.nodes.filter((n) => !tf.nodes.some((m) => m.input?.some((i) => i.replace(/:\d+$/, '') === n.name))).map((n) => n.name);
  const sorted = [...outputNames].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const outputs: ValueInfo[] = sorted.map((o) => {
    const src = onnxOf.get(ref(o) ?? o);
    if (src === undefined) throw ConvertErrors.SPOOR_E_MODEL_CONVERT(`${name}: output ${o} is not computed by the graph (constant outputs are not supported)`);
    return { name: g.output(src, o.replace(/[:/]/g, '_')) };
  });
  g.prune(outputs.map((o) => o.name));
  const bytes = g.encode(inputs, outputs, name, 'spoor-models convert');
  return { bytes, sha256: sha256(bytes), inputs, outputs, opCounts: g.opCounts(), folded };
}

/** Read a TF.js graph model (model.json + shards) and convert it to ONNX. */
export function convertTfjs(modelJsonPath: string, opts: ConvertOptions = {}): ConvertResult {
  return convertGraph(readTfjsModel(modelJsonPath), modelJsonPath.replace(/^.*\//, '').replace(/\.json$/, ''), opts);
}
