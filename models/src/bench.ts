import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultManifestPath } from './convert/defaults.js';
import { ModelErrors } from './errors.js';
import { bundledManifestPath, loadManifest, type ModelEntry } from './manifest.js';
import { loadModel, type ProviderConfig } from './session.js';

export interface BenchResult {
  id: string;
  provider: string;
  skipped: { provider: string; reason: string }[];
  input: number[];
  threads: number | null;
  runs: number;
  msMean: number;
  msP50: number;
  msP95: number;
  msMin: number;
}

/** Find a model by id in the bundled test manifest, the default manifest or the one given. */
export function findModel(id: string, manifestPath?: string): { entry: ModelEntry; modelDir: string } {
  const paths = manifestPath ? [manifestPath] : [bundledManifestPath(), defaultManifestPath()];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const entry = loadManifest(p).models.find((m) => m.id === id);
    if (entry) return { entry, modelDir: dirname(p) };
  }
  throw ModelErrors.SPOOR_E_MODEL_MISSING(`no installed model "${id}"`, { hint: 'See `spoor-models list`; field models are benchmarked with --manifest <their manifest>.' });
}

/**
 * Time `session.run` on a fixed pseudo-random input of the model's own shape, after warm-up
 * runs, on the first provider of the list that loads (the one reported).
 */
export async function benchModel(
  entry: ModelEntry,
  opts: { modelDir: string; providers: readonly ProviderConfig[]; runs?: number; warmup?: number; threads?: number },
): Promise<BenchResult> {
  const model = await loadModel(entry, { modelDir: opts.modelDir, providers: opts.providers, ...(opts.threads ? { threads: opts.threads } : {}) });
  try {
    const { width, height, layout, dtype } = entry.input;
    const dims = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
    const n = 3 * width * height;
    let s = 12345;
    const next = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const tensor = dtype === 'uint8' ? Uint8Array.from({ length: n }, () => Math.floor(next() * 256)) : Float32Array.from({ length: n }, () => next() * 2 - 1);
    for (let i = 0; i < (opts.warmup ?? 3); i++) await model.run(tensor, dims);
    const times: number[] = [];
    for (let i = 0; i < (opts.runs ?? 30); i++) {
      const t0 = performance.now();
      await model.run(tensor, dims);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] as number;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      id: entry.id,
      provider: model.provider,
      skipped: [...model.skipped],
      input: dims,
      threads: opts.threads ?? null,
      runs: times.length,
      msMean: r2(times.reduce((a, b) => a + b, 0) / times.length),
      msP50: r2(q(0.5)),
      msP95: r2(q(0.95)),
      msMin: r2(times[0] as number),
    };
  } finally {
    await model.release();
  }
}
