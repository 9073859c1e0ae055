import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'cloud', 'bin', 'spoor-hub.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `spoor-hub` binary (compiled; `npm test` builds first). */
function cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function json<T>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Start `run --json`; resolves with the ports from the first stdout line. */
function startHub(data: string): Promise<{ child: ChildProcess; http: number; mqtt: number; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', '--data', data, '--http-port', '0', '--mqtt-port', '0', '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '' },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`hub not ready in 60 s\n${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`hub exited ${code}\n${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const ports = JSON.parse(line) as { http: number; mqtt: number };
      resolve({ child, ...ports, stderr: () => stderr });
    });
  });
}

function stop(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
    child.kill('SIGTERM');
  });
}

describe('spoor-hub CLI (real binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spoor-hub-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run, admin commands while it runs and while it does not, API with the token, clean stop', { timeout: 180_000 }, async () => {
    expect((await cli(['--help'])).stdout).toContain('spoor-hub');
    const hub = await startHub(dir);
    try {
      expect(hub.http).toBeGreaterThan(0);
      expect(hub.mqtt).toBeGreaterThan(0);
      const lock = join(dir, 'hub.lock.json');
      expect(statSync(lock).mode & 0o777).toBe(0o600);

      // A second hub on the same data dir refuses, clearly.
      const second = await cli(['run', '--data', dir, '--http-port', '0', '--mqtt-port', '0', '--json']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('SPOOR_E_DATA_DIR_LOCKED');

      // Admin commands go through the running hub.
      const dev = json<{ deviceId: string; username: string; password: string; fleetId: string }>(await cli(['devices', 'add', 'trap-1', '--data', dir, '--json']));
      expect(dev).toMatchObject({ deviceId: 'trap-1', username: 'trap-1', fleetId: 'default' });
      expect(dev.password.length).toBeGreaterThan(16);
      const { token } = json<{ token: string }>(await cli(['tokens', 'add', '--role', 'viewer', '--data', dir, '--json']));

      const res = await fetch(`http://127.0.0.1:${hub.http}/api/sightings`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ items: [], total: 0, nextCursor: null });
      expect((await fetch(`http://127.0.0.1:${hub.http}/api/sightings`)).status).toBe(401);
      const devices = (await (await fetch(`http://127.0.0.1:${hub.http}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { deviceId: string }[] };
      expect(devices.items.map((d) => d.deviceId)).toEqual(['trap-1']);

      // A console user through the running hub: the printed password signs in.
      const user = json<{ email: string; password: string }>(await cli(['users', 'add', '--email', 'Ana@Example.org', '--role', 'admin', '--data', dir, '--json']));
      expect(user.email).toBe('ana@example.org');
      const login = await fetch(`http://127.0.0.1:${hub.http}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { role: string } }).user.role).toBe('admin');
      const invite = json<{ email: string; url: string }>(await cli(['users', 'add', '--email', 'bo@example.org', '--role', 'viewer', '--invite', '--data', dir, '--json']));
      const inviteToken = invite.url.split('/#/invite/')[1];
      expect((await (await fetch(`http://127.0.0.1:${hub.http}/api/invitations/${inviteToken}`)).json()) as unknown).toEqual({ email: 'bo@example.org', role: 'viewer' });
    } finally {
      const stopped = await stop(hub.child);
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(5_000);
    }
    expect(existsSync(join(dir, 'hub.lock.json'))).toBe(false);

    // No hub: the commands open the store themselves.
    const dev2 = json<{ deviceId: string; fleetId: string }>(await cli(['devices', 'add', 'trap-2', '--fleet', 'north', '--data', dir, '--json']));
    expect(dev2).toMatchObject({ deviceId: 'trap-2', fleetId: 'north' });
    const { token: admin } = json<{ token: string }>(await cli(['tokens', 'add', '--role', 'admin', '--data', dir, '--json']));
    const dup = await cli(['devices', 'add', 'trap-2', '--data', dir, '--json']);
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe('SPOOR_E_CONFLICT');
    const reviewer = json<{ email: string; password: string }>(await cli(['users', 'add', '--email', 'rev@example.org', '--role', 'reviewer', '--data', dir, '--json']));
    expect(reviewer.password.length).toBeGreaterThanOrEqual(16);
    const listed = json<{ items: { email: string; role: string }[] }>(await cli(['users', 'list', '--data', dir, '--json']));
    expect(listed.items.map((u) => `${u.email}:${u.role}`)).toEqual(['ana@example.org:admin', 'rev@example.org:reviewer']);
    expect((await cli(['users', 'add', '--email', 'x@example.org', '--role', 'root', '--data', dir])).code).toBe(2);
    expect((await cli(['users', '--help'])).stdout).toContain('--invite');

    // What they wrote is there when the hub comes back.
    const again = await startHub(dir);
    try {
      const res = await fetch(`http://127.0.0.1:${again.http}/api/devices`, { headers: { authorization: `Bearer ${admin}` } });
      const body = (await res.json()) as { items: { deviceId: string }[] };
      expect(body.items.map((d) => d.deviceId)).toEqual(['trap-1', 'trap-2']);
    } finally {
      await stop(again.child);
    }
  });

  it('usage mistakes exit 2 with a hint', async () => {
    const r = await cli(['tokens', 'add', '--role', 'root', '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--role must be one of');
    expect((await cli(['frobnicate'])).code).toBe(2);
  });
});
