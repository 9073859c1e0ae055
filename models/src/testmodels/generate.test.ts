import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledManifestPath, loadManifest } from '../manifest.js';
import { sha256 } from '../sha.js';
import { generateTestModels } from './generate.js';

describe('generateTestModels', () => {
  it('regenerates the committed models byte for byte', () => {
    const committed = loadManifest(bundledManifestPath());
    const dir = mkdtempSync(join(tmpdir(), 'spoor-testmodels-'));
    const fresh = generateTestModels(dir);
    expect(fresh).toEqual(committed);
    for (const m of committed.models) {
      const bytes = readFileSync(join(dirname(bundledManifestPath()), m.file));
      expect(sha256(bytes)).toBe(m.sha256);
      expect(bytes.length).toBeLessThan(1_000_000);
    }
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(readFileSync(bundledManifestPath(), 'utf8'));
  });
});
