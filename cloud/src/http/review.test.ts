import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightingPayload } from '@spoor/protocol';
import { Gallery } from '../gallery/gallery.js';
import { DEFAULT_MATCH_SETTINGS } from '../gallery/matching.js';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { UserRepo } from '../store/users.js';
import { createLogger } from '../system/logger.js';
import { createHubMetrics } from '../system/metrics.js';
import { makeReidSighting, makeSighting, vectorFor } from '../testing/fixtures.js';
import { buildApp } from './app.js';

const cookieOf = (setCookie: string | string[] | undefined) => [setCookie ?? []].flat().map((c) => c.split(';')[0]).join('; ');

describe.each(['pglite', 'postgres'] as const)('sighting queue, species review and identity views on %s', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let app: FastifyInstance;
  let gallery: Gallery;
  let rev: Record<string, string>;
  let viewer: Record<string, string>;
  const fox = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date('2025-05-01T03:00:00Z') });
  const lynx = makeSighting('trap-b', { species: 'Lynx lynx', takenAt: new Date('2025-05-02T12:00:00Z'), individualId: null });
  const deer = makeSighting('trap-a', { species: 'Capreolus capreolus', takenAt: new Date('2025-05-03T20:00:00Z') });
  deer.cameraId = 'cam-2';
  (deer.detections[0] as SightingPayload['detections'][number]).confidence = 0.4;
  const get = async (url: string, headers = viewer) => {
    const r = await app.inject({ url, headers });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const ids = async (query: string) => (await get(`/api/sightings?${query}`)).items.map((i: { id: string }) => i.id);

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
    await store.devices.add({ deviceId: 'trap-b', fleetId: 'north' });
    gallery = new Gallery({ sql: store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: 'spoor/v1', logger: createLogger('error') });
    await gallery.start();
    app = await buildApp({ logger: createLogger('error'), store, metrics: createHubMetrics(), gallery });
    const users = new UserRepo(store.sql);
    await users.add({ email: 'rev@example.org', role: 'reviewer', password: 'reviewer password' });
    await users.add({ email: 'view@example.org', role: 'viewer', password: 'viewer password' });
    const login = async (email: string, password: string) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
      return { cookie: cookieOf(r.headers['set-cookie']), 'x-csrf-token': r.json().csrf as string };
    };
    rev = await login('rev@example.org', 'reviewer password');
    viewer = await login('view@example.org', 'viewer password');
    await store.sightings.upsertMany([fox, lynx, deer]);
  });
  afterAll(async () => {
    await app?.close();
    await factory?.dispose();
  });

  it('lists the queue newest first with frames (file name, size), indexed detections, review state and version', async () => {
    const page = await get('/api/sightings');
    expect(page.total).toBe(3);
    expect(page.items.map((i: { id: string }) => i.id)).toEqual([deer.id, lynx.id, fox.id]);
    const item = page.items[2];
    expect(item).toMatchObject({
      id: fox.id,
      deviceId: 'trap-a',
      cameraId: 'cam-1',
      takenAt: fox.takenAt,
      endAt: fox.endAt,
      frames: [{ captureId: fox.frames[0]?.captureId, takenAt: fox.takenAt, originalName: 'IMG_0001.JPG', width: 1920, height: 1080, mark: null }],
      detections: [{ idx: 0, captureId: fox.detections[0]?.captureId, category: 'animal', label: 'animal', bbox: [0.1, 0.2, 0.3, 0.4], taxon: { label: 'Vulpes vulpes' }, top: expect.any(Array) }],
      review: { state: 'pending', by: null, at: null },
      version: 1,
    });
    expect(item.detections[0].confidence).toBeCloseTo(0.91);
    expect((await get(`/api/sightings/${fox.id}`)).id).toBe(fox.id);
  });

  it('filters by device, camera, species (any case), confidence, decision, time and pages by offset or cursor', async () => {
    expect(await ids('deviceId=trap-b')).toEqual([lynx.id]);
    expect(await ids('cameraId=cam-2')).toEqual([deer.id]);
    expect(await ids('species=lynx%20LYNX')).toEqual([lynx.id]);
    expect(await ids('maxConfidence=0.5')).toEqual([deer.id]);
    expect(await ids('minConfidence=0.5')).toEqual([lynx.id, fox.id]);
    expect(await ids('decision=uncertain')).toEqual([lynx.id]);
    expect(await ids('decision=known&deviceId=trap-a')).toEqual([deer.id, fox.id]);
    expect(await ids('from=2025-05-02T00:00:00Z&to=2025-05-03T00:00:00Z')).toEqual([lynx.id]);
    expect(await ids('reviewed=true')).toEqual([]);
    const p1 = await get('/api/sightings?limit=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(3);
    const p2 = await get(`/api/sightings?limit=2&cursor=${p1.nextCursor}`);
    expect(p2.items.map((i: { id: string }) => i.id)).toEqual([fox.id]);
    expect(p2.nextCursor).toBeNull();
    expect(await ids('limit=1&offset=1')).toEqual([lynx.id]);
    expect((await app.inject({ url: '/api/sightings?minConfidence=2', headers: viewer })).statusCode).toBe(400);
  });

  let reviewDecision = '';
  it('a reviewer corrects the species and marks a frame; the audit names them; a stale version is 409', async () => {
    const captureId = fox.frames[0]?.captureId as string;
    const r = await app.inject({
      method: 'POST',
      url: `/api/sightings/${fox.id}/review`,
      headers: rev,
      payload: { expectedVersion: 1, detections: [{ idx: 0, taxon: { label: 'Canis aureus', rank: 'species' } }], frames: [{ captureId, mark: 'human' }] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ version: 2 });
    reviewDecision = r.json().decisionId;
    const s = await get(`/api/sightings/${fox.id}`);
    expect(s.detections[0]).toMatchObject({ taxon: { label: 'Canis aureus', rank: 'species' }, deviceTaxon: { label: 'Vulpes vulpes' }, reviewed: true });
    expect(s.frames[0].mark).toBe('human');
    expect(s.review).toMatchObject({ state: 'reviewed', by: 'rev@example.org', at: expect.any(String) });
    expect(s.version).toBe(2);
    expect(await ids('reviewed=true')).toEqual([fox.id]);
    expect(await ids('species=canis%20aureus')).toEqual([fox.id]);
    expect(await ids('species=Vulpes%20vulpes')).toEqual([]);

    const stale = await app.inject({ method: 'POST', url: `/api/sightings/${fox.id}/review`, headers: rev, payload: { expectedVersion: 1, detections: [{ idx: 0, category: 'blank' }] } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('SPOOR_E_VERSION_CONFLICT');
    const bad = await app.inject({ method: 'POST', url: `/api/sightings/${fox.id}/review`, headers: rev, payload: { expectedVersion: 2, detections: [{ idx: 7, category: 'blank' }] } });
    expect(bad.statusCode).toBe(400);
    expect((await get(`/api/sightings/${fox.id}`)).version).toBe(2);

    const audit = (await get(`/api/decisions?sightingId=${fox.id}`)).items;
    expect(audit).toEqual([expect.objectContaining({ id: reviewDecision, actor: 'rev@example.org', kind: 'review', undoneBy: null, sightingIds: [fox.id] })]);
  });

  it('undo restores the prior review state exactly (version moves on); undoing twice or after a newer review is 409', async () => {
    const u = await app.inject({ method: 'POST', url: `/api/decisions/${reviewDecision}/undo`, headers: rev });
    expect(u.statusCode, u.body).toBe(200);
    const s = await get(`/api/sightings/${fox.id}`);
    expect(s.detections[0]).toMatchObject({ taxon: { label: 'Vulpes vulpes' }, reviewed: false });
    expect(s.frames[0].mark).toBeNull();
    expect(s.review).toEqual({ state: 'pending', by: null, at: null });
    expect(s.version).toBe(3);
    expect((await app.inject({ method: 'POST', url: `/api/decisions/${reviewDecision}/undo`, headers: rev })).statusCode).toBe(409);

    const r1 = await app.inject({ method: 'POST', url: `/api/sightings/${fox.id}/review`, headers: rev, payload: { expectedVersion: 3, detections: [{ idx: 0 }] } });
    expect(r1.json().version).toBe(4);
    expect((await get(`/api/sightings/${fox.id}`)).detections[0]).toMatchObject({ taxon: { label: 'Vulpes vulpes' }, reviewed: true });
    const r2 = await app.inject({ method: 'POST', url: `/api/sightings/${fox.id}/review`, headers: rev, payload: { expectedVersion: 4, detections: [{ idx: 0, category: 'blank' }] } });
    expect(r2.json().version).toBe(5);
    const late = await app.inject({ method: 'POST', url: `/api/decisions/${r1.json().decisionId}/undo`, headers: rev });
    expect(late.statusCode).toBe(409);
    expect((await get(`/api/sightings/${fox.id}`)).detections[0].category).toBe('blank');
    // Species reviews and their undo change no individual: the devices' gallery version stays put.
    expect(await get('/api/gallery/north?since=0')).toMatchObject({ version: 0, deltas: [] });
    // The viewer reads all of this but changes nothing.
    expect((await app.inject({ method: 'POST', url: `/api/sightings/${fox.id}/review`, headers: viewer, payload: { expectedVersion: 5, detections: [] } })).statusCode).toBe(403);
  });

  it('taxa search: seen labels with counts plus the bundled list, prefix first, case-insensitive, by common name too', async () => {
    const lyn = (await get('/api/taxa?q=LYN')).items;
    expect(lyn[0]).toEqual({ label: 'Lynx lynx', rank: 'species', count: 1, common: 'Eurasian lynx' });
    expect(lyn).toContainEqual({ label: 'Lynx rufus', rank: 'species', count: 0, common: 'bobcat' });
    expect((await get('/api/taxa?q=fox')).items.map((t: { label: string }) => t.label)).toContain('Vulpes vulpes');
    expect((await get('/api/taxa?q=reolus')).items[0]).toMatchObject({ label: 'Capreolus capreolus', count: 1 });
    expect((await get('/api/taxa?q=a&limit=3')).items).toHaveLength(3);
    expect((await get('/api/taxa?q=zzzz')).items).toEqual([]);
  });

  it('a proposal with its query sightings and the candidate’s best sightings; an individual’s sightings and audit', async () => {
    const localA = randomUUID();
    const localB = randomUUID();
    const sA = makeReidSighting('trap-a', localA, 'new', vectorFor(3), { takenAt: new Date('2025-06-01T00:00:00Z') });
    const sB = makeReidSighting('trap-b', localB, 'new', vectorFor(3, 64, 0.02), { takenAt: new Date('2025-06-02T00:00:00Z') });
    await store.sightings.upsertMany([sA]);
    const first = await gallery.onCommitted([sA]);
    const individual = (first.outcomes[0] as { individualId: string }).individualId;
    await store.sightings.upsertMany([sB]);
    await gallery.onCommitted([sB]);
    // A crop the device sent (crops bandwidth) shows up on the candidate's card.
    const cropId = randomUUID();
    const captureA = sA.frames[0]?.captureId;
    await store.sql.query(
      `INSERT INTO media (id, device_id, sighting_id, capture_id, kind, detection_idx, content_type, width, height, sha256, byte_size, bytes)
       VALUES ($1, 'trap-a', $2, $3, 'crop', 0, 'image/jpeg', 64, 48, $4, 3, decode('AQID', 'base64'))`,
      [cropId, sA.id, captureA, 'b'.repeat(64)],
    );
    const open = (await get('/api/proposals?status=open')).items;
    expect(open).toHaveLength(1);
    const p = await get(`/api/proposals/${open[0].id}`);
    expect(p).toMatchObject({
      id: open[0].id,
      status: 'open',
      query: [{ id: sB.id, deviceId: 'trap-b', takenAt: sB.takenAt, originalName: 'IMG_0001.JPG', bbox: [0.1, 0.2, 0.3, 0.4], media: [] }],
      candidate: { id: individual, version: 1, sightings: [{ id: sA.id, deviceId: 'trap-a', cameraId: 'cam-1', takenAt: sA.takenAt, media: [{ id: cropId, kind: 'crop', captureId: captureA, detectionIdx: 0 }] }] },
    });
    const acc = await app.inject({ method: 'POST', url: `/api/proposals/${open[0].id}/accept`, headers: rev, payload: { expectedVersion: 1 } });
    expect(acc.statusCode, acc.body).toBe(200);
    const sightings = await get(`/api/individuals/${individual}/sightings`);
    expect(sightings.items.map((i: { id: string }) => i.id)).toEqual([sB.id, sA.id]);
    expect(sightings.devices).toEqual([
      { deviceId: 'trap-a', sightings: 1, firstAt: sA.takenAt, lastAt: sA.takenAt },
      { deviceId: 'trap-b', sightings: 1, firstAt: sB.takenAt, lastAt: sB.takenAt },
    ]);
    const audit = (await get(`/api/decisions?individualId=${individual}`)).items;
    expect(audit).toEqual([expect.objectContaining({ actor: 'rev@example.org', kind: 'confirm', targetIds: [individual], undoneBy: null })]);
    expect((await get(`/api/sightings/${sB.id}`)).detections[0].globalIndividualId).toBe(individual);
    expect((await app.inject({ url: `/api/proposals/${randomUUID()}`, headers: viewer })).statusCode).toBe(404);

    // trap-a sees it again; a split of that sighting leaves trap-a's link where it was (sA stays),
    // but the split-off sighting is listed under the new individual only.
    const sA2 = makeReidSighting('trap-a', localA, 'known', vectorFor(3, 64, 0.01), { takenAt: new Date('2025-06-03T00:00:00Z') });
    await store.sightings.upsertMany([sA2]);
    await gallery.onCommitted([sA2]);
    expect((await get(`/api/individuals/${individual}/sightings`)).items.map((i: { id: string }) => i.id)).toEqual([sA2.id, sB.id, sA.id]);
    const { version } = await get(`/api/individuals/${individual}`);
    const split = await app.inject({ method: 'POST', url: `/api/individuals/${individual}/split`, headers: rev, payload: { sightingIds: [sA2.id], expectedVersion: version } });
    expect(split.statusCode, split.body).toBe(200);
    const created = JSON.parse(split.body).createdId as string;
    expect((await get(`/api/individuals/${individual}/sightings`)).items.map((i: { id: string }) => i.id)).toEqual([sB.id, sA.id]);
    expect((await get(`/api/individuals/${created}/sightings`)).items.map((i: { id: string }) => i.id)).toEqual([sA2.id]);
  });
});
