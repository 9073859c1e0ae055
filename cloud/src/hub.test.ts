import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, fleetTopic } from '@spoor/protocol';
import { parseConfig } from './config.js';
import { startHub, type Hub } from './hub.js';
import type { NewDeviceCredentials } from './store/devices.js';
import { createLogger } from './system/logger.js';
import { makeSighting } from './testing/fixtures.js';
import { closed, connectDevice, nextMessage, sleep, until } from './testing/mqtt.js';

describe('hub: embedded broker + ingest (PGlite)', () => {
  let dir: string;
  let hub: Hub;
  let a: NewDeviceCredentials;
  let b: NewDeviceCredentials;
  const clients: MqttClient[] = [];
  const track = (c: MqttClient) => (clients.push(c), c);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-hub-'));
    hub = await startHub(parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }), createLogger('warn'));
    a = await hub.store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    b = await hub.store.devices.add({ deviceId: 'trap-b', fleetId: 'south' });
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password and an unknown device', async () => {
    const port = hub.mqttPort!;
    await expect(connectDevice(port, 'trap-a', `${a.password}x`)).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connectDevice(port, 'ghost', a.password)).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connectDevice(port, '$hub', 'guess')).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('a device gets its own receipt/config/cmd and its fleet gallery, and nothing of another device', async () => {
    const ca = track(await connectDevice(hub.mqttPort!, 'trap-a', a.password));
    const own = await ca.subscribeAsync([deviceTopic('receipt', 'trap-a'), deviceTopic('config', 'trap-a'), deviceTopic('cmd', 'trap-a'), fleetTopic('north')], { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1, 1, 1]);
    // MQTT.js rejects when any code is 0x80; the SUBACK rides on the error.
    const err = await ca
      .subscribeAsync([deviceTopic('receipt', 'trap-b'), fleetTopic('south'), 'spoor/v1/d/+/receipt', 'spoor/v1/#', '#', deviceTopic('sighting', 'trap-a')], { qos: 1 })
      .then(() => null, (e: { packet?: { granted?: number[] } }) => e);
    expect(err?.packet?.granted).toEqual([128, 128, 128, 128, 128, 128]);
    expect(ca.connected).toBe(true); // refused subscriptions do not drop the connection
  });

  it('device A cannot publish as B: the broker drops it and nothing is stored', async () => {
    const ca = track(await connectDevice(hub.mqttPort!, 'trap-a', a.password));
    const fake = makeSighting('trap-b');
    const gone = closed(ca);
    ca.publish(deviceTopic('sighting', 'trap-b'), JSON.stringify(fake), { qos: 1 });
    await gone;
    await sleep(100);
    expect(await hub.store.sightings.get(fake.id)).toBeNull();
  });

  it('a sighting is committed, then receipted; sent twice it is stored once and receipted twice', async () => {
    const ca = track(await connectDevice(hub.mqttPort!, 'trap-a', a.password));
    await ca.subscribeAsync(deviceTopic('receipt', 'trap-a'), { qos: 1 });
    const s = makeSighting('trap-a');
    for (let round = 0; round < 2; round++) {
      const receipt = nextMessage(ca, deviceTopic('receipt', 'trap-a'));
      await ca.publishAsync(deviceTopic('sighting', 'trap-a'), JSON.stringify(s), { qos: 1 });
      const r = codecs.receipt.decode(await receipt);
      expect(r.ok && r.value.ids).toEqual([s.id]);
      expect(await hub.store.sightings.get(s.id)).toEqual(s);
    }
    const { rows } = await hub.store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM sightings WHERE id = $1', [s.id]);
    expect(rows[0]?.n).toBe(1);
  });

  it('a persistent session (clean:false, QoS 1) gets receipts that were sent while it was away', async () => {
    const clientId = 'trap-a';
    const first = await connectDevice(hub.mqttPort!, 'trap-a', a.password, { clientId });
    await first.subscribeAsync(deviceTopic('receipt', 'trap-a'), { qos: 1 });
    const s = makeSighting('trap-a');
    await first.publishAsync(deviceTopic('sighting', 'trap-a'), JSON.stringify(s), { qos: 1 });
    await first.endAsync(true); // gone before the receipt arrives (most likely) or right after
    await until(async () => (await hub.store.sightings.get(s.id)) !== null, 5_000, 'the sighting to commit');
    await sleep(100);
    const again = track(await connectDevice(hub.mqttPort!, 'trap-a', a.password, { clientId }));
    const seen: string[] = [];
    again.on('message', (_t, p) => {
      const r = codecs.receipt.decode(p);
      if (r.ok) seen.push(...r.value.ids);
    });
    await until(() => seen.includes(s.id), 5_000, 'the queued receipt');
  });

  it('a status message updates the device row', async () => {
    const cb = track(await connectDevice(hub.mqttPort!, 'trap-b', b.password));
    await cb.publishAsync(deviceTopic('status', 'trap-b'), JSON.stringify({ v: 1, deviceId: 'trap-b', state: 'online', at: new Date().toISOString() }), { qos: 1, retain: true });
    await until(async () => (await hub.store.devices.get('trap-b'))?.lastSeenAt !== null, 5_000, 'last seen');
    expect((await hub.store.devices.get('trap-b'))?.status).toMatchObject({ state: 'online' });
  });

  it('a revoked device is disconnected at once and refused afterwards', async () => {
    const cb = track(await connectDevice(hub.mqttPort!, 'trap-b', b.password));
    await hub.store.devices.revoke('trap-b');
    const gone = closed(cb);
    hub.broker!.revoke('trap-b');
    await gone;
    await expect(connectDevice(hub.mqttPort!, 'trap-b', b.password)).rejects.toThrow(/Bad username or password|Not authorized/i);
  });
});
