import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../system/logger.js';
import { createHubMetrics } from '../system/metrics.js';
import type { Store } from '../store/store.js';
import { storeFactory, type StoreFactory } from '../store/testing.js';
import { UserRepo } from '../store/users.js';
import { buildApp } from './app.js';

const cookieOf = (setCookie: string | string[] | undefined) => [setCookie ?? []].flat().map((c) => c.split(';')[0]).join('; ');
const CHANGES = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** State-changing routes anyone may call: the list is exact, so a new public write is added here on purpose. */
const PUBLIC_WRITES = ['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/invitations/:token/accept'];
const PUBLIC_API_READS = ['GET /api/invitations/:token', 'HEAD /api/invitations/:token'];

describe('console sign-in, sessions, CSRF and roles', () => {
  let factory: StoreFactory;
  let store: Store;
  let app: FastifyInstance;
  const routes: { method: string; url: string }[] = [];
  let n = 0;
  const addr = () => `10.0.0.${++n}`;

  async function login(email: string, password: string) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: addr(), payload: { email, password } });
    expect(r.statusCode).toBe(200);
    return { cookie: cookieOf(r.headers['set-cookie']), csrf: r.json().csrf as string, body: r.json(), setCookie: r.headers['set-cookie'] };
  }

  beforeAll(async () => {
    factory = await storeFactory('pglite');
    store = await factory.open();
    app = await buildApp({
      logger: createLogger('error'),
      store,
      metrics: createHubMetrics(),
      loginLimit: { max: 3, timeWindowMs: 60_000 },
      onRoute: (r: RouteOptions) => {
        for (const method of [r.method].flat()) routes.push({ method, url: r.url });
      },
    });
    await app.ready();
    const users = new UserRepo(store.sql);
    await users.add({ email: 'admin@example.org', role: 'admin', name: 'Ada', password: 'admin password 1' });
    await users.add({ email: 'viewer@example.org', role: 'viewer', password: 'viewer password 1' });
    await users.add({ email: 'rev@example.org', role: 'reviewer', password: 'reviewer password' });
  });
  afterAll(async () => {
    await app?.close();
    await factory?.dispose();
  });

  it('login sets an HttpOnly SameSite=Strict cookie, /me answers with the user and CSRF token, logout ends it', async () => {
    const s = await login('Admin@example.org', 'admin password 1');
    expect(s.body).toEqual({ user: { id: expect.any(String), email: 'admin@example.org', name: 'Ada', role: 'admin' }, csrf: expect.any(String) });
    const raw = [s.setCookie].flat().join('\n');
    expect(raw).toMatch(/spoor_session=[^;]+;.*HttpOnly/i);
    expect(raw).toMatch(/SameSite=Strict/i);
    expect(raw).toMatch(/Path=\//);
    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: s.cookie } });
    expect(me.json()).toEqual(s.body);
    // The session works on the ordinary API routes too.
    expect((await app.inject({ url: '/api/devices', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: s.cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/devices', headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it('bad credentials are 401; the fourth try from one address in a window is 429', async () => {
    const ip = '10.9.9.9';
    const bad = () => app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { email: 'admin@example.org', password: 'wrong password!' } });
    for (let i = 0; i < 3; i++) {
      const r = await bad();
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('SPOOR_E_UNAUTHORIZED');
    }
    const limited = await bad();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('SPOOR_E_RATE_LIMITED');
    // Another address is not affected.
    await login('admin@example.org', 'admin password 1');
  });

  it('a cookie-authenticated change without the CSRF header (or with a wrong one) is 403 SPOOR_E_CSRF; bearer tokens need none', async () => {
    const s = await login('admin@example.org', 'admin password 1');
    const body = { email: 'x@example.org', role: 'viewer' };
    for (const headers of [{ cookie: s.cookie }, { cookie: s.cookie, 'x-csrf-token': 'nope' }]) {
      const r = await app.inject({ method: 'POST', url: '/api/invitations', headers, payload: body });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('SPOOR_E_CSRF');
    }
    expect((await app.inject({ method: 'POST', url: '/api/invitations', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: body })).statusCode).toBe(201);
    const token = (await store.tokens.add('admin')).token;
    expect((await app.inject({ method: 'POST', url: '/api/invitations', headers: { authorization: `Bearer ${token}` }, payload: { ...body, email: 'y@example.org' } })).statusCode).toBe(201);
  });

  it('an invitation link works once: peek, accept (signed in), then 404; an admin lists and disables users', async () => {
    const a = await login('admin@example.org', 'admin password 1');
    const h = { cookie: a.cookie, 'x-csrf-token': a.csrf };
    const inv = await app.inject({ method: 'POST', url: '/api/invitations', headers: h, payload: { email: 'Bio@Example.org', role: 'reviewer' } });
    expect(inv.statusCode).toBe(201);
    const { token, url, expiresAt } = inv.json();
    expect(url).toBe(`/#/invite/${token}`);
    const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect((await app.inject({ url: `/api/invitations/${token}` })).json()).toEqual({ email: 'bio@example.org', role: 'reviewer' });
    const acc = await app.inject({ method: 'POST', url: `/api/invitations/${token}/accept`, remoteAddress: addr(), payload: { name: 'Bea', password: 'bea password 12' } });
    expect(acc.statusCode).toBe(201);
    expect(acc.json().user).toMatchObject({ email: 'bio@example.org', role: 'reviewer', name: 'Bea' });
    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(acc.headers['set-cookie']) } });
    expect(me.json().user.email).toBe('bio@example.org');
    expect((await app.inject({ url: `/api/invitations/${token}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/invitations/${token}/accept`, remoteAddress: addr(), payload: { name: 'Eve', password: 'eve password 123' } })).statusCode).toBe(404);

    const list = (await app.inject({ url: '/api/users', headers: h })).json().items as { id: string; email: string; disabled: boolean; role: string; createdAt: string }[];
    const bea = list.find((u) => u.email === 'bio@example.org');
    expect(bea).toMatchObject({ role: 'reviewer', disabled: false, createdAt: expect.any(String) });
    const patched = await app.inject({ method: 'PATCH', url: `/api/users/${bea?.id}`, headers: h, payload: { disabled: true } });
    expect(patched.json()).toMatchObject({ disabled: true });
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(acc.headers['set-cookie']) } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: addr(), payload: { email: 'bio@example.org', password: 'bea password 12' } })).statusCode).toBe(401);
    const self = list.find((u) => u.email === 'admin@example.org');
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${self?.id}`, headers: h, payload: { role: 'viewer' } })).statusCode).toBe(400);
  });

  it('a viewer is refused (403 SPOOR_E_FORBIDDEN) on EVERY state-changing route, by session and by token; reads need sign-in', async () => {
    const v = await login('viewer@example.org', 'viewer password 1');
    const token = (await store.tokens.add('viewer')).token;
    const writes = routes.filter((r) => CHANGES.includes(r.method));
    const checked: string[] = [];
    for (const r of writes) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC_WRITES.includes(key)) continue;
      const url = r.url.replace(/:[A-Za-z]+/g, '00000000-0000-7000-8000-000000000000').replace('*', 'x');
      for (const headers of [{ cookie: v.cookie, 'x-csrf-token': v.csrf }, { authorization: `Bearer ${token}` }]) {
        const res = await app.inject({ method: r.method as 'POST', url, headers, payload: {} });
        expect({ route: key, status: res.statusCode, code: res.json().error?.code }).toEqual({ route: key, status: 403, code: 'SPOOR_E_FORBIDDEN' });
      }
      checked.push(key);
    }
    expect(writes.map((r) => `${r.method} ${r.url}`).filter((k) => PUBLIC_WRITES.includes(k)).sort()).toEqual([...PUBLIC_WRITES].sort());
    expect(checked).toEqual(expect.arrayContaining(['POST /api/devices', 'POST /api/invitations', 'PATCH /api/users/:id', 'POST /api/proposals/:id/accept', 'POST /api/decisions/:id/undo']));
    for (const r of routes.filter((x) => x.url.startsWith('/api/') && (x.method === 'GET' || x.method === 'HEAD'))) {
      if (PUBLIC_API_READS.includes(`${r.method} ${r.url}`)) continue;
      const res = await app.inject({ method: r.method as 'GET', url: r.url.replace(/:[A-Za-z]+/g, 'x') });
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode }).toEqual({ route: `${r.method} ${r.url}`, status: 401 });
    }
  });
});
