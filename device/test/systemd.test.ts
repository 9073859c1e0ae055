import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bindNotifySocket, type NotifySocket } from '@spoor/native/testing/notify-socket';
import { DEVICE_BIN, ROOT } from './helpers.js';

const CONFIG = ['dataDir: data', 'inbox: inbox', 'http:', '  host: 127.0.0.1', '  port: 0', 'watch:', '  pollMs: 100', ''].join('\n');

describe('spoor-device run under systemd (real NOTIFY_SOCKET, WATCHDOG_USEC)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('sends READY after startup, pets the watchdog, stops petting when the inference worker hangs, and says STOPPING', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-systemd-'));
    await writeFile(join(dir, 'device.yaml'), CONFIG);
    const sock: NotifySocket = await bindNotifySocket(join(dir, 'notify.sock'));
    cleanup.push(() => sock.close());
    const child = spawn(process.execPath, [DEVICE_BIN, 'run', '--config', join(dir, 'device.yaml'), '--json'], {
      cwd: ROOT,
      env: { ...process.env, NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '400000', SPOOR_TEST_HOOKS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));

    const ready = await sock.waitFor((t) => t.startsWith('READY=1'), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${stderr}`);
    });
    // READY comes only once the daemon is up: models loaded, DB open, HTTP listening.
    expect(ready.text).toMatch(/^READY=1\nSTATUS=.*3 models .*http :\d+/);
    while (!stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const port = (JSON.parse(stdout.split('\n')[0] as string) as { http: number }).http;
    expect(await (await fetch(`http://127.0.0.1:${port}/ready`)).json()).toEqual({ ready: true });
    expect(sock.messages.slice(0, sock.messages.indexOf(ready)).filter((m) => m.text.startsWith('WATCHDOG'))).toEqual([]);

    // Petted at half the interval (200 ms) while the pipeline is alive.
    await new Promise((r) => setTimeout(r, 1500));
    const pets = () => sock.messages.filter((m) => m.text === 'WATCHDOG=1');
    expect(pets().length).toBeGreaterThanOrEqual(4);

    // Wedge the inference worker: HTTP keeps answering, but the watchdog must go quiet.
    child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 800)); // the last pong ages out within 2 periods
    const quietFrom = pets().length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(pets().length).toBe(quietFrom);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(stderr).toContain('inference worker does not answer');

    child.kill('SIGTERM');
    await sock.waitFor((t) => t.startsWith('STOPPING=1'), 10_000);
    const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
    expect(code).toBe(0);
  }, 120_000);

  it('refuses to start with SPOOR_E_GPIO_UNAVAILABLE when the PIR trigger is on but the chip is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-gpio-run-'));
    await writeFile(join(dir, 'device.yaml'), `${CONFIG}gpio:\n  enabled: true\n  chip: /dev/gpiochip-spoor-missing\n  line: 17\n`);
    const child = spawn(process.execPath, [DEVICE_BIN, 'run', '--config', join(dir, 'device.yaml')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('error SPOOR_E_GPIO_UNAVAILABLE');
    expect(stderr).toContain('/dev/gpiochip-spoor-missing does not exist');
  }, 90_000);
});
