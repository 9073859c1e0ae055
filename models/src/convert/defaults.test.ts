import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../runners.js';
import { decodeRaw, renderScene } from '../testing/index.js';
import { buildDefaultModels, defaultManifestPath } from './defaults.js';

describe('default models', () => {
  it('builds nanodet-coco offline, then skips the work while the cached sha256 matches', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spoor-default-'));
    const first = await buildDefaultModels({ dir });
    expect(first.built).toBe(true);
    const [entry] = first.manifest.models;
    expect(entry?.id).toBe('nanodet-coco');
    expect(entry?.output.decoder).toBe('gfl');
    const mtime = statSync(join(dir, 'nanodet-coco.onnx')).mtimeMs;
    const second = await buildDefaultModels({ dir });
    expect(second.built).toBe(false);
    expect(statSync(join(dir, 'nanodet-coco.onnx')).mtimeMs).toBe(mtime);

    // The Detector runs it through the gfl decoder; a synthetic frame holds no COCO object.
    if (entry === undefined) throw new Error('no entry');
    const detector = await Detector.create(entry, { modelDir: dir, providers: ['cpu'], threads: 2 });
    const img = await decodeRaw(await renderScene({ width: 800, height: 600, seed: 1, format: 'png', objects: [] }));
    const { detections, timings } = await detector.detect(img);
    expect(Array.isArray(detections)).toBe(true);
    expect(timings.runMs).toBeGreaterThan(0);
    await detector.release();
  });

  it('keeps the default manifest under models/cache/default', () => {
    expect(defaultManifestPath()).toMatch(/models\/cache\/default\/manifest\.json$/);
  });
});
