import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import { panelLogin } from '../device/test/helpers.js';
import { type Proc, ROOT, startJson, startStack, waitFor } from './helpers.js';

/** The device and the hub as separate processes, talking over real MQTT, committing to PGlite. */
describe('device → hub over MQTT (real processes)', () => {
  const procs: Proc<unknown>[] = [];
  afterAll(() => procs.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')));

  it('a photo dropped at the trap becomes a sighting committed on the hub, and the device outbox empties', async () => {
    const { dir, device, hub, creds, api } = await startStack({ deviceId: 'trap-e2e', role: 'admin', procs });
    expect(creds).toMatchObject({ deviceId: 'trap-e2e', fleetId: 'default' });

    const photo = await renderScene({ width: 1280, height: 720, seed: 77, format: 'jpeg', objects: [{ category: 'animal', species: 'Equus quagga', individual: 12, box: [0.3, 0.3, 0.35, 0.4] }] });
    await writeFile(join(dir, 'inbox', 'IMG_0042.JPG'), photo);

    const body = await waitFor(async () => {
      const r = (await (await api('/api/sightings?deviceId=trap-e2e')).json()) as { items: { id: string; detections: { taxon: { label: string } | null }[] }[]; total: number };
      return r.total >= 1 ? r : null;
    }, 'the sighting on the hub', 45_000);
    expect(body.total).toBe(1);
    expect(body.items[0]?.detections[0]?.taxon?.label).toBe('Equus quagga');

    // The receipt (sent after the hub's commit) empties the device outbox.
    const deviceApi = await panelLogin(`http://127.0.0.1:${device.ready.http}`);
    await waitFor(async () => {
      const s = (await (await deviceApi.fetch('/api/status')).json()) as { sync: { outbox?: { depth: number }; lastSyncAt?: string | null } };
      return s.sync.outbox?.depth === 0 && s.sync.lastSyncAt ? s : null;
    }, 'the device outbox to drain', 20_000);
    expect(await readdir(join(dir, 'inbox'))).toEqual([]);

    // The daemon applies the fleet's global gallery: its version catches up with the hub's.
    const fleet = (await (await api('/api/gallery/default?since=0')).json()) as { version: number };
    await waitFor(async () => {
      const s = (await (await deviceApi.fetch('/api/status')).json()) as { sync: { gallery?: { fleetId: string; version: number } } };
      return s.sync.gallery?.fleetId === 'default' && s.sync.gallery.version === fleet.version ? s : null;
    }, `the device to apply gallery version ${fleet.version}`, 20_000);

    device.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
    expect(await device.exited).toBe(0);
    expect(await hub.exited).toBe(0);
  }, 120_000);
});

describe('npm start', () => {
  it('starts the hub and a provisioned device, prints the URLs and a one-time admin token, and stops on SIGTERM', async () => {
    const data = await mkdtemp(join(tmpdir(), 'spoor-start-'));
    const env = { SPOOR_DATA: data, SPOOR_HUB_PORT: '0', SPOOR_DEVICE_PORT: '0', SPOOR_MQTT_PORT: '0', SPOOR_START_JSON: '1' };
    const start = await startJson<{ hub: { http: number; mqtt: number }; device: { http: number }; token: string }>([join(ROOT, 'scripts', 'start.js')], { env, timeoutMs: 90_000 });
    expect(start.ready.token).toMatch(/^spoor_/);
    expect(start.stderr()).toContain('admin token (shown once)');
    const devices = (await (await fetch(`http://127.0.0.1:${start.ready.hub.http}/api/devices`, { headers: { authorization: `Bearer ${start.ready.token}` } })).json()) as { items?: { id: string }[] } | { id: string }[];
    expect(JSON.stringify(devices)).toContain('local-trap');
    expect((await fetch(`http://127.0.0.1:${start.ready.device.http}/health`)).status).toBe(200);
    // The local trap sends frames and crops, so the console has photos to show.
    expect(JSON.parse(await readFile(join(data, 'device.json'), 'utf8')).sync).toEqual({ bandwidth: 'full' });
    // The console URL and a one-time admin login that works.
    expect(start.stderr()).toContain(`console http://localhost:${start.ready.hub.http}/`);
    const admin = (start.ready as unknown as { admin: { email: string; password: string } }).admin;
    expect(start.stderr()).toContain(admin.password);
    const login = await fetch(`http://127.0.0.1:${start.ready.hub.http}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
    expect(login.status).toBe(200);
    const t0 = Date.now();
    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 120_000);
});
