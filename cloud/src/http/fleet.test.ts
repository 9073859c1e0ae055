import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, type StatusPayload } from '@spoor/protocol';
import { parseConfig } from '../config.js';
import { startHub, type Hub } from '../hub.js';
import { createLogger } from '../system/logger.js';
import { connectDevice, nextMessage, until } from '../testing/mqtt.js';

describe('fleet: device status and config push through the real broker (PGlite)', () => {
  let dir: string;
  let hub: Hub;
  let base: string;
  let admin: string;
  let viewer: string;
  let password: string;
  let passwordB: string;
  const clients: MqttClient[] = [];
  const config = () => parseConfig({ dataDir: dir, prefix: 'acme/v1', http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } });
  const online = async (id: string) => (await call('GET', `/api/devices/${id}`, viewer)).json.online;
  const publishStatus = (c: MqttClient, deviceId: string) =>
    c.publishAsync(deviceTopic('status', deviceId, 'acme/v1'), codecs.status.encode({ v: 1, deviceId, state: 'online', at: new Date().toISOString() }), { qos: 1, retain: true });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> & { items?: Record<string, unknown>[] } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-fleet-'));
    hub = await startHub(config(), createLogger('warn'));
    base = `http://127.0.0.1:${hub.httpPort}`;
    password = (await hub.store.devices.add({ deviceId: 'trap-a', fleetId: 'north' })).password;
    passwordB = (await hub.store.devices.add({ deviceId: 'trap-b', fleetId: 'north' })).password;
    admin = (await hub.store.tokens.add('admin')).token;
    viewer = (await hub.store.tokens.add('viewer')).token;
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows online, last seen, outbox backlog, models and config state from the retained status; offline after the will', async () => {
    const will = codecs.status.encode({ v: 1, deviceId: 'trap-a', state: 'offline', at: new Date().toISOString() });
    const c = await connectDevice(hub.mqttPort!, 'trap-a', password, { will: { topic: deviceTopic('status', 'trap-a', 'acme/v1'), payload: will, qos: 1, retain: true } });
    clients.push(c);
    const status: StatusPayload = {
      v: 1,
      deviceId: 'trap-a',
      state: 'online',
      at: new Date().toISOString(),
      versions: { daemon: '0.1.0' },
      models: [{ id: 'nanodet-m', provider: 'cpu' }],
      outbox: { depth: 42, bytes: 51_200, oldestAt: '2025-05-01T00:00:00.000Z' },
      config: { version: 0, state: 'local' },
    };
    await c.publishAsync(deviceTopic('status', 'trap-a', 'acme/v1'), codecs.status.encode(status), { qos: 1, retain: true });
    const device = async (id: string) => (await call('GET', '/api/devices', viewer)).json.items?.find((d) => d.deviceId === id);
    await until(async () => (await device('trap-a'))?.online === true, 10_000, 'trap-a online');
    expect(await device('trap-a')).toMatchObject({
      online: true,
      lastSeenAt: expect.any(String),
      outbox: { depth: 42, bytes: 51_200, oldestAt: '2025-05-01T00:00:00.000Z' },
      models: [{ id: 'nanodet-m', provider: 'cpu' }],
      versions: { daemon: '0.1.0' },
      config: { version: 0, state: 'local', reason: null, desiredVersion: null },
      location: null,
    });
    expect(await device('trap-b')).toMatchObject({ online: false, lastSeenAt: null, outbox: null, models: [], config: { state: 'none' } });
    c.stream.destroy(); // an unclean drop: the broker publishes the will
    await until(async () => (await device('trap-a'))?.online === false, 10_000, 'trap-a offline');
  });

  it('an admin pushes a config: the device (a real MQTT client) receives it retained with the next version, even after connecting late', async () => {
    const config = { deployment: { latitude: 46.5, longitude: 7.9, locationName: 'Oak ridge' }, sync: { statsIntervalSec: 120 } };
    expect((await call('POST', '/api/devices/trap-a/config', viewer, { config })).status).toBe(403);
    const r1 = await call('POST', '/api/devices/trap-a/config', admin, { config });
    expect(r1).toEqual({ status: 202, json: { version: 1, topic: 'acme/v1/d/trap-a/config' } });
    // Connect only now: the retained message is delivered on subscribe.
    const c = await connectDevice(hub.mqttPort!, 'trap-a', password, { clean: true });
    clients.push(c);
    const got = nextMessage(c, deviceTopic('config', 'trap-a', 'acme/v1'));
    const retained = new Promise<boolean>((resolve) => c.once('message', (_t, _p, packet) => resolve(packet.retain)));
    await c.subscribeAsync(deviceTopic('config', 'trap-a', 'acme/v1'), { qos: 1 });
    const decoded = codecs.config.decode(await got);
    expect(decoded.ok && decoded.value).toEqual({ v: 1, version: 1, config });
    expect(await retained).toBe(true);
    // A second push while connected: the next version, live.
    const live = nextMessage(c, deviceTopic('config', 'trap-a', 'acme/v1'));
    expect((await call('POST', '/api/devices/trap-a/config', admin, { config: { sync: { statsIntervalSec: 60 } } })).json.version).toBe(2);
    const d2 = codecs.config.decode(await live);
    expect(d2.ok && d2.value.version).toBe(2);
    const dev = (await call('GET', '/api/devices/trap-a', viewer)).json;
    expect(dev).toMatchObject({ config: { desiredVersion: 2, state: 'pending', pushedBy: expect.any(String) }, location: null });
    expect((await call('GET', '/api/devices/trap-a/config', viewer)).json).toEqual({ version: 2, config: { sync: { statsIntervalSec: 60 } } });
    expect((await call('POST', '/api/devices/ghost/config', admin, { config })).status).toBe(404);
    // A push the device would refuse is refused here, with the setting's path, and nothing is retained.
    for (const [bad, path] of [
      [{ sync: { bandwidth: 'everything' } }, '/sync/bandwidth'],
      [{ reid: { acceptThreshold: 1.5 } }, '/reid/acceptThreshold'],
      [{ pipelin: { burstWindowSec: 5 } }, '/pipelin: Unexpected property'],
      [{ dataDir: '/elsewhere' }, '/dataDir'],
    ] as const) {
      const r = await call('POST', '/api/devices/trap-a/config', admin, { config: bad });
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: { code: 'SPOOR_E_DEVICE_CONFIG_INVALID', message: expect.stringContaining(path) } });
    }
    expect((await call('GET', '/api/devices/trap-a/config', viewer)).json.version).toBe(2);
    await call('POST', '/api/devices/trap-b/config', admin, { config });
    expect((await call('GET', '/api/devices/trap-b', viewer)).json.location).toEqual({ lat: 46.5, lon: 7.9 });
  });

  it('after a hub restart a device that has not reconnected shows offline (its will was never delivered); reconnecting makes it online', async () => {
    const c = await connectDevice(hub.mqttPort!, 'trap-b', passwordB);
    clients.push(c);
    await publishStatus(c, 'trap-b');
    await until(async () => (await online('trap-b')) === true, 10_000, 'trap-b online');
    await hub.stop();
    await c.endAsync(true).catch(() => {});
    hub = await startHub(config(), createLogger('warn'));
    base = `http://127.0.0.1:${hub.httpPort}`;
    expect(await online('trap-b')).toBe(false);
    const again = await connectDevice(hub.mqttPort!, 'trap-b', passwordB);
    clients.push(again);
    await publishStatus(again, 'trap-b');
    await until(async () => (await online('trap-b')) === true, 10_000, 'trap-b online again');
  });
});
