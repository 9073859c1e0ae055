import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions } from 'mqtt';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs } from '@spoor/protocol';
import { parseConfig as hubConfig } from '@spoor/cloud/config';
import { startHub, type Hub } from '@spoor/cloud/hub';
import { parseConfig as deviceConfig } from '@spoor/device/config/load';
import { openDb, type Db } from '@spoor/device/store/db';
import { seedPhotoSighting } from '@spoor/device/sync/media-fixtures';
import { SyncRelay } from '@spoor/device/sync/relay';

const DEVICE = 'trap-media';

async function waitFor<T>(fn: () => Promise<T | null | false> | T | null | false, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The device's sync relay and the hub in one process, over the hub's real embedded broker and PGlite. */
describe('device → hub media in crops mode (real relay, broker, ingest, store, API)', () => {
  let dir: string;
  let hub: Hub;
  let db: Db;
  let relay: SyncRelay;
  let token: string;
  const receipted = new Set<string>();
  const outboxIds = () => new Set((db.prepare('SELECT ref_id AS id FROM outbox').all() as { id: string }[]).map((r) => r.id));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spoor-media-e2e-'));
    hub = await startHub(hubConfig({ dataDir: join(dir, 'hub'), http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }), pino({ level: 'warn' }));
    const creds = await hub.store.devices.add({ deviceId: DEVICE });
    token = (await hub.store.tokens.add('reviewer')).token;
    db = openDb(join(dir, 'device.db'));
    const config = deviceConfig({
      deviceId: DEVICE,
      dataDir: join(dir, 'device'),
      inbox: join(dir, 'inbox'),
      cloud: { mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`, username: creds.username, password: creds.password },
      sync: { bandwidth: 'crops', receiptTimeoutSec: 30 },
    });
    relay = new SyncRelay({
      config,
      db,
      logger: pino({ level: 'warn' }),
      // Tap the device's connection: which ids did the hub's receipts name, and when.
      connect: (url: string, opts: IClientOptions) => {
        const c = connect(url, opts);
        c.on('message', (topic, payload) => {
          if (!topic.endsWith('/receipt')) return;
          const r = codecs.receipt.decode(payload);
          if (r.ok) for (const id of r.value.ids) receipted.add(id);
        });
        return c;
      },
    });
  });
  afterAll(async () => {
    await relay?.stop();
    db?.close();
    await hub?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('each detection’s crop reaches the hub intact, the person blurred, and the outbox drains on the receipts', async () => {
    const s = await seedPhotoSighting(db, join(dir), {
      seed: 21,
      deviceId: DEVICE,
      objects: [
        { category: 'animal', species: 'Equus quagga', individual: 4, box: [0.08, 0.3, 0.35, 0.4] },
        { category: 'person', box: [0.6, 0.2, 0.18, 0.6] },
      ],
    });
    // Every row that leaves the outbox must have been named by a receipt first.
    const seen = new Set<string>();
    const early: string[] = [];
    const watch = setInterval(() => {
      const now = outboxIds();
      for (const id of seen) if (!now.has(id) && !receipted.has(id)) early.push(id);
      for (const id of now) seen.add(id);
    }, 5);
    relay.start();
    const api = (path: string) => fetch(`http://127.0.0.1:${hub.httpPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const items = await waitFor(async () => {
      const body = (await (await api(`/api/sightings/${s.id}/media`)).json()) as { items: { id: string; captureId: string; kind: string; detectionIdx: number | null; width: number; height: number; contentType: string; bytes: number }[] };
      return body.items.length === 2 ? body.items : null;
    }, 'both crops on the hub');
    await waitFor(() => outboxIds().size === 0, 'the device outbox to drain');
    clearInterval(watch);
    expect(early).toEqual([]);
    expect(seen.size).toBe(3); // the sighting and its two crops
    for (const id of seen) expect(receipted.has(id)).toBe(true);
    expect(await hub.store.sightings.get(s.id)).not.toBeNull();

    const listed = (db.prepare('SELECT id, detection_idx AS idx, sha256, width, height FROM sync_media WHERE sighting_id = ? ORDER BY detection_idx').all(s.id) as { id: string; idx: number; sha256: string; width: number; height: number }[]);
    expect(items.map((i) => [i.id, i.kind, i.detectionIdx, i.captureId])).toEqual(listed.map((m) => [m.id, 'crop', m.idx, s.frames[0]?.captureId]));
    const grey: number[] = [];
    for (const [k, item] of items.entries()) {
      const res = await api(`/api/media/${item.id}`);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.byteLength).toBe(item.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(listed[k]?.sha256);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', item.width, item.height]);
      expect(Math.max(item.width, item.height)).toBeLessThanOrEqual(512);
      // Detail inside the detection box (the crop minus its 10 % margin).
      const inner = { left: Math.round(item.width / 12), top: Math.round(item.height / 12), width: Math.round((item.width * 10) / 12), height: Math.round((item.height * 10) / 12) };
      const { data, info } = await sharp(bytes).extract(inner).greyscale().raw().toBuffer({ resolveWithObject: true });
      let e = 0;
      for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width - 1; x++) e += ((data[y * info.width + x] as number) - (data[y * info.width + x + 1] as number)) ** 2;
      grey.push(e / (info.height * (info.width - 1)));
    }
    // The animal crop keeps its coat pattern; the person crop (sync.blurPersons defaults to true) has almost no detail left.
    expect(grey[1]).toBeLessThan((grey[0] as number) / 5);
    expect(hub.metrics.mediaIngested.total()).toBe(2);
  }, 90_000);
});
