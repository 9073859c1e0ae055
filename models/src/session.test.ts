import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { isSpoorError } from '@spoor/protocol';
import { describe, expect, it } from 'vitest';
import { bundledManifestPath, loadManifest, type ModelEntry } from './manifest.js';
import { loadModel } from './session.js';
import { sha256 } from './sha.js';

const manifestPath = bundledManifestPath();
const modelDir = dirname(manifestPath);
const classifier = loadManifest(manifestPath).models.find((m) => m.task === 'classifier')!;

// On a machine where ONNX Runtime has its CUDA provider library, the fallback test is moot.
const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
const hasGpuProviders = existsSync(join(ortDir, '..', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return isSpoorError(err) ? err.code : `other: ${(err as Error).message}`;
  }
}

function tempModel(bytes: Uint8Array): { entry: ModelEntry; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spoor-model-'));
  writeFileSync(join(dir, 'm.onnx'), bytes);
  return { dir, entry: { ...classifier, file: 'm.onnx', sha256: sha256(bytes) } };
}

describe('loadModel', () => {
  it('runs the bundled classifier on cpu and returns named outputs', async () => {
    const model = await loadModel(classifier, { modelDir, providers: ['cpu'], threads: 1 });
    expect(model.provider).toBe('cpu');
    expect(model.inputName).toBe('input');
    const out = await model.run(new Float32Array(3 * 96 * 96).fill(0.5), [1, 3, 96, 96]);
    expect(out['logits']?.dims).toEqual([1, 4]);
    await model.release();
  });

  it.skipIf(hasGpuProviders)('falls back from tensorrt and cuda to cpu, saying why', async () => {
    const lines: string[] = [];
    const logger = { info: (_o: object, m?: string) => lines.push(`info ${m}`), warn: () => undefined, debug: (_o: object, m?: string) => lines.push(`debug ${m}`) };
    const model = await loadModel(classifier, { modelDir, providers: [{ name: 'tensorrt', engineCacheDir: '/tmp/trt', fp16: true }, 'cuda', 'cpu'], logger });
    expect(model.provider).toBe('cpu');
    expect(model.skipped.map((s) => s.provider)).toEqual(['tensorrt', 'cuda']);
    expect(model.skipped.every((s) => s.reason.length > 0)).toBe(true);
    expect(lines).toContain('info model spoor-test-classifier loaded on cpu');
    await model.release();
  });

  it('throws SPOOR_E_PROVIDER_UNAVAILABLE when no provider loads', async () => {
    expect(await codeOf(loadModel(classifier, { modelDir, providers: ['no-such-provider'] }))).toBe('SPOOR_E_PROVIDER_UNAVAILABLE');
  });

  it('throws SPOOR_E_MODEL_MISSING naming where it looked', async () => {
    const err = await loadModel({ ...classifier, file: 'absent.onnx' }, { modelDir, providers: ['cpu'] }).catch((e: unknown) => e);
    expect(isSpoorError(err, 'SPOOR_E_MODEL_MISSING')).toBe(true);
    expect((err as Error).message).toContain(join(modelDir, 'absent.onnx'));
    expect((err as { hint?: string }).hint).toContain('spoor-models fetch spoor-test-classifier');
  });

  it('throws SPOOR_E_MODEL_SHA with expected and actual digests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spoor-model-'));
    copyFileSync(join(modelDir, classifier.file), join(dir, classifier.file));
    const wrong = '0'.repeat(64);
    const err = await loadModel({ ...classifier, sha256: wrong }, { modelDir: dir, providers: ['cpu'] }).catch((e: unknown) => e);
    expect(isSpoorError(err, 'SPOOR_E_MODEL_SHA')).toBe(true);
    expect((err as Error).message).toContain(`expected ${wrong}, actual ${classifier.sha256}`);
  });

  it('throws SPOOR_E_MODEL_INVALID for a text file and for a truncated model', async () => {
    const text = tempModel(Buffer.from('this is not an onnx model\n'));
    expect(await codeOf(loadModel(text.entry, { modelDir: text.dir, providers: ['cpu'] }))).toBe('SPOOR_E_MODEL_INVALID');
    const full = readFileSync(join(modelDir, classifier.file));
    const cut = tempModel(full.subarray(0, Math.floor(full.length / 2)));
    expect(await codeOf(loadModel(cut.entry, { modelDir: cut.dir, providers: ['cpu'] }))).toBe('SPOOR_E_MODEL_INVALID');
  });
});
