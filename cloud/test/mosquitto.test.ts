/**
 * Interop and scale-out against a real Mosquitto and a real Postgres server: two hubs in
 * external-broker mode share `$share/<group>/...`, simulated devices publish straight to
 * Mosquitto, and every sighting is committed exactly once and receipted, even when one hub
 * stops mid-stream. Fails (never skips) when either service is down.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, encodeEmbedding, uuidv7, type SightingPayload } from '@spoor/protocol';
import { createLogger, parseConfig, startHub, type Hub } from '../src/index.js';
import { createTestDatabase, type TestDb } from '../src/store/testing.js';
import { sleep, until } from '../src/testing/mqtt.js';

const MQTT_URL = process.env.SPOOR_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const START_MOSQUITTO_HINT = 'Start it with `mosquitto -d -c /etc/mosquitto/mosquitto.conf` (anonymous clients on 127.0.0.1:1883), or point SPOOR_TEST_MQTT_URL at one.';

/** A unique tag per run: topic prefix, shared group and device ids, so parallel runs and leftovers never collide. */
const RUN = randomBytes(4).toString('hex');
const PREFIX = `spoortest-${RUN}/v1`;
const GROUP = `hub-${RUN}`;
const DEVICES = 20;
/** Like the relay's receiptTimeoutSec (default 60 s), shorter: a sighting without a receipt after this goes again. */
const RECEIPT_TIMEOUT_MS = 10_000;

/** Connect once to the broker as a plain client; fail with how to start it. */
async function requireMosquitto(): Promise<void> {
  let c: MqttClient;
  try {
    c = await mqtt.connectAsync(MQTT_URL, { clientId: `probe-${RUN}`, clean: true, reconnectPeriod: 0, connectTimeout: 3_000 });
  } catch (err) {
    throw new Error(`Mosquitto at ${MQTT_URL} is not reachable (${(err as Error).message}). ${START_MOSQUITTO_HINT}`);
  }
  await c.endAsync();
}

/**
 * A metadata-mode sighting like the device's `typicalSighting` → `buildSightingPayload`:
 * 3 frames (id and time), one representative detection with top-3 taxa, one individual
 * with a 196-d int8 embedding. Encoded (and so validated) by the protocol codec.
 */
function deviceSighting(deviceId: string, seq: number): { payload: SightingPayload; bytes: Buffer } {
  const t0 = Date.parse('2026-05-01T04:12:09Z') + seq * 60_000;
  const at = (i: number) => new Date(t0 + i * 2000).toISOString().replace(/\.000Z$/, 'Z');
  const frames = [0, 1, 2].map((i) => ({ captureId: uuidv7(), takenAt: at(i) }));
  const species = ['Panthera pardus', 'Giraffa camelopardalis', 'Loxodonta africana'];
  const sp = species[seq % species.length] as string;
  const v = Float32Array.from({ length: 196 }, (_, i) => Math.sin(seq * 7 + i));
  const individualId = randomUUID();
  const payload: SightingPayload = {
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
        captureId: frames[1]!.captureId,
        category: 'animal',
        label: 'animal',
        bbox: [0.112, 0.305, 0.244, 0.198],
        confidence: 0.913,
        taxon: { label: sp, rank: 'species', p: 0.874 },
        top: [
          { label: sp, p: 0.874 },
          { label: species[(seq + 1) % 3] as string, p: 0.041 },
          { label: species[(seq + 2) % 3] as string, p: 0.012 },
        ],
      },
    ],
    individuals: [{ species: sp, id: individualId, name: `${sp} #${1 + (seq % 40)}`, decision: 'known', score: 0.812, frames: 3, embedding: encodeEmbedding(v, 'i8') }],
  };
  return { payload, bytes: codecs.sighting.encode(payload) };
}

/**
 * A device as the relay behaves: a persistent session (`clean:false`, QoS 1, client id =
 * device id) and an outbox of sightings that are re-sent after a reconnect, or when no
 * receipt names them within RECEIPT_TIMEOUT_MS, until one does.
 */
class SimDevice {
  readonly outbox = new Map<string, { bytes: Buffer; sentAt: number }>();
  /** Every id any receipt named (so duplicates of a receipt are fine). */
  readonly receipted = new Set<string>();
  resent = 0;
  private seq = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly deviceId: string,
    readonly client: MqttClient,
  ) {
    const receiptTopic = deviceTopic('receipt', deviceId, PREFIX);
    client.on('message', (topic, body) => {
      if (topic !== receiptTopic) return;
      const r = codecs.receipt.decode(body);
      if (!r.ok) return;
      for (const id of r.value.ids) {
        this.receipted.add(id);
        this.outbox.delete(id);
      }
    });
    client.on('error', () => {});
    client.on('connect', () => {
      client.subscribe(receiptTopic, { qos: 1 });
      this.resendOlderThan(0);
    });
    this.timer = setInterval(() => this.resendOlderThan(RECEIPT_TIMEOUT_MS), 500);
  }

  static async connect(deviceId: string): Promise<SimDevice> {
    const client = await mqtt.connectAsync(MQTT_URL, { clientId: deviceId, clean: false, reconnectPeriod: 500, connectTimeout: 5_000 });
    const d = new SimDevice(deviceId, client);
    await client.subscribeAsync(deviceTopic('receipt', deviceId, PREFIX), { qos: 1 });
    return d;
  }

  /** Make one sighting and send it; returns its id. */
  publish(): string {
    const { payload, bytes } = deviceSighting(this.deviceId, this.seq++);
    this.outbox.set(payload.id, { bytes, sentAt: Date.now() });
    this.client.publish(deviceTopic('sighting', this.deviceId, PREFIX), bytes, { qos: 1 });
    return payload.id;
  }

  private resendOlderThan(ms: number): void {
    if (!this.client.connected) return;
    const now = Date.now();
    for (const [, row] of this.outbox) {
      if (now - row.sentAt < ms) continue;
      row.sentAt = now;
      this.resent++;
      this.client.publish(deviceTopic('sighting', this.deviceId, PREFIX), row.bytes, { qos: 1 });
    }
  }

  /** Disconnect, then drop the persistent session on the shared broker (connect clean once). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.client.endAsync(true).catch(() => {});
    const wipe = await mqtt.connectAsync(MQTT_URL, { clientId: this.deviceId, clean: true, reconnectPeriod: 0, connectTimeout: 3_000 }).catch(() => null);
    await wipe?.endAsync().catch(() => {});
  }
}

describe('hub scale-out on Mosquitto ($share) with a Postgres server', () => {
  let db: TestDb;
  const dirs: string[] = [];
  const hubs: Hub[] = [];
  const devices: SimDevice[] = [];
  const sent = new Set<string>();

  const startOne = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spoor-hub-mosq-'));
    dirs.push(dir);
    const hub = await startHub(
      parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqttUrl: MQTT_URL, databaseUrl: db.url, prefix: PREFIX, sharedGroup: GROUP }),
      createLogger('warn'),
    );
    hubs.push(hub);
    return hub;
  };

  /** count(*) and count(DISTINCT id) of this run's sightings in Postgres. */
  const counts = async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ n: number; ids: number }>('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM sightings');
      return rows[0]!;
    } finally {
      await c.end();
    }
  };

  const allReceipted = () => devices.reduce((n, d) => n + [...d.receipted].filter((id) => sent.has(id)).length, 0);

  beforeAll(async () => {
    await requireMosquitto();
    db = await createTestDatabase();
    // One after the other: the second finds the schema migrated.
    await startOne();
    await startOne();
    for (let i = 0; i < DEVICES; i++) devices.push(await SimDevice.connect(`trap-${RUN}-${String(i).padStart(2, '0')}`));
  });

  afterAll(async () => {
    for (const d of devices) await d.close();
    for (const h of hubs) await h.stop().catch(() => {});
    await db?.drop().catch(() => {});
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('two hubs split 600 sightings: each committed exactly once, each receipted, both hubs took a share', { timeout: 60_000 }, async () => {
    const [a, b] = hubs as [Hub, Hub];
    for (let round = 0; round < 30; round++) for (const d of devices) sent.add(d.publish());
    await until(() => allReceipted() === sent.size, 30_000, `receipts for all ${sent.size} sightings`);

    expect(await counts()).toEqual({ n: 600, ids: 600 });
    const byA = a.metrics.ingested.total();
    const byB = b.metrics.ingested.total();
    console.log(`$share/${GROUP}: hub A committed ${byA}, hub B ${byB} (re-sends by devices: ${devices.reduce((n, d) => n + d.resent, 0)})`);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBeGreaterThanOrEqual(600);
  });

  it('one hub stops mid-stream: the other takes the rest and nothing is lost', { timeout: 60_000 }, async () => {
    const [a, b] = hubs as [Hub, Hub];
    const before = sent.size;
    const aBefore = a.metrics.ingested.total();
    const bBefore = b.metrics.ingested.total();
    // 600 more, paced over ~2 s (20 devices × 30 rounds, one every 60 ms); stop A after round 10.
    let stopped: Promise<void> | null = null;
    let bAtStop = 0;
    for (let round = 0; round < 30; round++) {
      for (const d of devices) sent.add(d.publish());
      if (round === 10) {
        bAtStop = b.metrics.ingested.total();
        stopped = a.stop();
      }
      await sleep(60);
    }
    await stopped;
    const aTook = a.metrics.ingested.total() - aBefore;
    await until(() => allReceipted() === sent.size, 40_000, `receipts for all ${sent.size} sightings after hub A stopped`);

    expect(await counts()).toEqual({ n: before + 600, ids: before + 600 });
    const bTook = b.metrics.ingested.total() - bBefore;
    const bAfterStop = b.metrics.ingested.total() - bAtStop;
    const resent = devices.reduce((n, d) => n + d.resent, 0);
    console.log(`second 600: hub A committed ${aTook} (until it stopped after round 10), hub B ${bTook} (${bAfterStop} after A stopped); re-sends by devices so far: ${resent}`);
    expect(a.ingest.isConnected()).toBe(false);
    expect(a.metrics.ingested.total() - aBefore).toBe(aTook); // A took nothing after it stopped
    expect(aTook).toBeGreaterThan(0);
    // The 19 rounds published after the stop (380 sightings) can only have been committed by B.
    expect(bAfterStop).toBeGreaterThanOrEqual(19 * DEVICES);
    // A graceful stop unsubscribes before it drains, so Mosquitto hands the rest to B at once:
    // no sighting had to wait for a device's receipt timeout.
    expect(resent).toBe(0);
  });
});
