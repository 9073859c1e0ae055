import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic } from '@spoor/protocol';
import { parseConfig } from '../config.js';
import { startHub, type Hub } from '../hub.js';
import type { NewDeviceCredentials } from '../store/devices.js';
import { createLogger } from '../system/logger.js';
import { makeSighting } from '../testing/fixtures.js';
import { nextMessage } from '../testing/mqtt.js';

/** The embedded broker's other transports: MQTT over TLS (mqtts) and over WebSocket. */
describe('hub broker: TLS and WebSocket', () => {
  let dir: string;
  let hub: Hub;
  let dev: NewDeviceCredentials;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-tls-'));
    // A self-signed certificate for localhost, made by the test.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    hub = await startHub(
      parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, tls: { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') } } }),
      createLogger('warn'),
    );
    dev = await hub.store.devices.add({ deviceId: 'trap-tls' });
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(url: string, extra: mqtt.IClientOptions): Promise<void> {
    const client = await mqtt.connectAsync(url, { clientId: dev.deviceId, username: dev.username, password: dev.password, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
    try {
      await client.subscribeAsync(deviceTopic('receipt', dev.deviceId), { qos: 1 });
      const s = makeSighting(dev.deviceId);
      const receipt = nextMessage(client, deviceTopic('receipt', dev.deviceId));
      await client.publishAsync(deviceTopic('sighting', dev.deviceId), codecs.sighting.encode(s), { qos: 1 });
      const decoded = codecs.receipt.decode(await receipt);
      expect(decoded.ok && decoded.value.ids).toContain(s.id);
    } finally {
      await client.endAsync(true);
    }
  }

  it('takes a device over mqtts that trusts the hub CA, and refuses one that does not', async () => {
    await roundTrip(`mqtts://localhost:${hub.mqttPort}`, { ca: readFileSync(join(dir, 'cert.pem')) });
    await expect(mqtt.connectAsync(`mqtts://localhost:${hub.mqttPort}`, { clientId: dev.deviceId, username: dev.username, password: dev.password, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow(/self.signed|certificate/i);
    // A plaintext client gets no CONNACK from the TLS port: it never connects.
    const plain = mqtt.connect(`mqtt://127.0.0.1:${hub.mqttPort}`, { clientId: dev.deviceId, username: dev.username, password: dev.password, reconnectPeriod: 0, connectTimeout: 1500 });
    const outcome = await new Promise<string>((resolve) => {
      plain.once('connect', () => resolve('connected'));
      plain.once('error', () => resolve('refused'));
      plain.once('close', () => resolve('refused'));
      setTimeout(() => resolve('refused'), 4000);
    });
    plain.end(true);
    expect(outcome).toBe('refused');
  });

  it('takes a device over WebSocket with the same credentials and ACL', async () => {
    expect(hub.mqttWsPort).toBeGreaterThan(0);
    await roundTrip(`ws://127.0.0.1:${hub.mqttWsPort}`, {});
  });
});
