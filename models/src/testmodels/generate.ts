import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputSpec, Manifest, ModelEntry } from '../manifest.js';
import { sha256 } from '../sha.js';
import { CATEGORIES, SPECIES } from '../testing/world.js';
import { buildClassifier, CLASSIFIER_SIZE } from './classifier.js';
import { buildDetector, DETECTOR_SIZE } from './detector.js';
import { buildEmbedder, EMBEDDER_DIM, EMBEDDER_SIZE } from './embedder.js';

const LICENSE = 'Apache-2.0';

function input(size: number, letterbox: boolean): InputSpec {
  return { width: size, height: size, layout: 'NCHW', channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], letterbox, padValue: 114, dtype: 'float32' };
}

/** The manifest entries of the bundled test models, without their sha256. */
export function testModelEntries(): Omit<ModelEntry, 'sha256'>[] {
  return [
    {
      id: 'spoor-test-detector',
      task: 'detector',
      file: 'detector.onnx',
      license: LICENSE,
      input: input(DETECTOR_SIZE, true),
      output: {
        decoder: 'yolo',
        format: 'yolov8',
        labels: [...CATEGORIES],
        categories: Object.fromEntries(CATEGORIES.map((c) => [c, c])),
        scoreThreshold: 0.5,
        iouThreshold: 0.45,
        maxDetections: 50,
      },
    },
    {
      id: 'spoor-test-classifier',
      task: 'classifier',
      file: 'classifier.onnx',
      license: LICENSE,
      input: input(CLASSIFIER_SIZE, false),
      output: {
        decoder: 'softmax',
        labels: SPECIES.map((s) => s.label),
        taxonomy: Object.fromEntries(SPECIES.map((s) => [s.label, [...s.lineage]])),
        logits: true,
        topK: 3,
        rollupThreshold: 0.6,
      },
    },
    {
      id: 'spoor-test-embedder',
      task: 'embedder',
      file: 'embedder.onnx',
      license: LICENSE,
      input: input(EMBEDDER_SIZE, false),
      output: { decoder: 'embedding', dim: EMBEDDER_DIM, normalize: true },
    },
  ];
}

/**
 * Write detector.onnx, classifier.onnx, embedder.onnx and manifest.json into outDir.
 * Byte-identical on every run. Returns the manifest.
 */
export function generateTestModels(outDir: string): Manifest {
  mkdirSync(outDir, { recursive: true });
  const bytes: Record<string, Uint8Array> = {
    'detector.onnx': buildDetector(),
    'classifier.onnx': buildClassifier(),
    'embedder.onnx': buildEmbedder(),
  };
  const models = testModelEntries().map((e) => {
    const data = bytes[e.file];
    if (data === undefined) throw new Error(`no generator for ${e.file}`);
    writeFileSync(join(outDir, e.file), data);
    return { ...e, sha256: sha256(data) } as ModelEntry;
  });
  const manifest: Manifest = { v: 1, models };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
