import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ingestor } from '../ingest/ingest.js';
import { openDb } from '../store/db.js';
import { IndividualStore } from '../store/individuals.js';
import { SightingStore } from '../store/sightings.js';
import { buildApp, type AppDeps } from './app.js';
import { memoryPasswordStore } from './password.js';
import { WebSocket } from 'ws';
import { WS_SESSION_ENDED } from './live.js';

interface Route {
  method: string;
  url: string;
}

async function build(over: Partial<AppDeps> = {}): Promise<{ app: FastifyInstance; routes: Route[] }> {
  const db = openDb(':memory:');
  const routes: Route[] = [];
  const app = await buildApp({
    logger: pino({ level: 'silent' }),
    ingestor: { ingestBuffer: async () => ({ kind: 'capture', id: 'c1', eventId: 'e1' }) } as unknown as Ingestor,
    sightings: new SightingStore(db),
    individuals: new IndividualStore(db),
    maxUploadBytes: 1024 * 1024,
    isReady: () => true,
    status: () => ({ uptimeSec: 1 }),
    onIngested: () => {},
    passwords: memoryPasswordStore(),
    onRoute: (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    },
    ...over,
  });
  await app.ready();
  return { app, routes };
}

const unused = () => {
  throw new Error('unused');
};
const json = (password: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ password }) });
const cookieHeader = (setCookie: string | string[] | undefined) => [setCookie ?? []].flat().map((c) => c.split(';')[0]).join('; ');

describe('device API auth', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('refuses every route but /health, /ready and the panel files without a session, once a password is set', async () => {
    const panelDir = await mkdtemp(join(tmpdir(), 'spoor-panel-'));
    await mkdir(join(panelDir, 'assets'));
    await writeFile(join(panelDir, 'index.html'), '<!doctype html><title>Spoor</title>');
    const built = await build({
      panelDir,
      individualAdmin: { enroll: async () => Promise.reject(new Error('unused')), remove: () => {}, tmpDir: panelDir },
      panel: { settings: {} as never, captureBlob: () => null },
      live: { status: () => ({ uptimeSec: 1 }) },
      tools: { testUplink: unused, takeTestShot: unused, testShotState: unused, logs: unused, backup: unused, camtrapDp: unused, restart: unused, deviceId: () => 'x' },
    });
    app = built.app;
    expect((await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') })).statusCode).toBe(200);

    const PUBLIC = ['GET /health', 'HEAD /health', 'GET /ready', 'HEAD /ready', 'GET /*', 'HEAD /*'];
    const checked: string[] = [];
    for (const r of built.routes) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC.includes(key)) continue;
      const url = r.url.replace(/:[A-Za-z]+/g, 'x').replace('*', 'x');
      const res = await app.inject({ method: r.method as 'GET', url, ...(r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' ? json('wrong password') : {}) });
      expect({ route: key, status: res.statusCode }).toEqual({ route: key, status: 401 });
      checked.push(key);
    }
    // The public list is exact: a new public route must be added here on purpose.
    expect(built.routes.map((r) => `${r.method} ${r.url}`).filter((k) => PUBLIC.includes(k)).sort()).toEqual([...PUBLIC].sort());
    expect(checked).toEqual(expect.arrayContaining(['GET /api/status', 'GET /api/sightings', 'POST /api/captures', 'POST /api/auth/login', 'POST /api/auth/setup', 'PUT /api/settings', 'GET /api/captures/:id/image', 'POST /api/individuals', 'PATCH /api/individuals/:id', 'DELETE /api/individuals/:id',
      'GET /api/live', 'POST /api/tools/uplink-test', 'POST /api/tools/test-shot', 'GET /api/tools/test-shot/:file', 'GET /api/tools/logs', 'GET /api/tools/backup', 'GET /api/tools/camtrap-dp', 'POST /api/system/restart']));
    expect((await app.inject({ url: '/' })).body).toContain('<title>Spoor</title>');
  });

  it('sets the password once on first visit, then logs in with HttpOnly SameSite=Strict cookies; a wrong password is refused', async () => {
    ({ app } = await build());
    const before = await app.inject({ url: '/api/status' });
    expect(before.statusCode).toBe(401);
    expect(before.json()).toMatchObject({ error: { code: 'SPOOR_E_AUTH_REQUIRED' }, setupRequired: true });
    expect((await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('short') })).statusCode).toBe(400);
    const setup = await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') });
    expect(setup.statusCode).toBe(200);
    // Second setup is refused: it cannot be used to take over the unit.
    expect((await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('attacker password!') })).statusCode).toBe(401);

    expect((await app.inject({ method: 'POST', url: '/api/auth/login', ...json('wrong password') })).statusCode).toBe(401);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', ...json('a long enough password') });
    expect(login.statusCode).toBe(200);
    const cookies = [login.headers['set-cookie'] ?? []].flat();
    expect(cookies.find((c) => c.startsWith('spoor_session='))).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookies.find((c) => c.startsWith('spoor_csrf='))).not.toMatch(/HttpOnly/);
    const status = await app.inject({ url: '/api/status', headers: { cookie: cookieHeader(login.headers['set-cookie']) } });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({ uptimeSec: 1 });
  });

  it('refuses a login posted as a form (no JSON), which a cross-site page could send', async () => {
    ({ app } = await build({ passwords: memoryPasswordStore(null) }));
    await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') });
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: '{"password":"a long enough password"}' });
    expect(res.statusCode).not.toBe(200);
  });

  it('refuses a state-changing request whose x-csrf-token does not match the session', async () => {
    ({ app } = await build());
    const setup = await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') });
    const cookie = cookieHeader(setup.headers['set-cookie']);
    const csrf = (setup.json() as { csrf: string }).csrf;
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': 'forged' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    // Logged out: the old cookie no longer works.
    expect((await app.inject({ url: '/api/status', headers: { cookie } })).statusCode).toBe(401);
  });

  it('rate-limits login attempts per client address', async () => {
    ({ app } = await build());
    await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await app.inject({ method: 'POST', url: '/api/auth/login', ...json(`guess ${i}`) })).statusCode);
    expect(codes.slice(0, 8).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    // Even the right password waits out the window.
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', ...json('a long enough password') })).statusCode).toBe(429);
  });
});

/** Open a WebSocket to the app and resolve with its first message, or the HTTP status that refused the upgrade. */
function openWs(url: string, cookie?: string, origin?: string): Promise<{ ws: WebSocket; first: unknown } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) } });
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve({ refused: res.statusCode ?? 0 });
    });
    ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) }));
    ws.once('error', reject);
  });
}

describe('live status WebSocket', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('refuses the upgrade without a session, pushes changes to a logged-in socket, and closes it when the session ends', async () => {
    let queue = 0;
    ({ app } = await build({ live: { status: () => ({ uptimeSec: 1, queue }), checkMs: 50, tickMs: 60_000 } }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    const url = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/live`;

    expect(await openWs(url)).toEqual({ refused: 401 });
    expect(await openWs(url, 'spoor_session=forged')).toEqual({ refused: 401 });

    const setup = await app.inject({ method: 'POST', url: '/api/auth/setup', ...json('a long enough password') });
    const cookie = cookieHeader(setup.headers['set-cookie']);
    // Even with the cookie, a page from another origin may not open it.
    expect(await openWs(url, cookie, 'http://evil.example')).toEqual({ refused: 403 });
    const opened = await openWs(url, cookie, `http://${new URL(url).host}`);
    if (!('ws' in opened)) throw new Error(`upgrade refused: ${opened.refused}`);
    expect(opened.first).toEqual({ type: 'status', status: { uptimeSec: 1, queue: 0 } });
    const next = new Promise((r) => opened.ws.once('message', (d) => r(JSON.parse(String(d)))));
    queue = 3; // a change is pushed without polling
    expect(await next).toEqual({ type: 'status', status: { uptimeSec: 1, queue: 3 } });

    const closed = new Promise<number>((r) => opened.ws.once('close', (code) => r(code)));
    const csrf = (setup.json() as { csrf: string }).csrf;
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    queue = 4;
    expect(await closed).toBe(WS_SESSION_ENDED);
  });
});
