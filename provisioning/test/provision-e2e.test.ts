import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { panelLogin } from '../../device/test/helpers.js';
import { renderScene } from '@spoor/models/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = {
  hub: join(ROOT, 'cloud', 'bin', 'spoor-hub.js'),
  device: join(ROOT, 'device', 'bin', 'spoor-device.js'),
  provision: join(ROOT, 'provisioning', 'bin', 'spoor-provision.js'),
};

const children: ChildProcess[] = [];

async function startJson<T>(args: string[]): Promise<{ child: ChildProcess; ready: T; stderr: () => string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${args.join(' ')}\n${stderr}`)), 90_000);
    createInterface({ input: child.stdout! }).once('line', (line) => (clearTimeout(timer), resolve(JSON.parse(line) as T)));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code}: ${args.join(' ')}\n${stderr}`))));
  });
  return { child, ready, stderr: () => stderr };
}

function cli<T>(bin: string, args: string[]): T {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function waitFor<T>(check: () => Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('done when: a unit provisioned with spoor-provision reports to a hub started with spoor-hub run', () => {
  it('connects with its bundle, its sighting arrives on the hub, and after revoke it is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-provision-e2e-'));
    const hub = await startJson<{ http: number; mqtt: number }>([BIN.hub, 'run', '--data', join(dir, 'hub'), '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--json']);
    const { token } = cli<{ token: string }>(BIN.hub, ['tokens', 'add', '--role', 'admin', '--data', join(dir, 'hub'), '--json']);
    const hubUrl = `http://127.0.0.1:${hub.ready.http}`;

    cli(BIN.provision, ['ca', 'init', '--dir', join(dir, 'pki'), '--json']);
    const bundle = join(dir, 'bundle');
    const created = cli<{ deviceId: string; files: string[] }>(BIN.provision, [
      'device', 'create', 'trap-e2e', '--hub', hubUrl, '--token', token, '--fleet', 'north', '--pki', join(dir, 'pki'), '--out', bundle,
      '--mqtt-url', `mqtt://127.0.0.1:${hub.ready.mqtt}`, '--install-dir', bundle, '--data-dir', join(dir, 'unit'),
      '--set', JSON.stringify({ http: { host: '127.0.0.1', port: 0 }, watch: { stableMs: 200, pollMs: 100 }, pipeline: { burstWindowSec: 0.5 } }),
      '--json',
    ]);
    expect(created.deviceId).toBe('trap-e2e');

    const device = await startJson<{ http: number }>([BIN.device, 'run', '--config', join(bundle, 'device.json'), '--json']);
    const photo = await renderScene({ width: 960, height: 540, seed: 11, format: 'jpeg', objects: [{ category: 'animal', species: 'Giraffa camelopardalis', individual: 2, box: [0.35, 0.2, 0.3, 0.55] }] });
    await writeFile(join(dir, 'unit', 'inbox', 'IMG_0001.JPG'), photo);

    const auth = { authorization: `Bearer ${token}` };
    const items = await waitFor(async () => {
      const body = (await (await fetch(`${hubUrl}/api/sightings?deviceId=trap-e2e`, { headers: auth })).json()) as { items: { deviceId: string }[] };
      return body.items.length > 0 ? body.items : null;
    }, 'the sighting on the hub');
    expect(items[0]?.deviceId).toBe('trap-e2e');

    // Revoke: the hub refuses the unit from now on (and drops the live session).
    cli(BIN.provision, ['device', 'revoke', 'trap-e2e', '--hub', hubUrl, '--token', token, '--json']);
    const devices = (await (await fetch(`${hubUrl}/api/devices`, { headers: auth })).json()) as { items: { deviceId: string; revokedAt: string | null }[] };
    expect(devices.items.find((d) => d.deviceId === 'trap-e2e')?.revokedAt).not.toBeNull();
    // The device API needs a panel session (every route but /health).
    const panel = await panelLogin(`http://127.0.0.1:${device.ready.http}`);
    await waitFor(async () => {
      const s = (await (await panel.fetch('/api/status')).json()) as { sync: { connection: string } };
      return s.sync.connection !== 'connected';
    }, 'the unit to lose its connection', 15_000);
    const cfg = JSON.parse(await readFile(join(bundle, 'device.json'), 'utf8')) as { cloud: { username: string; password: string } };
    const refused = await new Promise<Error>((resolve, reject) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${hub.ready.mqtt}`, { clientId: 'trap-e2e', username: cfg.cloud.username, password: cfg.cloud.password, reconnectPeriod: 0, connectTimeout: 5000 });
      c.once('connect', () => (c.end(true), reject(new Error('a revoked device was let in'))));
      c.once('error', (err) => (c.end(true), resolve(err)));
    });
    expect(refused.message).toMatch(/Bad username or password|Not authorized/i);

    device.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
  }, 180_000);
});
