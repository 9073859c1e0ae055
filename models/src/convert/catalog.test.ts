import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { fieldManifestPath, loadFieldManifest, type FieldManifest } from '../manifest.js';
import { sha256 } from '../sha.js';
import { addModel, fetchModel, readPins } from './catalog.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'spoor-catalog-'));
}

function manifest(dir: string, url: string, sha: string): string {
  const m: FieldManifest = {
    v: 1,
    models: [
      {
        id: 'md-test',
        task: 'detector',
        file: 'md.onnx',
        sha256: sha,
        license: 'AGPL-3.0',
        url,
        input: { width: 640, height: 640, layout: 'NCHW', channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], letterbox: true, padValue: 114, dtype: 'float32' },
        output: { decoder: 'yolo-end2end', labels: ['animal', 'person', 'vehicle'], categories: { animal: 'animal' }, scoreThreshold: 0.2, maxDetections: 300 },
      },
    ],
  };
  const p = join(dir, 'field.json');
  writeFileSync(p, JSON.stringify(m));
  return p;
}

describe('field models', () => {
  it('the bundled field manifest is valid and pins nothing it cannot know', () => {
    const m = loadFieldManifest(fieldManifestPath());
    expect(m.models.length).toBeGreaterThanOrEqual(7);
    for (const e of m.models) expect(e.url).toMatch(/^https:\/\//);
    expect(m.models.find((e) => e.id === 'megadetector-v6-yolov10-c')?.output.decoder).toBe('yolo-end2end');
  });

  it('fetch fails at once when the host cannot be reached, naming the URL and how to side-load', async () => {
    const dir = tmp();
    // A non-routable address: the connect hangs, so only the connect timeout ends it.
    const manifestPath = manifest(dir, 'http://10.255.255.1/md.onnx', 'pin-on-first-download');
    const t0 = Date.now();
    const err = await fetchModel('md-test', { manifestPath, dir, connectTimeoutMs: 300 }).catch((e: unknown) => e as Error & { hint?: string });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err.message).toContain('http://10.255.255.1/md.onnx');
    expect(err.hint).toContain('spoor-models add <file> --as md-test');
  });

  it('add pins the sha256 of the first copy, then verifies later copies against it', async () => {
    const dir = tmp();
    const manifestPath = manifest(dir, 'https://example.org/md.onnx', 'pin-on-first-download');
    const file = join(dir, 'download.onnx');
    writeFileSync(file, 'model bytes');
    const first = await addModel(file, 'md-test', { manifestPath, dir });
    expect(first.check).toBe('pinned');
    expect(readPins(dir)['md-test']?.sha256).toBe(sha256(Buffer.from('model bytes')));
    expect((await addModel(file, 'md-test', { manifestPath, dir })).check).toBe('verified');
    writeFileSync(file, 'tampered bytes');
    await expect(addModel(file, 'md-test', { manifestPath, dir })).rejects.toThrow(/expected [0-9a-f]{64}, actual/);
  });

  it('add verifies against a published sha256', async () => {
    const dir = tmp();
    const file = join(dir, 'x.onnx');
    writeFileSync(file, 'other bytes');
    const manifestPath = manifest(dir, 'https://example.org/md.onnx', sha256(Buffer.from('model bytes')));
    await expect(addModel(file, 'md-test', { manifestPath, dir })).rejects.toThrow(/SHA|sha256|expected/i);
    expect(readPins(dir)).toEqual({});
  });

  it('the CLI exits 1 with the side-load hint when fetch cannot connect', async () => {
    const dir = tmp();
    const manifestPath = manifest(dir, 'http://127.0.0.1:1/md.onnx', 'pin-on-first-download');
    let err = '';
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      expect(await main(['fetch', 'md-test', '--manifest', manifestPath], () => undefined)).toBe(1);
    } finally {
      process.stderr.write = orig;
    }
    expect(err).toContain('http://127.0.0.1:1/md.onnx');
    expect(err).toContain('spoor-models add <file> --as md-test');
  });
});
