import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic } from '@spoor/protocol';
import { parseConfig } from '../config.js';
import { startHub, type Hub } from '../hub.js';
import { createLogger } from '../system/logger.js';
import { makeSighting } from '../testing/fixtures.js';
import { connectDevice, nextMessage, until } from '../testing/mqtt.js';

/** A small seeded PRNG so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T };
}

type Json = Record<string, unknown>;

/** Mutations that each make a valid sighting invalid for sure. */
const MUTATIONS: ((p: Json, r: ReturnType<typeof rng>) => void)[] = [
  (p) => delete p[['id', 'eventId', 'deviceId', 'takenAt', 'endAt', 'frames', 'detections', 'individuals', 'v', 'cameraId'][Math.floor(Math.random() * 10)] as string],
  (p) => (p.extra = 1),
  (p) => (p.v = 2),
  (p) => (p.id = 'not-a-uuid'),
  (p) => (p.takenAt = 'yesterday'),
  (p) => (p.detections = 'lots'),
  (p) => ((p.detections as Json[])[0]!.confidence = 1.5),
  (p) => ((p.detections as Json[])[0]!.bbox = [0.1, 0.2, 0.3]),
  (p) => ((p.detections as Json[])[0]!.category = 'ghost'),
  (p) => ((p.individuals as Json[])[0]!.decision = 'maybe'),
  (p) => ((p.frames as Json[])[0]!.sha256 = 'xyz'),
  (p, r) => (p[r.pick(['id', 'eventId', 'deviceId', 'takenAt', 'frames', 'detections', 'individuals'])] = r.pick([null, 42, true, {}, 'no/way'])),
  (p) => (p.cameraId = { nested: true }),
  (p) => (p.detections = [...Array.from({ length: 5001 }, () => (p.detections as Json[])[0])]),
];

describe('ingest under malformed input', () => {
  let dir: string;
  let hub: Hub;
  let device: MqttClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-fuzz-'));
    hub = await startHub(parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }), createLogger('warn'));
    const creds = await hub.store.devices.add({ deviceId: 'trap-a' });
    device = await connectDevice(hub.mqttPort!, 'trap-a', creds.password);
  });
  afterAll(async () => {
    await device?.endAsync(true).catch(() => {});
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('10,000 random and mutated messages: all counted, none stored, the hub keeps ingesting', { timeout: 120_000 }, async () => {
    const r = rng(0x5b00);
    const topic = deviceTopic('sighting', 'trap-a');
    const N = 10_000;
    const kinds = { bytes: 0, truncated: 0, mutated: 0, mismatch: 0, status: 0 };
    for (let i = 0; i < N; i++) {
      const k = i % 5;
      let body: Buffer | string;
      let t = topic;
      if (k === 0) {
        kinds.bytes++;
        body = Buffer.from(Array.from({ length: r.int(400) }, () => r.int(256)));
      } else if (k === 1) {
        kinds.truncated++;
        const text = JSON.stringify(makeSighting('trap-a'));
        body = text.slice(0, r.int(text.length - 1));
      } else if (k === 2) {
        kinds.mutated++;
        const p = makeSighting('trap-a') as unknown as Json;
        r.pick(MUTATIONS)(p, r);
        body = JSON.stringify(p);
      } else if (k === 3) {
        kinds.mismatch++;
        body = JSON.stringify(makeSighting('trap-b'));
      } else {
        kinds.status++;
        t = deviceTopic('status', 'trap-a');
        body = JSON.stringify({ v: 1, deviceId: r.pick(['trap-b', 'trap-a']), state: r.pick(['online', 'sleeping']), at: 'now' });
      }
      await device.publishAsync(t, body, { qos: 0 });
    }
    const rejectedTotal = async () => {
      const text = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`)).text();
      let n = 0;
      for (const m of text.matchAll(/^spoor_hub_payload_rejected_total\{code="([^"]+)"\} (\d+)$/gm)) n += Number(m[2]);
      return { n, text };
    };
    await until(async () => (await rejectedTotal()).n === N, 60_000, `${N} rejections in /metrics`);
    const { text } = await rejectedTotal();
    expect(text).toMatch(/code="SPOOR_E_PAYLOAD_JSON"/);
    expect(text).toMatch(/code="SPOOR_E_PAYLOAD_SCHEMA"/);
    expect(text).toMatch(/code="SPOOR_E_PAYLOAD_DEVICE_MISMATCH"\} 2000$/m);
    expect(await hub.store.sightings.count()).toBe(0);
    expect((await hub.store.devices.get('trap-a'))?.status).toBeNull();

    // Still up and still ingesting.
    expect((await fetch(`http://127.0.0.1:${hub.httpPort}/ready`)).status).toBe(200);
    await device.subscribeAsync(deviceTopic('receipt', 'trap-a'), { qos: 1 });
    const good = makeSighting('trap-a');
    const receipt = nextMessage(device, deviceTopic('receipt', 'trap-a'));
    await device.publishAsync(topic, JSON.stringify(good), { qos: 1 });
    const rec = codecs.receipt.decode(await receipt);
    expect(rec.ok && rec.value.ids).toEqual([good.id]);
    expect(await hub.store.sightings.count()).toBe(1);
  });

  it('a sighting the database refuses is dropped alone; the rest of its batch is committed and receipted', async () => {
    const ok = makeSighting('trap-a');
    const poison = makeSighting('trap-a');
    poison.takenAt = '2025-02-30T10:00:00Z'; // passes the wire schema, refused by Postgres
    const seen: string[] = [];
    device.on('message', (_t, p) => {
      const rr = codecs.receipt.decode(p);
      if (rr.ok) seen.push(...rr.value.ids);
    });
    await Promise.all([poison, ok].map((s) => device.publishAsync(deviceTopic('sighting', 'trap-a'), JSON.stringify(s), { qos: 1 })));
    await until(() => seen.includes(ok.id), 10_000, 'the receipt for the good sighting');
    expect(seen).not.toContain(poison.id);
    expect(await hub.store.sightings.get(ok.id)).toEqual(ok);
    expect(hub.metrics.rejected.get({ code: 'SPOOR_E_PAYLOAD_STORAGE' })).toBe(1);
  });
});
