import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, unzipStore, validateCamtrapPackage } from '@spoor/protocol';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { createLogger } from '../system/logger.js';
import { createHubMetrics } from '../system/metrics.js';
import { until } from '../testing/mqtt.js';
import { makeSighting } from '../testing/fixtures.js';
import { buildApp } from './app.js';

describe.each(['pglite', 'postgres'] as const)('Camtrap DP export jobs with progress (%s)', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let app: FastifyInstance;
  let rev: Record<string, string>;
  let viewer: Record<string, string>;
  const fox = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date('2025-05-05T03:10:00Z') });
  const lynx = makeSighting('trap-b', { species: 'Lynx lynx', takenAt: new Date('2025-05-06T03:30:00Z') });
  const deer = makeSighting('trap-a', { species: 'Capreolus capreolus', takenAt: new Date('2025-05-07T12:00:00Z') });
  const old = makeSighting('trap-b', { species: 'Meles meles', takenAt: new Date('2024-01-01T00:00:00Z') });
  const locations = { 'trap-a': { latitude: 46.5, longitude: 7.9 }, 'trap-b': { latitude: 46.6, longitude: 8.1, locationName: 'Beech wood' } };

  async function finished(id: string) {
    let job: { state: string; done: number; total: number } = { state: 'running', done: 0, total: 0 };
    await until(async () => {
      job = (await app.inject({ url: `/api/exports/${id}`, headers: viewer })).json();
      return job.state !== 'running';
    }, 20_000, `export ${id}`);
    return job;
  }
  async function files(id: string) {
    const r = await app.inject({ url: `/api/exports/${id}/download`, headers: viewer });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="spoor-camtrap-dp-.*\.zip"/);
    return Object.fromEntries(Object.entries(unzipStore(r.rawPayload)).map(([k, v]) => [k, v.toString('utf8')]));
  }

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    for (const id of ['trap-a', 'trap-b']) await store.devices.add({ deviceId: id });
    app = await buildApp({ logger: createLogger('error'), store, metrics: createHubMetrics() });
    rev = { authorization: `Bearer ${(await store.tokens.add('reviewer')).token}` };
    viewer = { authorization: `Bearer ${(await store.tokens.add('viewer')).token}` };
    await store.sightings.upsertMany([fox, lynx, deer, old]);
    for (const [s, detections] of [
      [fox, [{ idx: 0, taxon: { label: 'Canis aureus', rank: 'species' } }]],
      [deer, [{ idx: 0, category: 'blank' }]],
    ] as const) {
      const r = await app.inject({ method: 'POST', url: `/api/sightings/${s.id}/review`, headers: rev, payload: { expectedVersion: 1, detections } });
      expect(r.statusCode, r.body).toBe(200);
    }
  });
  afterAll(async () => {
    await app?.close();
    await factory?.dispose();
  });

  it('runs to done with done = total, and the zip holds datapackage.json + 3 CSVs that validate, with the reviewers’ taxa', async () => {
    const start = await app.inject({ method: 'POST', url: '/api/exports', headers: rev, payload: { format: 'camtrap-dp', locations } });
    expect(start.statusCode, start.body).toBe(202);
    const { id } = start.json();
    const job = await finished(id);
    expect(job).toMatchObject({ id, state: 'done', done: 4, total: 4, createdBy: expect.any(String), bytes: expect.any(Number) });
    const f = await files(id);
    expect(Object.keys(f).sort()).toEqual(['datapackage.json', 'deployments.csv', 'media.csv', 'observations.csv']);
    expect(validateCamtrapPackage(f)).toEqual([]);
    const obs = parseCsv(f['observations.csv'] as string).rows;
    expect(obs.map((o) => o.scientificName).filter(Boolean).sort()).toEqual(['Canis aureus', 'Lynx lynx', 'Meles meles']);
    // What a person reviewed is a human classification by that person, without a model probability.
    const jackal = obs.find((o) => o.scientificName === 'Canis aureus');
    expect(jackal).toMatchObject({ classificationMethod: 'human', classificationProbability: '' });
    expect(jackal?.classifiedBy).not.toBe('spoor');
    expect(obs.find((o) => o.scientificName === 'Lynx lynx')).toMatchObject({ classificationMethod: 'machine', classifiedBy: 'spoor' });
    // The deer box a reviewer marked blank is not an animal: its sighting is exported as an event-level blank.
    expect(obs.filter((o) => o.observationType === 'blank').map((o) => o.eventID)).toEqual([deer.eventId]);
    const deps = parseCsv(f['deployments.csv'] as string).rows;
    expect(deps.find((d) => d.deploymentID === 'trap-b')).toMatchObject({ latitude: '46.6', longitude: '8.1', locationName: 'Beech wood' });
    expect((await app.inject({ url: '/api/exports', headers: viewer })).json().items.map((j: { id: string }) => j.id)).toContain(id);
  });

  it('exports only the range asked for; a bad range is 400, an unknown export 404', async () => {
    const start = await app.inject({ method: 'POST', url: '/api/exports', headers: rev, payload: { format: 'camtrap-dp', from: '2025-01-01T00:00:00Z', to: '2025-05-06T00:00:00Z', locations } });
    const job = await finished(start.json().id);
    expect(job).toMatchObject({ state: 'done', done: 1, total: 1 });
    const f = await files(start.json().id);
    expect(validateCamtrapPackage(f)).toEqual([]);
    expect(parseCsv(f['media.csv'] as string).rows.map((m) => m.mediaID)).toEqual([fox.frames[0]?.captureId]);
    expect((await app.inject({ method: 'POST', url: '/api/exports', headers: rev, payload: { format: 'camtrap-dp', from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/exports', headers: rev, payload: { format: 'csv' } })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/exports/00000000-0000-7000-8000-000000000000/download', headers: viewer })).statusCode).toBe(404);
  });

  it('a job a stopped hub left running is marked failed when a hub starts (any stale one; with PGlite also a fresh one)', async () => {
    const insert = (id: string, age: string) =>
      store.sql.query(`INSERT INTO export_jobs (id, format, params, state, total, created_by, created_at) VALUES ($1, 'camtrap-dp', '{}', 'running', 4, 'x', now() - $2::interval)`, [id, age]);
    const stale = '00000000-0000-7000-8000-00000000000a';
    const fresh = '00000000-0000-7000-8000-00000000000b';
    await insert(stale, '2 hours');
    await insert(fresh, '1 second');
    const second = await buildApp({ logger: createLogger('error'), store, metrics: createHubMetrics() });
    await second.ready();
    try {
      const job = (await second.inject({ url: `/api/exports/${stale}`, headers: viewer })).json();
      expect(job).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted') });
      expect((await second.inject({ url: `/api/exports/${stale}/download`, headers: viewer })).json().error.code).toBe('SPOOR_E_EXPORT_NOT_READY');
      expect((await second.inject({ url: `/api/exports/${fresh}`, headers: viewer })).json().state).toBe(kind === 'pglite' ? 'failed' : 'running');
    } finally {
      await second.close();
    }
  });
});
