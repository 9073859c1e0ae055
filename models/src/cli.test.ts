import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { bundledManifestPath, loadManifest } from './manifest.js';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, (s) => (out += s));
  return { code, out };
}

describe('spoor-models', () => {
  it('prints help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('verify');
  });

  it('lists the test, default and field models with their licences', async () => {
    const { code, out } = await run(['list', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { id: string; installed: boolean; license: string; source: string }[];
    expect(rows.filter((r) => r.source === 'test').map((r) => [r.id, r.installed])).toEqual([
      ['spoor-test-detector', true],
      ['spoor-test-classifier', true],
      ['spoor-test-embedder', true],
    ]);
    expect(rows.find((r) => r.id === 'nanodet-coco')?.source).toBe('default');
    const field = rows.filter((r) => r.source === 'field');
    expect(field.map((r) => r.id)).toEqual(expect.arrayContaining(['megadetector-v5a', 'megadetector-v6-yolov10-c', 'speciesnet', 'megadescriptor-t-224', 'megadescriptor-l-384', 'miewid-msv2']));
    expect(field.find((r) => r.id === 'megadescriptor-l-384')?.license).toBe('CC-BY-NC-4.0');
    // The table shows the licence too, so nobody installs a non-commercial model unawares.
    expect((await run(['list'])).out).toMatch(/megadescriptor-t-224\s+embedder\s+field\s+CC-BY-NC-4.0/);
  });

  it('verify exits 1 when an installed file does not match, and reports missing files as not installed', async () => {
    const src = bundledManifestPath();
    const manifest = loadManifest(src);
    const dir = mkdtempSync(join(tmpdir(), 'spoor-cli-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    copyFileSync(join(dirname(src), 'classifier.onnx'), join(dir, 'classifier.onnx'));
    copyFileSync(join(dirname(src), 'classifier.onnx'), join(dir, 'embedder.onnx')); // wrong bytes

    const { code, out } = await run(['verify', '--json', '--manifest', join(dir, 'manifest.json')]);
    expect(code).toBe(1);
    const res = JSON.parse(out) as { ok: boolean; models: { id: string; status: string }[] };
    expect(res.ok).toBe(false);
    expect(res.models.map((m) => m.status)).toEqual(['missing', 'ok', 'mismatch']);

    expect((await run(['verify'])).code).toBe(0);
  });
});
