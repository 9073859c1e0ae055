import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connect } from 'mqtt';
import pino from 'pino';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, type MediaPayload } from '@spoor/protocol';
import { parseConfig } from '../config/load.js';
import { openDb, type Db } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { mediaIdsOf } from './media-maker.js';
import { seedPhotoSighting } from './media-fixtures.js';
import { buildSightingPayload, sqliteEmbeddings } from './payload.js';
import { SyncRelay } from './relay.js';

const DEVICE = 'trap-07';
const T = (kind: string) => `spoor/v1/d/${DEVICE}/${kind}`;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function waitFor<T>(fn: () => T | null | undefined | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real aedes broker on an ephemeral port whose TCP side can go down and come back. */
async function startBroker() {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        aedes.handle(s);
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const down = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  cleanup.push(async () => {
    await down().catch(() => undefined);
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  return { url: `mqtt://127.0.0.1:${port}`, down, up: () => listen(port) };
}

/** The hub's side: what arrived on `sighting` and `media`, with receipts naming the ids (when on). */
async function startHubSide(url: string) {
  const client = connect(url, { clientId: 'test-hub', clean: false, reconnectPeriod: 50 });
  cleanup.push(() => client.endAsync(true));
  const hub = { client, sightings: [] as string[], media: [] as MediaPayload[], receipts: true, mediaIdsInSightings: [] as string[] };
  client.on('message', (topic, payload) => {
    let id: string;
    if (topic.endsWith('/media')) {
      const m = codecs.media.decode(payload);
      if (!m.ok) throw new Error(`invalid media: ${m.reason}`);
      hub.media.push(m.value);
      id = m.value.id;
    } else {
      const s = codecs.sighting.decode(payload);
      if (!s.ok) throw new Error(`invalid sighting: ${s.reason}`);
      hub.sightings.push(s.value.id);
      hub.mediaIdsInSightings.push(...(s.value.media ?? []));
      id = s.value.id;
    }
    if (hub.receipts) client.publish(T('receipt'), JSON.stringify({ v: 1, ids: [id], committedAt: new Date().toISOString() }), { qos: 1 });
  });
  await new Promise<void>((r) => client.once('connect', () => r()));
  await client.subscribeAsync(['spoor/v1/d/+/sighting', 'spoor/v1/d/+/media'], { qos: 1 });
  return hub;
}

async function setup(sync: Record<string, unknown>, opts: { clock?: () => number } = {}) {
  const broker = await startBroker();
  const dir = await mkdtemp(join(tmpdir(), 'spoor-media-sync-'));
  const db = openDb(join(dir, 'spoor.db'));
  cleanup.push(() => db.close());
  const config = parseConfig({ deviceId: DEVICE, dataDir: dir, inbox: join(dir, 'inbox'), cloud: { mqttUrl: broker.url }, sync: { receiptTimeoutSec: 2, ...sync } });
  const logs: { msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const relay = new SyncRelay({ config, db, logger, backoff: { baseMs: 50, maxMs: 200 }, ...(opts.clock ? { clock: opts.clock } : {}) });
  cleanup.push(() => relay.stop());
  const hub = await startHubSide(broker.url);
  return { broker, db, dir, relay, hub, logs, outbox: new OutboxStore(db) };
}

const rows = (db: Db, topic: string) => (db.prepare('SELECT count(*) AS n FROM outbox WHERE topic = ?').get(topic) as { n: number }).n;
const leopard = { category: 'animal' as const, species: 'Panthera pardus', individual: 3, box: [0.1, 0.35, 0.3, 0.35] as const };
const walker = { category: 'person' as const, box: [0.6, 0.25, 0.15, 0.55] as const };

describe('media over MQTT (crops/full bandwidth)', () => {
  it('crops: each detection arrives as a JPEG matching its size and sha256, and the rows go only on the receipt', async () => {
    const { db, dir, relay, hub } = await setup({ bandwidth: 'crops' });
    hub.receipts = false;
    const s = await seedPhotoSighting(db, dir, { seed: 1, deviceId: DEVICE, objects: [leopard, walker] });
    relay.start();
    await waitFor(() => hub.media.length === 2 && hub.sightings.length >= 1, 'the sighting and its two crops');
    await sleep(300);
    expect(rows(db, 'media')).toBe(2); // published and PUBACKed, but no receipt yet
    expect(rows(db, 'sighting')).toBe(1);
    const byIdx = new Map(hub.media.map((m) => [m.detectionIdx, m]));
    for (const [idx, m] of byIdx) {
      expect(m).toMatchObject({ sightingId: s.id, captureId: s.frames[0]?.captureId, kind: 'crop', contentType: 'image/jpeg', deviceId: DEVICE });
      const bytes = Buffer.from(m.bytes, 'base64');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', m.width, m.height]);
      expect(Math.max(m.width, m.height)).toBeLessThanOrEqual(512);
      expect(s.detections[idx ?? -1]).toBeDefined();
    }
    expect([...byIdx.keys()].sort()).toEqual([0, 1]);
    hub.receipts = true;
    await waitFor(() => rows(db, 'media') === 0 && rows(db, 'sighting') === 0, 'the outbox to drain once receipts name the ids');
    // A sighting sent again after its media exist lists their ids.
    const sent = [...new Set(hub.media.map((m) => m.id))].sort();
    expect(sent).toHaveLength(2);
    expect(mediaIdsOf(db)(s.id).sort()).toEqual(sent);
    for (const id of hub.mediaIdsInSightings) expect(sent).toContain(id);
  });

  it('metadata: nothing is published on media and no JPEG is made', async () => {
    const { db, dir, relay, hub } = await setup({ bandwidth: 'metadata' });
    await seedPhotoSighting(db, dir, { seed: 2, deviceId: DEVICE, objects: [leopard] });
    relay.start();
    await waitFor(() => rows(db, 'sighting') === 0, 'the sighting to be receipted');
    await sleep(500);
    expect(hub.media).toEqual([]);
    expect((db.prepare('SELECT count(*) AS n FROM sync_media').get() as { n: number }).n).toBe(0);
  });

  it('full: every frame goes too, downscaled to at most 1920 px, besides the crops', async () => {
    const { db, dir, relay, hub } = await setup({ bandwidth: 'full' });
    const s = await seedPhotoSighting(db, dir, { seed: 3, deviceId: DEVICE, objects: [leopard], frames: 2, width: 2400, height: 1600 });
    relay.start();
    await waitFor(() => hub.media.length === 4 && rows(db, 'media') === 0, 'two frames and two crops, receipted');
    const frames = hub.media.filter((m) => m.kind === 'frame');
    expect(frames.map((f) => f.captureId).sort()).toEqual(s.frames.map((f) => f.captureId).sort());
    for (const f of frames) {
      expect([f.width, f.height, f.detectionIdx]).toEqual([1920, 1280, null]);
      const meta = await sharp(Buffer.from(f.bytes, 'base64')).metadata();
      expect([meta.width, meta.height]).toEqual([1920, 1280]);
    }
    expect(hub.media.filter((m) => m.kind === 'crop')).toHaveLength(2);
  });

  it('the daily budget counts media bytes; sightings go first and pixels stop when they do not fit', async () => {
    const now = Date.parse('2026-05-01T10:00:00.000Z');
    const { broker, db, dir, relay, hub, logs, outbox } = await setup({ bandwidth: 'crops', dailyBudgetBytes: 10_000_000 }, { clock: () => now });
    await broker.down(); // let the media be made before anything can go
    const plain = await seedPhotoSighting(db, dir, { seed: 4, deviceId: DEVICE, objects: [leopard], priority: 0 });
    const prio = await seedPhotoSighting(db, dir, { seed: 5, deviceId: DEVICE, objects: [walker], priority: 1 });
    relay.start();
    await waitFor(() => rows(db, 'media') === 2, 'both crops made while offline');
    const wire = (id: string) => {
      const built = buildSightingPayload(JSON.parse((db.prepare('SELECT body FROM sightings WHERE id = ?').get(id) as { body: string }).body), 'crops', sqliteEmbeddings(db), mediaIdsOf(db)(id));
      if (!built.ok) throw new Error(built.reason);
      return built.bytes.byteLength;
    };
    const mediaBytes = (sightingId: string) => (db.prepare(`SELECT o.bytes FROM outbox o JOIN sync_media m ON m.id = o.ref_id WHERE m.sighting_id = ?`).get(sightingId) as { bytes: number }).bytes;
    const sizes = { plain: wire(plain.id), prio: wire(prio.id), prioCrop: mediaBytes(prio.id), plainCrop: mediaBytes(plain.id) };
    // Room for both sightings and the priority crop, not for the plain crop: the same unit restarts with that budget.
    await relay.stop();
    const budget = sizes.plain + sizes.prio + sizes.prioCrop + Math.floor(sizes.plainCrop / 2);
    const config = parseConfig({ deviceId: DEVICE, dataDir: dir, inbox: join(dir, 'inbox'), cloud: { mqttUrl: broker.url }, sync: { bandwidth: 'crops', receiptTimeoutSec: 2, dailyBudgetBytes: budget } });
    const second = new SyncRelay({ config, db, logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) }), backoff: { baseMs: 50, maxMs: 200 }, clock: () => now });
    cleanup.push(() => second.stop());
    await broker.up();
    await waitFor(() => hub.client.connected, 'the hub side back on the broker');
    second.start();
    await waitFor(() => hub.sightings.length >= 2 && hub.media.length >= 1 && rows(db, 'sighting') === 0, 'both sightings and the priority crop');
    await sleep(500);
    expect(new Set(hub.sightings)).toEqual(new Set([plain.id, prio.id]));
    expect([...new Set(hub.media.map((m) => m.sightingId))]).toEqual([prio.id]);
    expect(rows(db, 'media')).toBe(1); // the plain crop waits for tomorrow's budget
    expect(outbox.sentOn('2026-05-01')).toBe(sizes.plain + sizes.prio + sizes.prioCrop);
    expect(second.status().budget.exhausted).toBe(false);
    expect(logs.filter((l) => l.msg.startsWith('daily sync budget too small for more media'))).toHaveLength(1);
  });
});
