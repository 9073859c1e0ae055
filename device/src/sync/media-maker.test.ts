import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { codecs, decodeCropFeatures, matchKeypoints, type Keypoints, type MediaPayload } from '@spoor/protocol';
import { loadOpenCv } from '../reid/opencv.js';
import { openDb } from '../store/db.js';
import { OutboxStore } from '../store/outbox.js';
import { seedPhotoSighting } from './media-fixtures.js';
import { MediaMaker, mediaIdsOf } from './media-maker.js';
import type { Bandwidth } from './payload.js';

async function setup(bandwidth: Bandwidth, sendKeypoints = true) {
  const dir = await mkdtemp(join(tmpdir(), 'spoor-media-maker-'));
  const db = openDb(join(dir, 'spoor.db'));
  const settings = { bandwidth, blurPersons: true, sendKeypoints };
  const maker = new MediaMaker({ db, logger: pino({ level: 'silent' }), settings: () => settings });
  const media = () => (db.prepare(`SELECT payload, priority, bytes FROM outbox WHERE topic = 'media' ORDER BY seq`).all() as { payload: string; priority: number; bytes: number }[]);
  return { dir, db, maker, settings, media, outbox: new OutboxStore(db) };
}

describe('MediaMaker (sightings in the outbox → media rows)', () => {
  it('writes one valid media row per crop with the sighting’s priority, once, and frames too when the bandwidth goes up to full', async () => {
    const { dir, db, maker, settings, media } = await setup('crops');
    const s = await seedPhotoSighting(db, dir, { seed: 31, deviceId: 'trap-07', priority: 1, frames: 2, objects: [{ category: 'animal', box: [0.2, 0.3, 0.3, 0.3] }] });
    expect(await maker.pass()).toBe(1);
    expect(await maker.pass()).toBe(0); // made once
    const rows = media();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.priority).toBe(1);
      expect(r.bytes).toBe(Buffer.byteLength(r.payload));
      const m = codecs.media.decode(r.payload);
      expect(m.ok && m.value).toMatchObject({ sightingId: s.id, kind: 'crop', detectionIdx: expect.any(Number) });
    }
    settings.bandwidth = 'full';
    expect(await maker.pass()).toBe(1);
    const frames = media().map((r) => codecs.media.decode(r.payload)).filter((m) => m.ok && m.value.kind === 'frame');
    expect(frames).toHaveLength(2);
    expect(mediaIdsOf(db)(s.id)).toHaveLength(4);
  });

  it('still makes the media of a sighting the hub receipted before they were ready', async () => {
    const { dir, db, maker, media, outbox } = await setup('crops');
    const s = await seedPhotoSighting(db, dir, { seed: 32, deviceId: 'trap-07', objects: [{ category: 'animal', box: [0.2, 0.3, 0.3, 0.3] }] });
    db.transaction(() => {
      maker.keepOwed([s.id]);
      outbox.ackByRefIds([s.id]);
    })();
    expect(outbox.depth()).toBe(0);
    expect(await maker.pass()).toBe(1);
    const [row] = media();
    const m = codecs.media.decode(row?.payload ?? '');
    expect(m.ok && m.value.sightingId).toBe(s.id);
    if (m.ok) expect((await sharp(Buffer.from(m.value.bytes, 'base64')).metadata()).width).toBe(m.value.width);
    expect((db.prepare('SELECT count(*) AS n FROM sync_media_pending').get() as { n: number }).n).toBe(0);
    expect(await maker.pass()).toBe(0);
  });

  it('makes nothing in metadata mode, and marks a sighting whose photos are gone instead of retrying forever', async () => {
    const { dir, db, maker, settings, media } = await setup('metadata');
    const s = await seedPhotoSighting(db, dir, { seed: 33, deviceId: 'trap-07', objects: [{ category: 'animal', box: [0.2, 0.3, 0.3, 0.3] }] });
    maker.keepOwed([s.id]);
    expect(await maker.pass()).toBe(0);
    expect(media()).toEqual([]);
    db.prepare(`UPDATE captures SET blob_path = '/nonexistent/blob'`).run();
    settings.bandwidth = 'crops';
    expect(await maker.pass()).toBe(1);
    expect(await maker.pass()).toBe(0);
    expect(media()).toEqual([]);
    expect(db.prepare('SELECT count, note FROM sync_media_done WHERE sighting_id = ?').get(s.id)).toEqual({ count: 0, note: expect.stringContaining('blob missing') });
  });

  it('an animal crop carries the ORB keypoints ReID took from it, placed in the crop; two views of one animal match, two animals barely', async () => {
    const { cv } = await loadOpenCv();
    const { dir, db, maker, media } = await setup('crops');
    const zebra = (individual: number, box: [number, number, number, number]) => [{ category: 'animal' as const, species: 'Equus quagga', individual, box }];
    await seedPhotoSighting(db, dir, { seed: 41, deviceId: 'trap-07', cv, objects: zebra(13, [0.2, 0.3, 0.3, 0.4]) });
    await seedPhotoSighting(db, dir, { seed: 42, deviceId: 'trap-07', cv, objects: zebra(13, [0.5, 0.2, 0.36, 0.48]) });
    await seedPhotoSighting(db, dir, { seed: 43, deviceId: 'trap-07', cv, objects: zebra(14, [0.3, 0.3, 0.3, 0.4]) });
    await seedPhotoSighting(db, dir, { seed: 44, deviceId: 'trap-07', objects: [{ category: 'animal', box: [0.2, 0.3, 0.3, 0.3] }] });
    while ((await maker.pass()) > 0) {
      /* all four */
    }
    const crops = media().map((r) => codecs.media.decode(r.payload)).flatMap((m) => (m.ok ? [m.value] : []));
    expect(crops).toHaveLength(4);
    const keypoints = (m: MediaPayload | undefined): Keypoints => {
      const d = m?.features ? decodeCropFeatures(m.features) : { ok: false as const, reason: 'no features' };
      if (!d.ok) throw new Error(d.reason);
      return d.keypoints;
    };
    const [a, b, other, plain] = crops;
    expect(plain?.features).toBeUndefined(); // no ReID ran on it: nothing to send
    const ka = keypoints(a);
    expect(ka.descriptors.length / 32).toBeGreaterThan(30);
    expect(Math.max(ka.w, ka.h)).toBe(320);
    // The box with a 10 % margin on each side is the crop: the box is its middle 1/1.2.
    ka.region.forEach((v, k) => expect(v).toBeCloseTo(k < 2 ? 0.1 / 1.2 : 1 / 1.2, 2));
    const same = matchKeypoints(ka, keypoints(b));
    const diff = matchKeypoints(ka, keypoints(other));
    expect(same.inliers.length).toBeGreaterThanOrEqual(15);
    expect(diff.inliers.length).toBeLessThan(5);
    for (const p of same.inliers) for (const v of [...p.a, ...p.b]) expect(v >= 0 && v <= 1).toBe(true);
  }, 60_000);

  it('sends the keypoints once per animal and sighting: with its first crop, not with every frame of the burst', async () => {
    const { cv } = await loadOpenCv();
    const { dir, db, maker, media } = await setup('crops');
    await seedPhotoSighting(db, dir, { seed: 46, deviceId: 'trap-07', cv, frames: 3, objects: [{ category: 'animal', species: 'Equus quagga', individual: 13, box: [0.2, 0.3, 0.3, 0.4] }] });
    await maker.pass();
    const crops = media().map((r) => codecs.media.decode(r.payload)).flatMap((m) => (m.ok ? [m.value] : []));
    expect(crops).toHaveLength(3);
    expect(crops.filter((m) => m.features).map((m) => m.detectionIdx)).toEqual([0]);
  });

  it('a damaged features blob costs the keypoints, not the crop', async () => {
    const { cv } = await loadOpenCv();
    const { dir, db, maker, media } = await setup('crops');
    await seedPhotoSighting(db, dir, { seed: 47, deviceId: 'trap-07', cv, objects: [{ category: 'animal', species: 'Equus quagga', individual: 13, box: [0.2, 0.3, 0.3, 0.4] }] });
    db.prepare('UPDATE detections SET features = ?').run(Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.alloc(16), Buffer.alloc(40, 9)])); // 2 points, 1.25 descriptors
    await maker.pass();
    const [row] = media();
    const m = codecs.media.decode(row?.payload ?? '');
    expect(m.ok && m.value.kind).toBe('crop');
    expect(m.ok && m.value.features).toBeUndefined();
  });

  it('sends crops without keypoints when sync.sendKeypoints is off', async () => {
    const { cv } = await loadOpenCv();
    const { dir, db, maker, media } = await setup('crops', false);
    await seedPhotoSighting(db, dir, { seed: 45, deviceId: 'trap-07', cv, objects: [{ category: 'animal', species: 'Equus quagga', individual: 13, box: [0.2, 0.3, 0.3, 0.4] }] });
    await maker.pass();
    const [row] = media();
    const m = codecs.media.decode(row?.payload ?? '');
    expect(m.ok && m.value.kind).toBe('crop');
    expect(m.ok && m.value.features).toBeUndefined();
  });
});
