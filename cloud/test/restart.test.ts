/**
 * The real `spoor-hub` binary (embedded aedes broker, PGlite) going away under a device
 * that behaves like the relay: an outage while the device keeps making sightings, and a
 * `kill -9` in the middle of ingest. Every sighting ends up committed exactly once and
 * receipted. Runs the compiled hub (`npm test` builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, encodeEmbedding, uuidv7, type SightingPayload } from '@spoor/protocol';
import { until } from '../src/testing/mqtt.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'cloud', 'bin', 'spoor-hub.js');
const ENV = { ...process.env, DATABASE_URL: '' };

/** A port that was free a moment ago, so the hub can come back on the same one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Run a `spoor-hub` admin command with --json and parse its output. */
function cliJson<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`spoor-hub ${args.join(' ')} exited ${code}\n${err}`));
    });
  });
}

interface HubProcess {
  child: ChildProcess;
  http: number;
  mqtt: number;
  exited: Promise<number | null>;
}

/** `spoor-hub run --json` on a fixed MQTT port; resolves once it prints its ports. */
function runHub(data: string, mqttPort: number): Promise<HubProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', '--data', data, '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', String(mqttPort), '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: ENV,
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub not ready in 30 s\n${stderr}`));
    }, 30_000);
    void exited.then((code) => reject(new Error(`hub exited ${code} before it was ready\n${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const ports = JSON.parse(line) as { http: number; mqtt: number };
      resolve({ child, exited, ...ports });
    });
  });
}

/** SIGTERM (or SIGKILL) and wait for the process to be gone, bounded. */
async function stopHub(hub: HubProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  hub.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([hub.exited, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hub did not exit on ${signal} in 10 s`)), 10_000)))]);
  clearTimeout(timer);
  return code;
}

/** A metadata-mode sighting like the device builds (3 frames, one detection with top-3, one int8 embedding). */
function sighting(deviceId: string, seq: number): { id: string; bytes: Buffer } {
  const t0 = Date.parse('2026-05-01T04:12:09Z') + seq * 60_000;
  const at = (i: number) => new Date(t0 + i * 2000).toISOString().replace(/\.000Z$/, 'Z');
  const frames = [0, 1, 2].map((i) => ({ captureId: uuidv7(), takenAt: at(i) }));
  const p: SightingPayload = {
    v: 1,
    id: uuidv7(),
    eventId: uuidv7(),
    deviceId,
    cameraId: 'cam-north',
    takenAt: at(0),
    endAt: at(2),
    frames,
    detections: [
      {
        captureId: frames[0]!.captureId,
        category: 'animal',
        label: 'animal',
        bbox: [0.1, 0.2, 0.3, 0.4],
        confidence: 0.91,
        taxon: { label: 'Crocuta crocuta', rank: 'species', p: 0.88 },
        top: [
          { label: 'Crocuta crocuta', p: 0.88 },
          { label: 'Panthera pardus', p: 0.04 },
          { label: 'Syncerus caffer', p: 0.01 },
        ],
      },
    ],
    individuals: [
      { species: 'Crocuta crocuta', id: randomUUID(), name: null, decision: 'new', score: 0.4, frames: 3, embedding: encodeEmbedding(Float32Array.from({ length: 196 }, (_, i) => Math.cos(seq + i)), 'i8') },
    ],
  };
  return { id: p.id, bytes: codecs.sighting.encode(p) };
}

/**
 * The device side as the relay behaves: a persistent session (`clean:false`, QoS 1) that
 * reconnects on its own, and an outbox of sightings without a receipt. Sightings made while
 * the hub is away wait in the outbox; after every (re)connect all of them go again, until a
 * receipt names them.
 */
class Publisher {
  readonly outbox = new Map<string, Buffer>();
  readonly receipted = new Set<string>();
  readonly made: string[] = [];
  connects = 0;
  readonly client: MqttClient;
  private seq = 0;
  private readonly topic: string;

  constructor(mqttPort: number, creds: { username: string; password: string }, onReceipt?: () => void) {
    const deviceId = creds.username;
    this.topic = deviceTopic('sighting', deviceId);
    const receiptTopic = deviceTopic('receipt', deviceId);
    this.client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: deviceId,
      username: creds.username,
      password: creds.password,
      clean: false,
      reconnectPeriod: 250,
      connectTimeout: 3_000,
    });
    this.client.on('error', () => {}); // refused while the hub is down; it keeps trying
    this.client.on('connect', () => {
      this.connects++;
      this.client.subscribe(receiptTopic, { qos: 1 });
      for (const bytes of this.outbox.values()) this.client.publish(this.topic, bytes, { qos: 1 });
    });
    this.client.on('message', (t, body) => {
      if (t !== receiptTopic) return;
      const r = codecs.receipt.decode(body);
      if (!r.ok) return;
      for (const id of r.value.ids) {
        this.receipted.add(id);
        this.outbox.delete(id);
      }
      onReceipt?.();
    });
  }

  make(n: number): void {
    for (let i = 0; i < n; i++) {
      const s = sighting(this.client.options.clientId!, this.seq++);
      this.made.push(s.id);
      this.outbox.set(s.id, s.bytes);
      if (this.client.connected) this.client.publish(this.topic, s.bytes, { qos: 1 });
    }
  }

  close(): Promise<void> {
    return this.client.endAsync(true).catch(() => {});
  }
}

/** Every sighting of the device through the API (pages of 500): total and the ids. */
async function storedIds(http: number, token: string, deviceId: string): Promise<{ total: number; ids: string[] }> {
  const ids: string[] = [];
  let total = 0;
  for (let offset = 0; ; offset += 500) {
    const res = await fetch(`http://127.0.0.1:${http}/api/sightings?deviceId=${deviceId}&limit=500&offset=${offset}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { id: string }[]; total: number };
    total = page.total;
    ids.push(...page.items.map((s) => s.id));
    if (page.items.length < 500) return { total, ids };
  }
}

describe('hub restarts under a relay-like device (spoor-hub binary, PGlite)', () => {
  const dirs: string[] = [];
  const live: HubProcess[] = [];
  const publishers: Publisher[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'spoor-hub-restart-'));
    dirs.push(d);
    return d;
  };
  const start = async (dir: string, port: number) => {
    const h = await runHub(dir, port);
    live.push(h);
    return h;
  };
  afterAll(async () => {
    for (const p of publishers) await p.close();
    for (const h of live) if (h.child.exitCode === null && h.child.signalCode === null) await stopHub(h, 'SIGKILL').catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('an outage: 500 sightings made while the hub is down are all committed exactly once and receipted after it is back', { timeout: 90_000 }, async () => {
    const dir = fresh();
    const port = await freePort();
    const first = await start(dir, port);
    const creds = await cliJson<{ username: string; password: string }>(['devices', 'add', 'trap-out', '--data', dir]);
    const { token } = await cliJson<{ token: string }>(['tokens', 'add', '--role', 'admin', '--data', dir]);
    expect(await stopHub(first)).toBe(0);

    const dev = new Publisher(port, creds);
    publishers.push(dev);
    dev.make(500);
    await new Promise((r) => setTimeout(r, 1_000)); // it keeps trying to reach the hub meanwhile
    expect(dev.client.connected).toBe(false);
    expect(dev.outbox.size).toBe(500);

    const back = await start(dir, port);
    await until(() => dev.receipted.size === 500, 30_000, 'receipts for all 500 sightings');
    expect(dev.made.every((id) => dev.receipted.has(id))).toBe(true);
    expect(dev.outbox.size).toBe(0);

    const stored = await storedIds(back.http, token, 'trap-out');
    expect(stored.total).toBe(500);
    expect(new Set(stored.ids).size).toBe(500);
    expect(new Set(stored.ids)).toEqual(new Set(dev.made));
    expect(await stopHub(back)).toBe(0);
  });

  it('kill -9 mid-ingest with 300 sightings in flight: after a restart all are committed exactly once, nothing lost', { timeout: 90_000 }, async () => {
    const dir = fresh();
    const port = await freePort();
    const hub = await start(dir, port);
    const creds = await cliJson<{ username: string; password: string }>(['devices', 'add', 'trap-kill', '--data', dir]);
    const { token } = await cliJson<{ token: string }>(['tokens', 'add', '--role', 'admin', '--data', dir]);

    // The first receipt means a batch is committed and the rest is still being ingested: kill there.
    let receiptedAtKill = -1;
    const dev = new Publisher(port, creds, () => {
      if (receiptedAtKill >= 0) return;
      receiptedAtKill = dev.receipted.size;
      hub.child.kill('SIGKILL');
    });
    publishers.push(dev);
    await until(() => dev.client.connected, 10_000, 'the device to connect');
    dev.make(300);
    await until(() => receiptedAtKill >= 0, 20_000, 'the first receipt');
    expect(await stopHub(hub, 'SIGKILL')).toBeNull(); // killed, not exited
    expect(receiptedAtKill).toBeGreaterThan(0);
    expect(receiptedAtKill).toBeLessThan(300); // it died with sightings not yet committed

    const back = await start(dir, port);
    await until(() => dev.receipted.size === 300, 30_000, `receipts for all 300 sightings (had ${dev.receipted.size})`);
    const stored = await storedIds(back.http, token, 'trap-kill');
    console.log(`kill -9 after ${receiptedAtKill} of 300 were receipted; device reconnected ${dev.connects - 1}×; ${stored.total} stored`);
    expect(stored.total).toBe(300);
    expect(new Set(stored.ids)).toEqual(new Set(dev.made));
    expect(await stopHub(back)).toBe(0);
  });
});
