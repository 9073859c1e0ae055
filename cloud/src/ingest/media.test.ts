import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, deviceTopic, encodeCropFeatures, MAX_MEDIA_BYTES, uuidv7 } from '@spoor/protocol';
import { randomKeypoints, rng, secondView } from '@spoor/protocol/testing/keypoints';
import { parseConfig } from '../config.js';
import { startHub, type Hub } from '../hub.js';
import { createLogger } from '../system/logger.js';
import { makeMedia, TINY_JPEG } from '../testing/media.js';
import { connectDevice, nextMessage, sleep, until } from '../testing/mqtt.js';

describe('hub: media ingest and the media API (PGlite)', () => {
  let dir: string;
  let hub: Hub;
  let device: MqttClient;
  let viewer: string;
  const api = (path: string, token: string | null = viewer) =>
    fetch(`http://127.0.0.1:${hub.httpPort}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  const rejected = async (code: string) => {
    const text = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`)).text();
    return Number(new RegExp(`spoor_hub_payload_rejected_total\\{code="${code}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-hub-media-'));
    hub = await startHub(parseConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }), createLogger('warn'));
    const creds = await hub.store.devices.add({ deviceId: 'trap-m' });
    await hub.store.devices.add({ deviceId: 'trap-n' });
    device = await connectDevice(hub.mqttPort!, 'trap-m', creds.password);
    await device.subscribeAsync(deviceTopic('receipt', 'trap-m'), { qos: 1 });
    viewer = (await hub.store.tokens.add('viewer')).token;
  });
  afterAll(async () => {
    await device?.endAsync(true).catch(() => {});
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits a crop, receipts its id, and serves it: the list of the sighting, then the bytes with their type', async () => {
    const sightingId = uuidv7();
    const crop = makeMedia('trap-m', sightingId, { detectionIdx: 2 });
    const receipt = nextMessage(device, deviceTopic('receipt', 'trap-m'));
    await device.publishAsync(deviceTopic('media', 'trap-m'), codecs.media.encode(crop), { qos: 1 });
    const r = codecs.receipt.decode(await receipt);
    expect(r.ok && r.value.ids).toEqual([crop.id]);

    const list = await api(`/api/sightings/${sightingId}/media`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      items: [{ id: crop.id, captureId: crop.captureId, kind: 'crop', detectionIdx: 2, width: 16, height: 12, contentType: 'image/jpeg', bytes: TINY_JPEG.byteLength, keypoints: null }],
    });
    const img = await api(`/api/media/${crop.id}`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await img.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(crop.sha256);
    expect(hub.metrics.mediaIngested.total()).toBeGreaterThanOrEqual(1);
  });

  it('keeps the keypoints a crop came with and answers which keypoints of two crops match', async () => {
    const rand = rng(11);
    const ka = randomKeypoints(300, rand);
    const { b: kb } = secondView(ka, 120, 180, rand);
    const [s1, s2] = [uuidv7(), uuidv7()];
    const a = makeMedia('trap-m', s1, { features: encodeCropFeatures(ka) });
    const b = makeMedia('trap-m', s2, { features: encodeCropFeatures(kb) });
    const unrelated = makeMedia('trap-m', s2, { detectionIdx: 1, features: encodeCropFeatures(randomKeypoints(250, rng(12))) });
    const plain = makeMedia('trap-m', s2, { detectionIdx: 2 });
    for (const m of [a, b, unrelated, plain]) {
      const receipt = nextMessage(device, deviceTopic('receipt', 'trap-m'));
      await device.publishAsync(deviceTopic('media', 'trap-m'), codecs.media.encode(m), { qos: 1 });
      await receipt;
    }
    expect((await (await api(`/api/sightings/${s2}/media`)).json()).items.map((i: { keypoints: number | null }) => i.keypoints)).toEqual([300, 250, null]);

    const match = async (x: string, y: string) => {
      const r = await api(`/api/media/${x}/matches/${y}`);
      expect(r.status).toBe(200);
      return (await r.json()) as { a: { keypoints: number | null }; b: { keypoints: number | null }; tentative: number; inliers: { a: number[]; b: number[]; distance: number }[] };
    };
    const same = await match(a.id, b.id);
    expect(same.a.keypoints).toBe(300);
    expect(same.inliers.length).toBeGreaterThanOrEqual(100);
    expect(same.tentative).toBeGreaterThanOrEqual(same.inliers.length);
    // Points are relative to each image: a's keypoints sit in its region [0.1, 0.1, 0.8, 0.8].
    for (const p of same.inliers) {
      expect(p.a.every((v) => v >= 0.1 && v <= 0.9)).toBe(true);
      expect(p.b.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    expect(await match(a.id, b.id)).toEqual(same); // the cached answer is the same
    expect((await match(a.id, unrelated.id)).inliers.length).toBeLessThan(5);
    expect(await match(a.id, plain.id)).toEqual({ a: { id: a.id, keypoints: 300 }, b: { id: plain.id, keypoints: null }, tentative: 0, inliers: [] });
    expect((await api(`/api/media/${a.id}/matches/${uuidv7()}`)).status).toBe(404);
    expect((await api(`/api/media/${a.id}/matches/${b.id}`, null)).status).toBe(401);
  });

  it('needs a token for both routes and answers 404 for an unknown image', async () => {
    expect((await api(`/api/media/${uuidv7()}`, null)).status).toBe(401);
    expect((await api(`/api/sightings/${uuidv7()}/media`, null)).status).toBe(401);
    expect((await api(`/api/media/${uuidv7()}`)).status).toBe(404);
    expect(await (await api(`/api/sightings/${uuidv7()}/media`)).json()).toEqual({ items: [] });
    expect((await api('/api/media/not-a-uuid')).status).toBe(400);
  });

  it('a re-delivered image (same id) stores one row and is receipted again', async () => {
    const m = makeMedia('trap-m', uuidv7(), { kind: 'frame' });
    for (let i = 0; i < 3; i++) {
      const receipt = nextMessage(device, deviceTopic('receipt', 'trap-m'));
      await device.publishAsync(deviceTopic('media', 'trap-m'), codecs.media.encode(m), { qos: 1 });
      const r = codecs.receipt.decode(await receipt);
      expect(r.ok && r.value.ids).toEqual([m.id]);
    }
    const { rows } = await hub.store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM media WHERE id = $1', [m.id]);
    expect(rows[0]?.n).toBe(1);
  });

  it('refuses malformed or mismatched media: nothing stored, no receipt, each counted in /metrics by its code', async () => {
    const sightingId = uuidv7();
    const good = makeMedia('trap-m', sightingId);
    const features = encodeCropFeatures(randomKeypoints(20, rng(5)));
    const other = Buffer.from(TINY_JPEG);
    other[other.length - 3] = (other[other.length - 3] as number) ^ 0xff;
    const cases: [string, string | Buffer][] = [
      ['SPOOR_E_MEDIA_SHA256', JSON.stringify({ ...good, id: uuidv7(), bytes: other.toString('base64') })],
      ['SPOOR_E_PAYLOAD_DEVICE_MISMATCH', JSON.stringify({ ...good, id: uuidv7(), deviceId: 'trap-n' })],
      ['SPOOR_E_MEDIA_CONTENT', JSON.stringify(makeMedia('trap-m', sightingId, { jpeg: Buffer.from('GIF89a not a jpeg at all') }))],
      ['SPOOR_E_MEDIA_CONTENT', JSON.stringify({ ...good, id: uuidv7(), width: 17 })],
      ['SPOOR_E_PAYLOAD_SCHEMA', JSON.stringify({ ...good, id: uuidv7(), kind: 'thumbnail' })],
      ['SPOOR_E_PAYLOAD_SCHEMA', JSON.stringify({ ...good, id: uuidv7(), bytes: '***' })],
      ['SPOOR_E_PAYLOAD_JSON', '{"v":1,'],
      ['SPOOR_E_MEDIA_FEATURES', JSON.stringify({ ...good, id: uuidv7(), features: { ...features, descriptors: Buffer.alloc(32).toString('base64') } })],
      ['SPOOR_E_MEDIA_FEATURES', JSON.stringify(makeMedia('trap-m', sightingId, { kind: 'frame', features }))],
      ['SPOOR_E_PAYLOAD_TOO_LARGE', JSON.stringify({ ...good, id: uuidv7(), bytes: Buffer.alloc(MAX_MEDIA_BYTES + 200_000).toString('base64') })],
    ];
    const before = new Map<string, number>();
    for (const [code] of cases) before.set(code, await rejected(code));
    let receipts = 0;
    const onReceipt = () => receipts++;
    device.on('message', onReceipt);
    for (const [, body] of cases) await device.publishAsync(deviceTopic('media', 'trap-m'), body, { qos: 1 });
    const want = new Map<string, number>();
    for (const [code] of cases) want.set(code, (want.get(code) ?? 0) + 1);
    await until(async () => {
      for (const [code, n] of want) if ((await rejected(code)) - (before.get(code) ?? 0) !== n) return false;
      return true;
    }, 10_000, 'every refusal counted');
    await sleep(300);
    device.off('message', onReceipt);
    expect(receipts).toBe(0);
    expect(await hub.store.media.listForSighting(sightingId)).toEqual([]);
    expect(device.connected).toBe(true);
  });
});
