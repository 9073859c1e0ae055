import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { createLogger } from '../system/logger.js';
import { createHubMetrics } from '../system/metrics.js';
import { makeSighting } from '../testing/fixtures.js';
import { buildApp } from './app.js';

describe.each(['pglite', 'postgres'] as const)('plots on a known fixture (%s)', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  const get = async (url: string) => {
    const r = await app.inject({ url, headers: auth });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    for (const id of ['trap-a', 'trap-b', 'trap-c']) await store.devices.add({ deviceId: id });
    app = await buildApp({ logger: createLogger('error'), store, metrics: createHubMetrics() });
    auth = { authorization: `Bearer ${(await store.tokens.add('reviewer')).token}` };
    const at = (iso: string) => new Date(iso);
    const fox1 = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: at('2025-05-05T03:10:00Z') });
    const fox2 = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: at('2025-05-05T03:50:00Z') });
    const fox3 = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: at('2025-05-06T22:00:00Z') });
    const deer = makeSighting('trap-a', { species: 'Capreolus capreolus', takenAt: at('2025-05-12T12:00:00Z') });
    const lynx = makeSighting('trap-b', { species: 'Lynx lynx', takenAt: at('2025-05-06T03:30:00Z') });
    const second = { ...(lynx.detections[0] as (typeof lynx.detections)[number]), bbox: [0.5, 0.5, 0.2, 0.2] as [number, number, number, number] };
    lynx.detections.push(second);
    await store.sightings.upsertMany([fox1, fox2, fox3, deer, lynx]);
    // A reviewer says fox3 was a jackal and the deer box was empty.
    const review = async (id: string, detections: unknown[]) => {
      const r = await app.inject({ method: 'POST', url: `/api/sightings/${id}/review`, headers: auth, payload: { expectedVersion: 1, detections } });
      expect(r.statusCode, r.body).toBe(200);
    };
    await review(fox3.id, [{ idx: 0, taxon: { label: 'Canis aureus', rank: 'species' } }]);
    await review(deer.id, [{ idx: 0, category: 'blank' }]);
  });
  afterAll(async () => {
    await app?.close();
    await factory?.dispose();
  });

  it('sightings over time per species, by UTC day and by week (reviewed taxa, blanks left out)', async () => {
    expect((await get('/api/stats/sightings-over-time?bucket=day')).items).toEqual([
      { t: '2025-05-05T00:00:00.000Z', species: 'Vulpes vulpes', count: 2 },
      { t: '2025-05-06T00:00:00.000Z', species: 'Canis aureus', count: 1 },
      { t: '2025-05-06T00:00:00.000Z', species: 'Lynx lynx', count: 1 },
    ]);
    expect((await get('/api/stats/sightings-over-time?bucket=week')).items).toEqual([
      { t: '2025-05-05T00:00:00.000Z', species: 'Canis aureus', count: 1 },
      { t: '2025-05-05T00:00:00.000Z', species: 'Lynx lynx', count: 1 },
      { t: '2025-05-05T00:00:00.000Z', species: 'Vulpes vulpes', count: 2 },
    ]);
    expect((await get('/api/stats/sightings-over-time?bucket=day&from=2025-05-06T00:00:00Z')).items).toHaveLength(2);
  });

  it('diel activity: 24 hourly counts per species, or all, with an optional UTC offset', async () => {
    const fox = await get('/api/stats/diel?species=vulpes%20vulpes');
    expect(fox.hours).toHaveLength(24);
    expect(fox.hours[3]).toBe(2);
    expect(fox.hours.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    const all = (await get('/api/stats/diel')).hours;
    expect(all.map((n: number, h: number) => [h, n]).filter(([, n]: number[]) => n > 0)).toEqual([
      [3, 3],
      [22, 1],
    ]);
    expect((await get('/api/stats/diel?species=Vulpes%20vulpes&utcOffsetMinutes=120')).hours[5]).toBe(2);
    expect((await get('/api/stats/diel?species=Ursus%20arctos')).hours).toEqual(Array.from({ length: 24 }, () => 0));
  });

  it('detections and sightings per device, devices without any included', async () => {
    expect((await get('/api/stats/detections-per-device')).items).toEqual([
      { deviceId: 'trap-a', detections: 3, sightings: 4 },
      { deviceId: 'trap-b', detections: 2, sightings: 1 },
      { deviceId: 'trap-c', detections: 0, sightings: 0 },
    ]);
  });
});
