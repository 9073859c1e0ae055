import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import { parseConfig } from '../config/load.js';
import { workerInit } from '../runtime.js';
import { InferencePool } from './pool.js';

describe('InferencePool (real worker thread, bundled models)', () => {
  let pool: InferencePool;
  let photo: string;
  const restarts: number[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-pool-'));
    photo = join(dir, 'leopard.jpg');
    await writeFile(photo, await renderScene({ width: 800, height: 600, seed: 9, format: 'jpeg', objects: [{ category: 'animal', species: 'Panthera pardus', individual: 1, box: [0.3, 0.3, 0.4, 0.4] }] }));
    pool = new InferencePool(workerInit(parseConfig({ dataDir: dir, inbox: dir })), (d) => restarts.push(d));
    const models = await pool.start();
    expect(models.map((m) => m.provider)).toEqual(['cpu', 'cpu', 'cpu']);
  }, 60_000);

  afterAll(() => pool.stop());

  it('runs a frame and returns detections with timings', async () => {
    const r = await pool.infer({ blobPath: photo, mode: 'sighting' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.detections[0]).toMatchObject({ category: 'animal', taxon: { label: 'Panthera pardus' } });
    expect(r.detections[0]?.embedding?.length).toBeGreaterThan(0);
    expect(r.timings.detectRunMs).toBeGreaterThan(0);
  });

  it('reports a missing file as a coded failure, not a crash', async () => {
    const r = await pool.infer({ blobPath: '/nonexistent/blob', mode: 'sighting' });
    expect(r).toMatchObject({ ok: false });
  });

  it('replaces a worker that died; jobs in the gap fail as transient, later ones succeed', async () => {
    await pool.crashForTest();
    const during = await pool.infer({ blobPath: photo, mode: 'sighting' });
    expect(during).toMatchObject({ ok: false, code: expect.stringMatching(/SPOOR_E_(NOT_READY|INFERENCE)/) });
    const deadline = Date.now() + 20_000;
    let after = during;
    while (!after.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await pool.infer({ blobPath: photo, mode: 'sighting' });
    }
    expect(after.ok).toBe(true);
    expect(restarts.length).toBe(1);
  }, 30_000);
});
