import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, type GalleryDeltaPayload, type StatusPayload } from '@spoor/protocol';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, vectorFor } from '../testing/fixtures.js';
import { splitOps } from './catchup.js';
import { Gallery } from './gallery.js';
import { DEFAULT_MATCH_SETTINGS } from './matching.js';

const status = (deviceId: string, version: number, fleetId = 'north'): StatusPayload => ({ v: 1, deviceId, state: 'online', at: new Date().toISOString(), gallery: { fleetId, version } });

describe.each(['pglite', 'postgres'] as const)('gallery catch-up for devices that are behind (%s)', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let gallery: Gallery;
  let now = 0;
  const published: { topic: string; delta: GalleryDeltaPayload; bytes: number }[] = [];

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    await store.devices.add({ deviceId: 'trap-b', fleetId: 'north' });
    gallery = new Gallery({
      sql: store.sql,
      settings: { ...DEFAULT_MATCH_SETTINGS, keepVersions: 4 },
      prefix: 'spoor/v1',
      logger: createLogger('error'),
      // Small parts so a handful of individuals already needs a multi-part snapshot.
      catchUp: { partBytes: 600, minIntervalMs: 10_000, clock: () => now },
      publisher: {
        async publish(topic, payload) {
          const r = codecs.gallery.decode(payload);
          if (!r.ok) throw new Error(r.reason);
          published.push({ topic, delta: r.value, bytes: payload.byteLength });
        },
      },
    });
    await gallery.start();
    // Six new individuals from trap-a: fleet versions 1..6, of which the last 4 are kept.
    for (let i = 0; i < 6; i++) await gallery.onCommitted([makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(100 + i))]);
  });
  afterAll(async () => {
    await store?.close();
    await factory?.dispose();
  });

  it('replays the kept deltas a device missed, addressed to it; answers once per interval; nothing for a device that is current', async () => {
    published.length = 0;
    expect(await gallery.catchUp.onStatus('trap-b', status('trap-b', 6))).toMatchObject({ kind: 'none' });
    const r = await gallery.catchUp.onStatus('trap-b', status('trap-b', 3));
    expect(r).toEqual({ kind: 'replay', version: 6, messages: 3 });
    expect(published.map((p) => [p.topic, p.delta.version, p.delta.to, p.delta.snapshot])).toEqual([
      ['spoor/v1/f/north/gallery', 4, 'trap-b', undefined],
      ['spoor/v1/f/north/gallery', 5, 'trap-b', undefined],
      ['spoor/v1/f/north/gallery', 6, 'trap-b', undefined],
    ]);
    // The status repeats with every stats tick: the same answer is not sent again at once…
    expect(await gallery.catchUp.onStatus('trap-b', status('trap-b', 3))).toMatchObject({ kind: 'none' });
    // …but is after the interval, when the device still says it is behind.
    now += 10_001;
    expect(await gallery.catchUp.onStatus('trap-b', status('trap-b', 3))).toMatchObject({ kind: 'replay' });
    // A device configured for another fleet is told (in the log), not sent this fleet's gallery.
    published.length = 0;
    expect(await gallery.catchUp.onStatus('trap-a', status('trap-a', 0, 'south'))).toMatchObject({ kind: 'none' });
    expect(published).toEqual([]);
  });

  it('sends a snapshot in parts when the missed deltas are no longer kept; every part fits the payload limit', async () => {
    published.length = 0;
    now += 20_000;
    const r = await gallery.catchUp.onStatus('trap-a', status('trap-a', 1));
    expect(r.kind).toBe('snapshot');
    expect(r.messages).toBeGreaterThan(1);
    const parts = published.map((p) => p.delta);
    expect(parts.every((d) => d.snapshot === true && d.to === 'trap-a' && d.version === 6 && d.part?.of === parts.length)).toBe(true);
    expect(parts.map((d) => d.part?.n)).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
    const ids = parts.flatMap((d) => d.ops.map((o) => o.individualId));
    expect(new Set(ids).size).toBe(6);
    expect(ids).toHaveLength(6);
  });

  it('splitOps packs by bytes and never returns an empty list', () => {
    expect(splitOps([], 100)).toEqual([[]]);
    const ops = Array.from({ length: 5 }, () => ({ op: 'remove' as const, individualId: randomUUID(), mergedInto: null }));
    const parts = splitOps(ops, 150);
    expect(parts.flat()).toEqual(ops);
    expect(parts.length).toBeGreaterThan(1);
  });
});
