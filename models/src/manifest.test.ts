import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpoorError } from '@spoor/protocol';
import { describe, expect, it } from 'vitest';
import { bundledManifestPath, loadManifest } from './manifest.js';

function writeTemp(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'spoor-manifest-')), 'manifest.json');
  writeFileSync(path, content);
  return path;
}

describe('loadManifest', () => {
  it('loads the bundled test manifest with one model per task', () => {
    const m = loadManifest(bundledManifestPath());
    expect(m.v).toBe(1);
    expect(m.models.map((e) => e.task)).toEqual(['detector', 'classifier', 'embedder']);
  });

  it('names the JSON path of the first problem', () => {
    const m = loadManifest(bundledManifestPath());
    const broken = structuredClone(m) as unknown as { models: { input: { layout: string } }[] };
    broken.models[1]!.input.layout = 'CHW';
    try {
      loadManifest(writeTemp(JSON.stringify(broken)));
      expect.unreachable();
    } catch (err) {
      expect(isSpoorError(err, 'SPOOR_E_MANIFEST_INVALID')).toBe(true);
      expect((err as Error).message).toContain('/models/1/input/layout');
    }
  });

  it('rejects a file that is not JSON', () => {
    expect(() => loadManifest(writeTemp('{ nope'))).toThrow(/SPOOR_E_MANIFEST_INVALID|Model manifest is invalid/);
  });
});
