import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ort from 'onnxruntime-node';
import { ModelErrors } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import type { ModelEntry } from './manifest.js';
import { sha256File } from './sha.js';

/** An execution provider by name, or with options (TensorRT engine cache, fp16). */
export type ProviderConfig =
  | string
  | { name: string; engineCacheDir?: string; fp16?: boolean; deviceId?: number };

export interface LoadOptions {
  /** Folder the entry's `file` is relative to (the manifest's folder). */
  modelDir: string;
  /** Tried in order, e.g. ['tensorrt', 'cuda', 'cpu']. */
  providers: readonly ProviderConfig[];
  logger?: Logger;
  threads?: number;
  verifySha?: boolean;
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface LoadedModel {
  readonly entry: ModelEntry;
  readonly provider: string;
  readonly skipped: readonly { provider: string; reason: string }[];
  readonly inputName: string;
  readonly outputNames: readonly string[];
  run(tensor: Float32Array | Uint8Array, dims: number[]): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

const PARSE_ERROR = /protobuf parsing failed|INVALID_PROTOBUF|INVALID_GRAPH|INVALID_ARGUMENT|Load model .* failed|model_load_utils|opset/i;

/** Provider libraries ONNX Runtime loads at session creation (a plugin beside the binding). */
const PROVIDER_LIBS: Record<string, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

/**
 * Why a provider cannot work in this install, checked before asking ONNX Runtime (which
 * would print native errors to stderr for every model). null = worth trying.
 */
export function providerUnavailable(name: string): string | null {
  const lib = PROVIDER_LIBS[name];
  if (lib === undefined || process.platform !== 'linux') return null;
  let binDir: string;
  try {
    const binding = createRequire(import.meta.url).resolve('onnxruntime-node');
    binDir = join(dirname(binding), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
  if (!existsSync(binDir) || existsSync(join(binDir, lib))) return null;
  return `${lib} is not installed beside onnxruntime-node (${binDir}); install the GPU build of ONNX Runtime to use ${name}`;
}

function providerName(p: ProviderConfig): string {
  return typeof p === 'string' ? p : p.name;
}

function toOrtProvider(p: ProviderConfig): ort.InferenceSession.ExecutionProviderConfig {
  if (typeof p === 'string') return p;
  if (p.name === 'tensorrt') {
    // Extra keys are read by ONNX Runtime builds that support them and ignored by the rest.
    return {
      name: 'tensorrt',
      ...(p.deviceId === undefined ? {} : { deviceId: p.deviceId }),
      ...(p.engineCacheDir === undefined ? {} : { trtEngineCacheEnable: true, trtEngineCachePath: p.engineCacheDir }),
      ...(p.fp16 === undefined ? {} : { trtFp16Enable: p.fp16 }),
    } as ort.InferenceSession.ExecutionProviderConfig;
  }
  return { name: p.name, ...(p.deviceId === undefined ? {} : { deviceId: p.deviceId }) };
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? msg).replace(ANSI, '').trim();
}

/** Check the file, then open a session on the first provider that loads it. */
export async function loadModel(entry: ModelEntry, opts: LoadOptions): Promise<LoadedModel> {
  const log = opts.logger ?? silentLogger;
  const path = resolve(opts.modelDir, entry.file);
  if (!existsSync(path)) {
    throw ModelErrors.SPOOR_E_MODEL_MISSING(`${entry.id} (looked for ${path})`, {
      hint: `Run \`spoor-models fetch ${entry.id}\`${entry.url ? ` or download ${entry.url}` : ''} into ${opts.modelDir}.`,
    });
  }
  if (opts.verifySha ?? true) {
    const actual = await sha256File(path);
    if (actual !== entry.sha256) {
      throw ModelErrors.SPOOR_E_MODEL_SHA(`${entry.id} (${path}): expected ${entry.sha256}, actual ${actual}`);
    }
  }

  const skipped: { provider: string; reason: string }[] = [];
  for (const p of opts.providers) {
    const name = providerName(p);
    const unavailable = providerUnavailable(name);
    if (unavailable !== null) {
      skipped.push({ provider: name, reason: unavailable });
      log.debug({ model: entry.id, provider: name, reason: unavailable }, 'execution provider skipped');
      continue;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: [toOrtProvider(p)],
        graphOptimizationLevel: 'all',
        ...(opts.threads === undefined ? {} : { intraOpNumThreads: opts.threads }),
      });
    } catch (err) {
      const reason = firstLine(err);
      if (PARSE_ERROR.test(reason)) {
        throw ModelErrors.SPOOR_E_MODEL_INVALID(`${entry.id} (${path}): ${reason}`, { cause: err });
      }
      skipped.push({ provider: name, reason });
      log.debug({ model: entry.id, provider: name, reason }, 'execution provider skipped');
      continue;
    }
    log.info({ model: entry.id, provider: name, skipped }, `model ${entry.id} loaded on ${name}`);
    return wrap(entry, name, skipped, session);
  }
  log.warn({ model: entry.id, skipped }, 'no execution provider could load the model');
  throw ModelErrors.SPOOR_E_PROVIDER_UNAVAILABLE(
    `${entry.id}: ${skipped.map((s) => `${s.provider} (${s.reason})`).join('; ') || 'empty provider list'}`,
  );
}

function wrap(
  entry: ModelEntry,
  provider: string,
  skipped: { provider: string; reason: string }[],
  session: ort.InferenceSession,
): LoadedModel {
  const inputName = session.inputNames[0];
  if (inputName === undefined) throw ModelErrors.SPOOR_E_MODEL_INVALID(`${entry.id}: the model has no input`);
  const outputNames = [...session.outputNames];
  return {
    entry,
    provider,
    skipped,
    inputName,
    outputNames,
    async run(tensor, dims) {
      const input =
        tensor instanceof Float32Array ? new ort.Tensor('float32', tensor, dims) : new ort.Tensor('uint8', tensor, dims);
      const results = await session.run({ [inputName]: input });
      const out: Record<string, OutputTensor> = {};
      for (const name of outputNames) {
        const t = results[name];
        if (t === undefined) continue;
        const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
        out[name] = { data, dims: t.dims };
      }
      return out;
    },
    release: () => session.release(),
  };
}
