import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { MediaItem } from '@spoor/cloud/store/media';
import { renderScene } from '@spoor/models/testing';
import { panelLogin } from '../device/test/helpers.js';
import { type Proc, startStack, waitFor } from './helpers.js';

/** The real daemon and hub processes with `sync.bandwidth: full`: a dropped photo ends up as a crop and a frame on the hub. */
describe('device → hub media (real processes, full bandwidth)', () => {
  const procs: Proc<unknown>[] = [];
  afterAll(() => procs.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')));

  it('a photo dropped at the trap becomes a sighting with its crop (with keypoints) and frame on the hub, a second burst’s crop matches it, and the device outbox empties', async () => {
    const { dir, device, hub, api } = await startStack({ deviceId: 'trap-media', role: 'viewer', procs, device: { sync: { bandwidth: 'full' }, pipeline: { burstWindowSec: 1 } } });

    const zebra = (seed: number, box: [number, number, number, number]) => renderScene({ width: 1280, height: 720, seed, format: 'jpeg', objects: [{ category: 'animal', species: 'Equus quagga', individual: 13, box }] });
    const photo = await zebra(78, [0.3, 0.3, 0.35, 0.4]);
    await writeFile(join(dir, 'inbox', 'IMG_0078.JPG'), photo);

    const sighting = await waitFor(async () => {
      const r = (await (await api('/api/sightings?deviceId=trap-media')).json()) as { items: { id: string; detections: unknown[] }[]; total: number };
      return r.total >= 1 ? r.items[0] : null;
    }, 'the sighting on the hub', 45_000);
    const items = await waitFor(async () => {
      const r = (await (await api(`/api/sightings/${sighting.id}/media`)).json()) as { items: MediaItem[] };
      return r.items.length >= 1 + sighting.detections.length ? r.items : null;
    }, 'the crop and the frame on the hub', 30_000);
    const frame = items.find((i) => i.kind === 'frame');
    expect(sighting.detections.length).toBeGreaterThanOrEqual(1);
    expect(frame).toMatchObject({ width: 1280, height: 720, detectionIdx: null, contentType: 'image/jpeg', keypoints: null });
    expect(items.filter((i) => i.kind === 'crop').map((i) => i.detectionIdx)).toEqual(sighting.detections.map((_, k) => k));
    for (const item of items) {
      const bytes = Buffer.from(await (await api(`/api/media/${item.id}`)).arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height, bytes.byteLength]).toEqual(['jpeg', item.width, item.height, item.bytes]);
    }
    // The zebra's crop came with the ORB keypoints ReID used (reid.species defaults to all). A
    // second burst of the same animal elsewhere in the frame: its crop's keypoints match the first's.
    const first = items.find((i) => i.kind === 'crop' && i.keypoints);
    expect(first?.keypoints).toBeGreaterThan(20);
    await writeFile(join(dir, 'inbox', 'IMG_0079.JPG'), await zebra(79, [0.45, 0.25, 0.4, 0.46]));
    const second = await waitFor(async () => {
      const r = (await (await api('/api/sightings?deviceId=trap-media')).json()) as { items: { id: string }[]; total: number };
      const s2 = r.items.find((i) => i.id !== sighting.id);
      const media = s2 ? ((await (await api(`/api/sightings/${s2.id}/media`)).json()) as { items: MediaItem[] }).items : [];
      return media.find((i) => i.kind === 'crop' && i.keypoints) ?? null;
    }, 'the second burst’s crop with keypoints', 45_000);
    const m = (await (await api(`/api/media/${first?.id}/matches/${second.id}`)).json()) as { inliers: unknown[] };
    expect(m.inliers.length).toBeGreaterThanOrEqual(10);

    // The frame is the photo, re-encoded: the same picture, not the same bytes.
    const frameBytes = Buffer.from(await (await api(`/api/media/${frame?.id}`)).arrayBuffer());
    expect(createHash('sha256').update(frameBytes).digest('hex')).not.toBe(createHash('sha256').update(photo).digest('hex'));

    const deviceApi = await panelLogin(`http://127.0.0.1:${device.ready.http}`);
    await waitFor(async () => {
      const s = (await (await deviceApi.fetch('/api/status')).json()) as { sync: { outbox?: { depth: number } } };
      return s.sync.outbox?.depth === 0 ? s : null;
    }, 'the device outbox to drain', 20_000);

    device.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
    expect(await device.exited).toBe(0);
    expect(await hub.exited).toBe(0);
  }, 150_000);
});
