import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../config/schema.js';
import { redactUrl, testUplink } from './uplink-test.js';

const cloud = (over: Partial<DeviceConfig['cloud']>): DeviceConfig['cloud'] => ({ mqttUrl: null, username: null, password: null, prefix: 'spoor/v1', fleetId: 'default', ...over });

/** A real aedes broker that, like the hub's, wants the device id as client id and user name, and its password. */
describe('uplink test against a real aedes broker', () => {
  let aedes: Aedes;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    aedes.authenticate = (client, username, password, done) => {
      if (username === 'trap-7' && password?.toString() === 'right secret' && client.id === 'trap-7') return done(null, true);
      done(Object.assign(new Error('bad username or password'), { returnCode: 4 as const }), false);
    };
    server = createServer((s) => aedes.handle(s));
    port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });

  it('ok with the right credentials, with the round-trip time; the URL is shown without credentials', async () => {
    const r = await testUplink(cloud({ mqttUrl: `mqtt://127.0.0.1:${port}`, username: 'trap-7', password: 'right secret' }), 'trap-7');
    expect(r).toMatchObject({ outcome: 'ok', broker: `mqtt://127.0.0.1:${port}` });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    expect(r.rttMs).toBeLessThan(5000);
    expect(r.hint).toBeUndefined();
    expect(redactUrl('mqtts://trap-7:s3cret@hub.example.org:8883')).toBe('mqtts://hub.example.org:8883');
  });

  it('auth failed with a wrong password, with a hint about the credentials', async () => {
    const r = await testUplink(cloud({ mqttUrl: `mqtt://127.0.0.1:${port}`, username: 'trap-7', password: 'wrong' }), 'trap-7');
    expect(r).toMatchObject({ outcome: 'auth', rttMs: null });
    expect(r.hint).toMatch(/credentials/);
  });

  it('refused when nothing listens on the port', async () => {
    const closed = createServer();
    const free = await new Promise<number>((r) => closed.listen(0, '127.0.0.1', () => r((closed.address() as AddressInfo).port)));
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await testUplink(cloud({ mqttUrl: `mqtt://127.0.0.1:${free}` }), 'trap-7')).toMatchObject({ outcome: 'refused' });
  });

  it('DNS when the host name does not resolve', async () => {
    expect(await testUplink(cloud({ mqttUrl: 'mqtt://no-such-hub.invalid:1883' }), 'trap-7', { timeoutMs: 10_000 })).toMatchObject({ outcome: 'dns' });
  });

  it('TLS when mqtts:// meets a plain-TCP port', async () => {
    const r = await testUplink(cloud({ mqttUrl: `mqtts://127.0.0.1:${port}`, username: 'trap-7', password: 'right secret' }), 'trap-7', { timeoutMs: 5000 });
    expect(r.outcome).toBe('tls');
    expect(r.hint).toMatch(/TLS/);
  });

  it('not configured without a URL', async () => {
    expect(await testUplink(cloud({}), 'trap-7')).toMatchObject({ outcome: 'not_configured' });
  });
});
