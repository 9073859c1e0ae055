import { type ChildProcess, spawn } from 'node:child_process';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScene, type SceneObject } from '@spoor/models/testing';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEVICE_BIN = join(ROOT, 'device', 'bin', 'spoor-device.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `spoor-device` binary (compiled; `npm test` builds first). */
export function cli(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEVICE_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function json<T>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Write a burst of synthetic frames, their mtimes `gapSec` apart from `startMs` (no EXIF, so mtime is the capture time). */
export async function writeBurst(
  dir: string,
  name: string,
  opts: { objects: SceneObject[]; frames: number; startMs: number; gapSec?: number; seed: number; width?: number; height?: number },
): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < opts.frames; i++) {
    const bytes = await renderScene({
      width: opts.width ?? 960,
      height: opts.height ?? 540,
      seed: opts.seed * 100 + i,
      objects: opts.objects,
      format: 'jpeg',
      quality: 90,
      jitter: i === 0 ? 0 : 1,
    });
    const file = join(dir, `${name}-${String(i).padStart(2, '0')}.jpg`);
    await writeFile(file, bytes);
    const t = new Date(opts.startMs + i * (opts.gapSec ?? 2) * 1000);
    await utimes(file, t, t);
    files.push(file);
  }
  return files;
}

export interface DaemonProcess {
  port: number;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `spoor-device run --config <file> --json` and wait for its `{"http": port}` line. */
export function startDaemonProcess(configFile: string, timeoutMs = 60_000): Promise<DaemonProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEVICE_BIN, 'run', '--config', configFile, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not become ready:\n${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        resolve({ port: (JSON.parse(line) as { http: number }).http, child, stderr: () => stderr, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before ready:\n${stderr}`));
    });
  });
}

/** Poll until `check` returns a truthy value (bounded; a test fails rather than hangs). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const TEST_PANEL_PASSWORD = 'correct horse battery';

export interface PanelSession {
  cookie: string;
  csrf: string;
  /** fetch with the session cookie, and the CSRF header on state-changing requests. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Set the panel's admin password if none is set yet, log in, and return the session. */
export async function panelLogin(base: string, password = TEST_PANEL_PASSWORD): Promise<PanelSession> {
  const post = (path: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  let res = await post('/api/auth/setup');
  if (res.status === 401) res = await post('/api/auth/login');
  if (res.status !== 200) throw new Error(`panel login failed: ${res.status} ${await res.text()}`);
  const { csrf } = (await res.json()) as { csrf: string };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return {
    cookie,
    csrf,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      headers.set('x-csrf-token', csrf);
      return fetch(`${base}${path}`, { ...init, headers });
    },
  };
}
