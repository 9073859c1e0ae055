import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, vectorFor } from '../testing/fixtures.js';
import { Gallery } from './gallery.js';
import { DEFAULT_MATCH_SETTINGS } from './matching.js';

describe.each(['pglite', 'postgres'] as const)('hub gallery index saved to disk (%s)', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let dir: string;
  /** A committed sighting of a new individual, as ingest hands it to the gallery. */
  const arrive = async (g: Gallery, seed: number) => {
    const s = makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(seed));
    await store.sightings.upsertMany([s]);
    await g.onCommitted([s]);
  };
  const open = () => new Gallery({ sql: store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: 'spoor/v1', logger: createLogger('error'), indexDir: dir });

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    dir = mkdtempSync(join(tmpdir(), 'spoor-hub-index-'));
    await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
  });
  afterAll(async () => {
    await store?.close();
    await factory?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restart loads the saved index when the store still matches it, and rebuilds a part that moved on or a corrupt file', async () => {
    const first = open();
    expect(await first.scorer.start()).toEqual({ loaded: 0, built: 0 });
    for (let i = 0; i < 5; i++) await arrive(first, 200 + i);
    await first.stop();
    const best = first.scorer.scoreCandidates('north', 'Vulpes vulpes', vectorFor(203))[0];
    expect(best?.score).toBeGreaterThan(0.99);

    const second = open();
    expect(await second.scorer.start()).toEqual({ loaded: 1, built: 0 });
    expect(second.scorer.size()).toBe(5);
    expect(second.scorer.scoreCandidates('north', 'Vulpes vulpes', vectorFor(203))[0]).toEqual(best);

    // Another hub instance (or a crash before the save) added a reference: the saved part is behind the store.
    await arrive(second, 300);
    const third = open();
    expect(await third.scorer.start()).toEqual({ loaded: 0, built: 1 });
    expect(third.scorer.size()).toBe(6);
    expect(third.scorer.scoreCandidates('north', 'Vulpes vulpes', vectorFor(300))[0]?.score).toBeGreaterThan(0.99);

    // A torn or corrupt file never reaches native code: the sha256 in the sidecar does not match.
    const file = readdirSync(dir).find((f) => f.endsWith('.usearch')) as string;
    writeFileSync(join(dir, file), 'not an index');
    const fourth = open();
    expect(await fourth.scorer.start()).toEqual({ loaded: 0, built: 1 });
    expect(fourth.scorer.scoreCandidates('north', 'Vulpes vulpes', vectorFor(300))[0]?.score).toBeGreaterThan(0.99);
  });
});
