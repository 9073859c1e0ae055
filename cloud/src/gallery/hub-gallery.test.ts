import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, fleetTopic, type GalleryDeltaPayload } from '@spoor/protocol';
import { parseConfig } from '../config.js';
import { startHub, type Hub } from '../hub.js';
import type { NewDeviceCredentials } from '../store/devices.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, vectorFor } from '../testing/fixtures.js';
import { connectDevice, until } from '../testing/mqtt.js';

describe('global gallery through the hub: MQTT in, HTTP decisions, deltas out (PGlite)', () => {
  let dir: string;
  let hub: Hub;
  let a: NewDeviceCredentials;
  let b: NewDeviceCredentials;
  let reviewer: string;
  let viewer: string;
  const clients: MqttClient[] = [];
  const deltas: GalleryDeltaPayload[] = [];
  const base = () => `http://127.0.0.1:${hub.httpPort}`;
  const api = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { items?: Record<string, unknown>[]; error?: { code: string } } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-gallery-'));
    hub = await startHub(parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }), createLogger('warn'));
    a = await hub.store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    b = await hub.store.devices.add({ deviceId: 'trap-b', fleetId: 'north' });
    reviewer = (await hub.store.tokens.add('reviewer')).token;
    viewer = (await hub.store.tokens.add('viewer')).token;
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two devices report the same animal as new → proposal → reviewer accepts → one individual, delta on the fleet topic', async () => {
    const ca = await connectDevice(hub.mqttPort!, 'trap-a', a.password);
    const cb = await connectDevice(hub.mqttPort!, 'trap-b', b.password);
    clients.push(ca, cb);
    // trap-a listens to its fleet's gallery as a device would.
    await ca.subscribeAsync(fleetTopic('north'), { qos: 1 });
    ca.on('message', (topic, payload) => {
      if (topic !== fleetTopic('north')) return;
      const r = codecs.gallery.decode(payload);
      if (r.ok) deltas.push(r.value);
    });
    const localA = randomUUID();
    const localB = randomUUID();
    const sA = makeReidSighting('trap-a', localA, 'new', vectorFor(3));
    const sB = makeReidSighting('trap-b', localB, 'new', vectorFor(3, 64, 0.02));
    await ca.publishAsync(deviceTopic('sighting', 'trap-a'), JSON.stringify(sA), { qos: 1 });
    await until(() => deltas.length === 1, 5_000, 'the new individual delta');
    await cb.publishAsync(deviceTopic('sighting', 'trap-b'), JSON.stringify(sB), { qos: 1 });
    let proposals: Record<string, unknown>[] = [];
    await until(async () => (proposals = (await api(reviewer, 'GET', '/api/proposals?status=open')).json.items ?? []).length === 1, 5_000, 'a proposal');
    const p = proposals[0] as { id: string; candidateIndividualId: string; localId: string };
    expect(p.localId).toBe(localB);

    const denied = await api(viewer, 'POST', `/api/proposals/${p.id}/accept`, {});
    expect(denied.status).toBe(403);
    expect(denied.json.error?.code).toBe('SPOOR_E_FORBIDDEN');

    const ok = await api(reviewer, 'POST', `/api/proposals/${p.id}/accept`, { expectedVersion: 1 });
    expect(ok.status).toBe(200);
    await until(() => deltas.length === 2, 5_000, 'the accept delta');
    const delta = deltas[1] as GalleryDeltaPayload;
    expect(delta).toMatchObject({ v: 1, fleetId: 'north', version: 2 });
    const op = delta.ops[0];
    expect(op?.op === 'upsert' && op.links.map((l) => `${l.deviceId}/${l.localId}`).sort()).toEqual([`trap-a/${localA}`, `trap-b/${localB}`]);
    expect(op?.op === 'upsert' && op.refs).toHaveLength(2);

    const ind = await api(viewer, 'GET', `/api/individuals/${p.candidateIndividualId}`);
    expect(ind.json).toMatchObject({ version: 2, refsCount: 2, history: [{ kind: 'confirm' }] });
    const resync = await api(viewer, 'GET', '/api/gallery/north?since=1');
    expect(resync.json).toMatchObject({ version: 2, snapshot: false, deltas: [delta] });
  });

  it('over HTTP: concurrent renames on one version → one 200 and one 409; viewers may not decide', async () => {
    const [ind] = (await api(reviewer, 'GET', '/api/individuals')).json.items as { id: string; version: number }[];
    const id = (ind as { id: string }).id;
    const v = (ind as { version: number }).version;
    const results = await Promise.all(['Ada', 'Bea'].map((name) => api(reviewer, 'POST', `/api/individuals/${id}/rename`, { name, expectedVersion: v })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)?.json.error?.code).toBe('SPOOR_E_VERSION_CONFLICT');
    expect((await api(viewer, 'POST', `/api/individuals/${id}/rename`, { name: 'X', expectedVersion: v + 1 })).status).toBe(403);
    expect((await api(viewer, 'POST', '/api/individuals/merge', { ids: [id], into: id, expectedVersions: {} })).status).toBe(403);
    const spec = (await (await fetch(`${base()}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/individuals/{id}/split', '/api/decisions/{id}/undo', '/api/gallery/{fleetId}']));
  });
});
