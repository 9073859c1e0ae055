import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCropFeatures, uuidv7 } from '@spoor/protocol';
import { randomKeypoints, rng } from '@spoor/protocol/testing/keypoints';
import { makeMedia, TINY_JPEG } from '../testing/media.js';
import type { Store } from './store.js';
import { storeFactory, type StoreFactory } from './testing.js';

describe.each(['pglite', 'postgres'] as const)('media store on %s', (kind) => {
  let factory: StoreFactory;
  let store: Store;

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
  });
  afterAll(async () => {
    await factory?.dispose();
  });

  it('stores a batch in one go, byte for byte, and lists a sighting’s crops in detection order, then frames', async () => {
    const sightingId = uuidv7();
    const frame = makeMedia('trap-a', sightingId, { kind: 'frame' });
    const crop1 = makeMedia('trap-a', sightingId, { detectionIdx: 1 });
    const crop0 = makeMedia('trap-a', sightingId, { detectionIdx: 0 });
    const other = makeMedia('trap-a', uuidv7());
    const ids = await store.media.upsertMany([frame, crop1, crop0, other].map((payload) => ({ payload, data: Buffer.from(payload.bytes, 'base64') })));
    expect(ids).toHaveLength(4);
    const items = await store.media.listForSighting(sightingId);
    expect(items.map((i) => i.id)).toEqual([crop0.id, crop1.id, frame.id]);
    expect(items[2]).toEqual({ id: frame.id, captureId: frame.captureId, kind: 'frame', detectionIdx: null, width: 16, height: 12, contentType: 'image/jpeg', bytes: TINY_JPEG.byteLength, keypoints: null });
    const got = await store.media.get(crop0.id);
    expect(got?.contentType).toBe('image/jpeg');
    expect(got?.sha256).toBe(crop0.sha256);
    expect(got?.data.equals(TINY_JPEG)).toBe(true);
    expect(await store.media.get(uuidv7())).toBeNull();
  });

  it('is idempotent by id: a re-delivered image stores one row and the first copy stays', async () => {
    const m = makeMedia('trap-b', uuidv7());
    const before = await store.media.count();
    const record = { payload: m, data: Buffer.from(m.bytes, 'base64') };
    expect(await store.media.upsertMany([record, record])).toEqual([m.id]);
    expect(await store.media.upsertMany([record])).toEqual([m.id]);
    expect(await store.media.count()).toBe(before + 1);
    expect((await store.media.listForSighting(m.sightingId)).map((i) => i.id)).toEqual([m.id]);
  });

  it('keeps a crop’s keypoints exactly as they came, and says when a crop has none', async () => {
    const k = randomKeypoints(64, rng(3));
    const m = makeMedia('trap-c', uuidv7(), { features: encodeCropFeatures(k) });
    const plain = makeMedia('trap-c', m.sightingId, { detectionIdx: 1 });
    await store.media.upsertMany([{ payload: m, data: Buffer.from(m.bytes, 'base64'), keypoints: 64 }, { payload: plain, data: Buffer.from(plain.bytes, 'base64') }]);
    expect((await store.media.listForSighting(m.sightingId)).map((i) => i.keypoints)).toEqual([64, null]);
    const back = await store.media.keypoints(m.id);
    expect(Buffer.from(back?.keypoints.descriptors ?? []).equals(Buffer.from(k.descriptors))).toBe(true);
    expect(back?.keypoints.region).toEqual([0.1, 0.1, 0.8, 0.8]);
    expect(await store.media.keypoints(plain.id)).toBeUndefined();
    expect(await store.media.keypoints(uuidv7())).toBeNull();
  });
});
