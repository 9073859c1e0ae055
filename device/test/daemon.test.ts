import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import type { Sighting } from '../src/store/sightings.js';
import { type DaemonProcess, type PanelSession, panelLogin, startDaemonProcess, waitFor } from './helpers.js';

describe('spoor-device run (real daemon process)', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let base: string;
  let api: PanelSession;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spoor-daemon-'));
    const config = join(dir, 'device.yaml');
    await writeFile(
      config,
      ['dataDir: data', 'inbox: inbox', 'http:', '  host: 127.0.0.1', '  port: 0', 'watch:', '  stableMs: 200', '  pollMs: 100', 'pipeline:', '  burstWindowSec: 0.5', ''].join('\n'),
    );
    daemon = await startDaemonProcess(config);
    base = `http://127.0.0.1:${daemon.port}`;
    api = await panelLogin(base);
  }, 90_000);

  afterAll(() => {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  });

  it('answers /health and /ready once models are loaded', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ ready: true });
  });

  it('turns a photo dropped in the watch folder into a stored sighting, and removes it from the inbox', async () => {
    const photo = await renderScene({ width: 1280, height: 720, seed: 5, format: 'jpeg', objects: [{ category: 'animal', species: 'Giraffa camelopardalis', individual: 3, box: [0.4, 0.2, 0.25, 0.5] }] });
    await writeFile(join(dir, 'inbox', 'IMG_0001.JPG'), photo);
    const items = await waitFor(async () => {
      const body = (await (await api.fetch(`/api/sightings`)).json()) as { items: Sighting[]; total: number };
      return body.total >= 1 ? body.items : null;
    }, 'the sighting');
    expect(items[0]?.detections[0]).toMatchObject({ category: 'animal', taxon: { label: 'Giraffa camelopardalis' } });
    expect(await readdir(join(dir, 'inbox'))).toEqual([]);
  });

  it('takes uploads on POST /api/captures and accounts for each file', async () => {
    const form = new FormData();
    const photo = await renderScene({ width: 640, height: 480, seed: 6, format: 'jpeg', objects: [{ category: 'vehicle', box: [0.1, 0.5, 0.4, 0.3] }] });
    form.append('photo', new Blob([photo], { type: 'image/jpeg' }), 'truck.jpg');
    form.append('junk', new Blob([Buffer.from('not an image')], { type: 'image/jpeg' }), 'junk.jpg');
    const res = await api.fetch(`/api/captures`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { results } = (await res.json()) as { results: { file: string; kind: string; code?: string }[] };
    expect(results).toEqual([
      expect.objectContaining({ file: 'truck.jpg', kind: 'capture' }),
      expect.objectContaining({ file: 'junk.jpg', kind: 'quarantined', code: 'SPOOR_E_IMAGE_DECODE' }),
    ]);
    await waitFor(async () => {
      const body = (await (await api.fetch(`/api/sightings`)).json()) as { items: Sighting[] };
      return body.items.some((s) => s.detections.some((d) => d.category === 'vehicle'));
    }, 'the vehicle sighting');
  });

  it('stops cleanly on SIGTERM within a few seconds', async () => {
    const t0 = Date.now();
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(daemon.stderr()).toContain('spoor-device stopped');
  });
});
