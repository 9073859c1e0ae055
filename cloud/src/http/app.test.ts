import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../system/logger.js';
import { createHubMetrics } from '../system/metrics.js';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { makeSighting } from '../testing/fixtures.js';
import { buildApp } from './app.js';

describe('hub HTTP API', () => {
  let factory: StoreFactory;
  let store: Store;
  let app: FastifyInstance;
  let admin: string;
  let viewer: string;
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });

  beforeAll(async () => {
    factory = await storeFactory('pglite');
    store = await factory.open();
    app = await buildApp({ logger: createLogger('error'), store, metrics: createHubMetrics() });
    admin = (await store.tokens.add('admin')).token;
    viewer = (await store.tokens.add('viewer')).token;
  });
  afterAll(async () => {
    await app?.close();
    await factory?.dispose();
  });

  it('health, ready and metrics need no token', async () => {
    expect((await app.inject('/health')).json()).toEqual({ ok: true });
    expect((await app.inject('/ready')).json()).toMatchObject({ ready: true, db: true });
    const m = await app.inject('/metrics');
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toContain('spoor_hub_payload_rejected_total');
  });

  it('no token → 401, bad token → 401, viewer writing → 403', async () => {
    expect((await app.inject('/api/sightings')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/sightings', headers: auth('spoor_nope') })).statusCode).toBe(401);
    const r = await app.inject({ method: 'POST', url: '/api/devices', headers: auth(viewer), payload: { deviceId: 'x1' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('SPOOR_E_FORBIDDEN');
    expect((await app.inject({ method: 'POST', url: '/api/tokens', headers: auth(viewer), payload: { role: 'admin' } })).statusCode).toBe(403);
  });

  it('admin adds a device (credentials once), conflicts are 409, bad bodies 400', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/devices', headers: auth(admin), payload: { deviceId: 'trap-9', fleetId: 'north' } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ deviceId: 'trap-9', username: 'trap-9', fleetId: 'north' });
    expect(typeof r.json().password).toBe('string');
    expect((await app.inject({ method: 'POST', url: '/api/devices', headers: auth(admin), payload: { deviceId: 'trap-9' } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/api/devices', headers: auth(admin), payload: { deviceId: 'a/b' } })).statusCode).toBe(400);
    const list = await app.inject({ url: '/api/devices', headers: auth(viewer) });
    expect(list.json().items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['trap-9']);
    expect(JSON.stringify(list.json())).not.toContain('password');
    const rev = await app.inject({ method: 'POST', url: '/api/devices/trap-9/revoke', headers: auth(admin) });
    expect(rev.json().revokedAt).not.toBeNull();
    expect((await app.inject({ method: 'POST', url: '/api/devices/nope/revoke', headers: auth(admin) })).statusCode).toBe(404);
  });

  it('admin creates tokens that work with their role', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/tokens', headers: auth(admin), payload: { role: 'viewer' } });
    expect(r.statusCode).toBe(201);
    expect((await app.inject({ url: '/api/sightings', headers: auth(r.json().token) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/tokens', headers: auth(admin), payload: { role: 'root' } })).statusCode).toBe(400);
  });

  it('lists and gets sightings as the devices sent them (plus review fields), with filters and paging', async () => {
    const a = makeSighting('trap-a', { species: 'Lynx lynx', takenAt: new Date('2025-05-01T00:00:00Z') });
    const b = makeSighting('trap-b', { species: 'Vulpes vulpes', takenAt: new Date('2025-05-02T00:00:00Z') });
    await store.sightings.upsertMany([a, b]);
    const all = await app.inject({ url: '/api/sightings', headers: auth(viewer) });
    expect(all.json()).toMatchObject({ items: [b, a], total: 2 });
    expect(all.json().items[0]).toMatchObject({ review: { state: 'pending' }, version: 1 });
    expect((await app.inject({ url: '/api/sightings?species=Lynx%20lynx', headers: auth(viewer) })).json().items.map((i: { id: string }) => i.id)).toEqual([a.id]);
    expect((await app.inject({ url: '/api/sightings?deviceId=trap-b&limit=1&offset=0', headers: auth(viewer) })).json()).toMatchObject({ items: [b], total: 1 });
    expect((await app.inject({ url: '/api/sightings?from=2025-05-01T12:00:00Z', headers: auth(viewer) })).json().total).toBe(1);
    expect((await app.inject({ url: '/api/sightings?limit=0', headers: auth(viewer) })).statusCode).toBe(400);
    expect((await app.inject({ url: `/api/sightings/${a.id}`, headers: auth(viewer) })).json()).toMatchObject(a);
    const missing = await app.inject({ url: '/api/sightings/00000000-0000-7000-8000-000000000000', headers: auth(viewer) });
    expect(missing.statusCode).toBe(404);
  });

  it('serves the OpenAPI document and the docs page without a CDN', async () => {
    const spec = (await app.inject('/docs/json')).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/sightings', '/api/devices', '/api/tokens']));
    const page = await app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/https?:\/\/(unpkg|cdn)/);
    const bundle = page.body.match(/src="\.?\/?([^"]*swagger-ui-bundle\.js)"/)?.[1];
    expect(bundle).toBeDefined();
    expect((await app.inject(`/docs/${bundle?.replace(/^docs\//, '')}`)).statusCode).toBe(200);
  });
});
