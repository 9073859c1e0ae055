import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig as parseHubConfig, startHub, createLogger, type Hub } from '@spoor/cloud';
import { parseConfig as parseDeviceConfig } from '@spoor/device/config/load';
import { BALENA_PATHS } from './bundle.js';
import { bundleFromEnv } from './from-env.js';
import { initCa, issueCert, verifyCert } from './pki.js';
import { createDevice, revokeDevice, rotateDevice } from './provision.js';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

function connect(url: string, opts: { username: string; password: string; clientId: string; ca: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...opts, ca: opts.ca, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => (c.end(true), reject(err)));
  });
}

describe('spoor-provision against a real hub (in-process, TLS broker signed by the provisioning CA)', () => {
  let dir: string;
  let pki: string;
  let hub: Hub;
  let token: string;
  let url: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spoor-provision-'));
    pki = join(dir, 'pki');
    await initCa(pki);
    await issueCert(pki, { commonName: '127.0.0.1', role: 'server', hosts: ['127.0.0.1', 'localhost'], certOut: join(pki, 'server.pem'), keyOut: join(pki, 'server.key') });
    hub = await startHub(
      parseHubConfig({ dataDir: join(dir, 'hub'), http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0, tls: { key: join(pki, 'server.key'), cert: join(pki, 'server.pem') } } }),
      createLogger('warn'),
    );
    ({ token } = await hub.store.tokens.add('admin'));
    url = `http://127.0.0.1:${hub.httpPort}`;
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await hub?.stop();
  });

  it('ca init writes a CA with a 0600 key and refuses to overwrite it', async () => {
    expect(await mode(join(pki, 'ca.key'))).toBe(0o600);
    expect(await verifyCert(pki, join(pki, 'server.pem'), 'sslserver')).toBe(true);
    await expect(initCa(pki)).rejects.toMatchObject({ code: 'SPOOR_E_CA_EXISTS' });
  });

  it('device create registers the unit, writes a valid bundle, and the unit connects over mqtts; rotate and revoke take effect at once', async () => {
    const out = join(dir, 'bundle-a');
    const mqttUrl = `mqtts://127.0.0.1:${hub.mqttPort}`;
    const r = await createDevice({ deviceId: 'trap-a', fleetId: 'north', hub: { url, token }, mqttUrl, pkiDir: pki, outDir: out, installDir: out, dataDir: '/var/lib/spoor' });
    expect(r).toMatchObject({ deviceId: 'trap-a', fleetId: 'north', username: 'trap-a' });

    // The config passes the daemon's own schema, and secrets are 0600.
    const raw = JSON.parse(await readFile(join(out, 'device.json'), 'utf8')) as { cloud: { password: string; tls: { ca: string } } };
    const cfg = parseDeviceConfig(raw);
    expect(cfg).toMatchObject({ deviceId: 'trap-a', dataDir: '/var/lib/spoor', inbox: '/var/lib/spoor/inbox', cloud: { mqttUrl, username: 'trap-a', fleetId: 'north', tls: { ca: join(out, 'ca.pem') } } });
    for (const f of ['device.json', 'client.key', 'balena.env']) expect(await mode(join(out, f))).toBe(0o600);
    expect(await verifyCert(pki, join(out, 'client.pem'), 'sslclient')).toBe(true);
    expect(await verifyCert(pki, join(out, 'client.pem'), 'sslserver')).toBe(false);

    // The hub stores only a hash: the password is nowhere in its device list.
    const listed = JSON.stringify(await hub.store.devices.list());
    expect(listed).toContain('trap-a');
    expect(listed).not.toContain(raw.cloud.password);

    const unit = await readFile(join(out, 'spoor-device.service'), 'utf8');
    for (const line of ['Type=notify', 'WatchdogSec=30', 'Restart=on-failure', 'User=spoor', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/spoor /var/lib/spoor/inbox', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectHome=yes']) {
      expect(unit).toContain(`\n${line}\n`);
    }
    expect(unit).toContain(`--config ${join(out, 'device.json')}`);

    // The unit connects with exactly what the bundle holds (CA-verified TLS, its credentials).
    const ca = await readFile(join(out, 'ca.pem'), 'utf8');
    const live = await connect(mqttUrl, { username: 'trap-a', password: raw.cloud.password, clientId: 'trap-a', ca });
    clients.push(live);

    // rotate: the old password is refused, the bundle carries the new one.
    const dropped = new Promise<void>((res) => live.once('close', () => res()));
    const rotated = await rotateDevice({ url, token }, 'trap-a', out);
    await dropped;
    await expect(connect(mqttUrl, { username: 'trap-a', password: raw.cloud.password, clientId: 'trap-a', ca })).rejects.toThrow(/Bad username or password|Not authorized/i);
    const after = JSON.parse(await readFile(join(out, 'device.json'), 'utf8')) as { cloud: { password: string } };
    expect(after.cloud.password).toBe(rotated.password);
    const again = await connect(mqttUrl, { username: 'trap-a', password: after.cloud.password, clientId: 'trap-a', ca });
    clients.push(again);

    // revoke: the live session is dropped at once and the next connect is refused.
    const gone = new Promise<void>((res) => again.once('close', () => res()));
    await revokeDevice({ url, token }, 'trap-a');
    await gone;
    await expect(connect(mqttUrl, { username: 'trap-a', password: after.cloud.password, clientId: 'trap-a', ca })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(rotateDevice({ url, token }, 'trap-a')).rejects.toMatchObject({ code: 'SPOOR_E_HUB_REFUSED' });
  });

  it('balena.env turns back into the same bundle inside the container (from-env), with container paths', async () => {
    const out = join(dir, 'bundle-b');
    await createDevice({ deviceId: 'trap-b', fleetId: 'north', hub: { url, token }, mqttUrl: `mqtts://127.0.0.1:${hub.mqttPort}`, pkiDir: pki, outDir: out });
    const env = Object.fromEntries(
      (await readFile(join(out, 'balena.env'), 'utf8'))
        .split('\n')
        .filter((l) => /^[A-Z_0-9]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(env).sort()).toEqual(['SPOOR_CA_PEM_B64', 'SPOOR_CLIENT_CERT_B64', 'SPOOR_CLIENT_KEY_B64', 'SPOOR_DEVICE_CONFIG_B64']);
    const run = join(dir, 'run-b');
    const r = await bundleFromEnv(run, env);
    const cfg = parseDeviceConfig(JSON.parse(await readFile(r.config, 'utf8')));
    expect(cfg).toMatchObject({ deviceId: 'trap-b', dataDir: BALENA_PATHS.dataDir, inbox: BALENA_PATHS.inbox, cloud: { tls: { ca: `${BALENA_PATHS.installDir}/ca.pem` } } });
    expect(await readFile(join(run, 'client.key'), 'utf8')).toBe(await readFile(join(out, 'client.key'), 'utf8'));
    await expect(bundleFromEnv(join(dir, 'run-c'), {})).rejects.toMatchObject({ code: 'SPOOR_E_ENV_MISSING' });
  });

  it('refuses to write into a non-empty bundle dir, and validates settings before registering', async () => {
    await expect(createDevice({ deviceId: 'trap-c', fleetId: 'north', hub: { url, token }, pkiDir: pki, outDir: join(dir, 'bundle-b') })).rejects.toMatchObject({ code: 'SPOOR_E_BUNDLE_EXISTS' });
    await expect(
      createDevice({ deviceId: 'trap-d', fleetId: 'north', hub: { url, token }, pkiDir: pki, outDir: join(dir, 'bundle-d'), extra: { gpio: { edge: 'sideways' } } }),
    ).rejects.toMatchObject({ code: 'SPOOR_E_CONFIG_INVALID' });
    expect((await hub.store.devices.list()).map((d) => d.deviceId)).not.toContain('trap-d');
  });
});
