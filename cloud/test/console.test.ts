/**
 * The review console in a real browser (Debian's Chromium via playwright-core) against a
 * real hub (PGlite, embedded aedes broker) fed through real MQTT ingest: invitations and
 * login, species correction with taxonomy search, identity review with the keyboard and
 * undo, a split, the Camtrap DP export, and a viewer who can change nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { MqttClient } from 'mqtt';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, encodeCropFeatures, type CropFeatures, type SightingPayload } from '@spoor/protocol';
import { randomKeypoints, rng, secondView } from '@spoor/protocol/testing/keypoints';
import { parseConfig } from '../src/config.js';
import { consoleRoutes } from '../src/http/console-routes.js';
import { createTestDatabase, type TestDb } from '../src/store/testing.js';
import { startHub, type Hub } from '../src/hub.js';
import { createLogger } from '../src/system/logger.js';
import { makeReidSighting, makeSighting, vectorFor } from '../src/testing/fixtures.js';
import { makeMedia } from '../src/testing/media.js';
import { connectDevice, until } from '../src/testing/mqtt.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'docs', 'screenshots');
const PASSWORD = 'correct horse battery';
const DAY = 86_400_000;

type BBox = [number, number, number, number];

/**
 * Runs in the page: a made-up trap photo (ground, grass, an orange animal in each box) as a
 * base64 JPEG, painted by Chromium's canvas so the test needs no image library.
 */
function paintScene({ w, h, boxes, seed }: { w: number; h: number; boxes: BBox[]; seed: number }): string {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d')!;
  const sky = g.createLinearGradient(0, 0, 0, h);
  sky.addColorStop(0, '#6d7f4f');
  sky.addColorStop(1, '#3b4a2a');
  g.fillStyle = sky;
  g.fillRect(0, 0, w, h);
  let x = seed * 7919;
  const rnd = () => ((x = (x * 16807) % 2147483647) / 2147483647);
  g.strokeStyle = '#8fa05e';
  for (let i = 0; i < 300; i++) {
    const px = rnd() * w;
    const py = h * (0.4 + rnd() * 0.6);
    g.beginPath();
    g.moveTo(px, py);
    g.lineTo(px + (rnd() - 0.5) * 8, py - 6 - rnd() * 14);
    g.stroke();
  }
  for (const [bx, by, bw, bh] of boxes) {
    const [cx, cy, rx, ry] = [(bx + bw / 2) * w, (by + bh * 0.6) * h, (bw * w) / 2.6, (bh * h) / 4];
    g.fillStyle = '#c8641e';
    g.beginPath();
    g.ellipse(cx, cy, rx, ry, 0, 0, Math.PI * 2);
    g.fill();
    g.beginPath();
    g.ellipse(cx + rx * 0.95, cy - ry * 1.1, rx * 0.38, ry * 0.6, -0.3, 0, Math.PI * 2);
    g.fill();
    g.beginPath();
    g.ellipse(cx - rx * 1.25, cy + ry * 0.2, rx * 0.55, ry * 0.28, 0.4, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#f2e6d0';
    g.beginPath();
    g.ellipse(cx - rx * 1.7, cy + ry * 0.35, rx * 0.15, ry * 0.2, 0.4, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#2a1a0e';
    for (const dx of [-0.6, -0.3, 0.3, 0.6]) g.fillRect(cx + dx * rx, cy + ry * 0.7, Math.max(2, rx * 0.08), ry * 0.9);
  }
  return c.toDataURL('image/jpeg', 0.85).split(',')[1] ?? '';
}

/** Runs in the page: the JPEG `jpeg` (base64) seen again under the affine map `m` (bx = m0·ax + m1·ay + m2, by = m3·ax + m4·ay + m5). */
async function paintView({ jpeg, w, h, m }: { jpeg: string; w: number; h: number; m: number[] }): Promise<string> {
  const img = new Image();
  img.src = `data:image/jpeg;base64,${jpeg}`;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d')!;
  g.fillStyle = '#4f5f39';
  g.fillRect(0, 0, w, h);
  g.setTransform(m[0]!, m[3]!, m[1]!, m[4]!, m[2]!, m[5]!);
  g.drawImage(img, 0, 0);
  return c.toDataURL('image/jpeg', 0.85).split(',')[1] ?? '';
}

interface Item {
  id: string;
  [k: string]: unknown;
}

/** The same suite on the embedded PGlite and on the Postgres server (a fresh database); screenshots come from the PGlite run. */
describe.each(['pglite', 'postgres'] as const)('review console on %s (real hub + MQTT ingest + Chromium)', (backend) => {
  let dir: string;
  let hub: Hub;
  let admin: string;
  let browser: Browser;
  const clients: MqttClient[] = [];
  const contexts: BrowserContext[] = [];
  const seeded: Record<string, SightingPayload> = {};
  let splitIndividual = '';
  let adminPage: Page;
  let db: TestDb | undefined;
  const shot = async (p: Page, name: string, fullPage = false) => {
    if (backend === 'pglite') await p.screenshot({ path: join(SHOTS, name), fullPage });
  };
  const base = () => `http://127.0.0.1:${hub.httpPort}`;
  const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as T };
  };
  const openProposals = async () => (await api<{ items: Item[] }>('GET', '/api/proposals?status=open')).json.items;
  const newPage = async (width = 1280, height = 860): Promise<Page> => {
    const ctx = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    contexts.push(ctx);
    return ctx.newPage();
  };
  const logIn = async (page: Page, email: string) => {
    await page.goto(base());
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.fill('#email', email);
    await page.fill('#pw', PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.role').waitFor();
  };
  /** Open an invitation link in a fresh browser (no session) and create the account. */
  const acceptInvite = async (url: string, name: string): Promise<Page> => {
    const page = await newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: /Join as/ }).waitFor();
    await page.fill('#name', name);
    await page.fill('#pw', PASSWORD);
    await page.fill('#pw2', PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('.role').waitFor();
    return page;
  };

  beforeAll(async () => {
    // Build the console from source so the test never runs against a stale bundle.
    await build({ configFile: join(ROOT, 'cloud', 'console', 'vite.config.ts'), logLevel: 'warn' });
    // playwright starts Chromium on a fresh temporary --user-data-dir of its own (it refuses one in args);
    // each user below gets a separate context, so their cookies never mix.
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    dir = mkdtempSync(join(tmpdir(), 'spoor-console-'));
    if (backend === 'postgres') db = await createTestDatabase();
    hub = await startHub(
      parseConfig({ dataDir: dir, ...(db ? { databaseUrl: db.url } : {}), http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } }),
      createLogger('warn'),
    );
    admin = (await hub.store.tokens.add('admin')).token;
    const creds = [await hub.store.devices.add({ deviceId: 'trap-a', fleetId: 'north', name: 'Ridge' }), await hub.store.devices.add({ deviceId: 'trap-b', fleetId: 'north' })];
    const [ca, cb] = await Promise.all(creds.map((c) => connectDevice(hub.mqttPort!, c.deviceId, c.password)));
    clients.push(ca!, cb!);
    const send = async (c: MqttClient, s: SightingPayload) => {
      seeded[s.id] = s;
      await c.publishAsync(deviceTopic('sighting', s.deviceId), JSON.stringify(s), { qos: 1 });
    };
    const now = Date.now();
    // trap-a reports its status as the relay does (retained); trap-b never does, so it shows offline.
    const status = {
      v: 1, deviceId: 'trap-a', state: 'online', at: new Date().toISOString(),
      models: [{ id: 'nanodet-plus-m-416', provider: 'cuda' }, { id: 'reid-fox-v2', provider: 'cuda' }],
      outbox: { depth: 12, bytes: 18_432, oldestAt: new Date(now - 600_000).toISOString() }, config: { version: 0, state: 'local' },
    };
    await ca!.publishAsync(deviceTopic('status', 'trap-a'), JSON.stringify(status), { qos: 1, retain: true });
    // A burst of three frames, the fox moving to the right.
    const burst = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date(now - 600_000) });
    const [f0, d0] = [burst.frames[0]!, burst.detections[0]!];
    for (let i = 1; i < 3; i++) {
      const captureId = randomUUID();
      burst.frames.push({ ...f0, captureId, takenAt: new Date(now - 600_000 + i * 1500).toISOString(), originalName: `IMG_000${i + 1}.JPG` });
      burst.detections.push({ ...d0, captureId, bbox: [0.1 + i * 0.2, 0.25, 0.28, 0.42], confidence: 0.8 + i * 0.05 });
    }
    await send(ca!, burst);
    // Plain sightings over a week, at different hours, for the queue and the plots.
    for (let i = 0; i < 6; i++) await send(ca!, makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date(now - i * DAY - i * 3_600_000) }));
    for (let i = 0; i < 3; i++) await send(cb!, makeSighting('trap-b', { species: 'Meles meles', takenAt: new Date(now - i * DAY - 5 * 3_600_000) }));
    // An individual seen three times on trap-a (to split), then the same animal as `new` on both devices (a proposal).
    const localC = randomUUID();
    await send(ca!, makeReidSighting('trap-a', localC, 'new', vectorFor(9), { species: 'Lynx lynx', takenAt: new Date(now - 3 * DAY) }));
    await until(async () => (await api<{ items: Item[] }>('GET', '/api/individuals?species=Lynx%20lynx')).json.items.length === 1, 10_000, 'the lynx individual');
    for (let i = 1; i <= 2; i++) await send(ca!, makeReidSighting('trap-a', localC, 'known', vectorFor(9, 64, 0.01), { species: 'Lynx lynx', takenAt: new Date(now - (3 - i) * DAY) }));
    // A pine marten first seen on trap-b from a poor side became its own individual; seen again
    // from a good side it is close to trap-a's marten: a possible duplicate.
    const marten = { species: 'Martes martes', takenAt: new Date(now - 20 * DAY) };
    const martens = () => api<{ items: Item[] }>('GET', '/api/individuals?species=Martes%20martes').then((r) => r.json.items);
    const m1 = vectorFor(61);
    const poor = m1.map((x, k) => x + (vectorFor(62)[k] as number));
    const localM = randomUUID();
    const martenA = makeReidSighting('trap-a', randomUUID(), 'new', m1, marten);
    await send(ca!, martenA);
    await until(async () => (await martens()).length === 1, 10_000, 'the first marten');
    await send(cb!, makeReidSighting('trap-b', localM, 'new', poor.map((x) => x / Math.hypot(...poor)), marten));
    await until(async () => (await martens()).length === 2, 10_000, 'the second marten');
    const martenB = makeReidSighting('trap-b', localM, 'known', vectorFor(61, 64, 0.02), { ...marten, takenAt: new Date(now - 19 * DAY) });
    await send(cb!, martenB);
    await until(async () => (await api<{ items: unknown[] }>('GET', '/api/individuals/duplicates')).json.items.length === 1, 10_000, 'the duplicate pair');
    const foxA = makeReidSighting('trap-a', randomUUID(), 'new', vectorFor(3), { species: 'Vulpes vulpes', takenAt: new Date(now - 2 * DAY) });
    await send(ca!, foxA);
    await until(async () => (await api<{ items: Item[] }>('GET', '/api/individuals?species=Vulpes%20vulpes')).json.items.length === 1, 10_000, 'the fox individual');
    const foxB = makeReidSighting('trap-b', randomUUID(), 'new', vectorFor(3, 64, 0.02), { species: 'Vulpes vulpes', takenAt: new Date(now - DAY) });
    await send(cb!, foxB);
    await until(async () => (await openProposals()).length === 1, 10_000, 'a proposal');
    const n = Object.keys(seeded).length;
    await until(async () => (await api<{ total: number }>('GET', '/api/sightings?limit=1')).json.total === n, 10_000, 'every sighting committed');
    const lynx = (await api<{ items: (Item & { refsCount: number })[] }>('GET', '/api/individuals?species=Lynx%20lynx')).json.items[0];
    await until(async () => (await api<{ refsCount: number }>('GET', `/api/individuals/${lynx?.id}`)).json.refsCount === 3, 10_000, 'three lynx references');
    splitIndividual = lynx!.id;

    // Media as a `full`/`crops` device sends it: the burst's three frames and crops of the two foxes in the proposal.
    // The second fox crop is the first one seen again (turned, smaller, shifted), and each carries
    // ORB-like keypoints under that same map, so the lines identity review draws join the same spots.
    const painter = await browser.newPage();
    const media = async (c: MqttClient, s: SightingPayload, kind: 'frame' | 'crop', captureId: string, jpeg: Buffer, w: number, h: number, features?: CropFeatures) => {
      const m = { ...makeMedia(s.deviceId, s.id, { kind, captureId, jpeg, detectionIdx: kind === 'crop' ? 0 : null, ...(features ? { features } : {}) }), width: w, height: h };
      await c.publishAsync(deviceTopic('media', s.deviceId), JSON.stringify(m), { qos: 1 });
    };
    const paint = async (w: number, h: number, boxes: BBox[], seed: number) => Buffer.from(await painter.evaluate(paintScene, { w, h, boxes, seed }), 'base64');
    for (const d of burst.detections) await media(ca!, burst, 'frame', d.captureId, await paint(960, 540, [d.bbox], d.captureId.charCodeAt(0)), 960, 540);
    const foxCrop = await paint(256, 256, [[0.2, 0.2, 0.6, 0.6]], 7);
    const view = [Math.cos(0.12) * 0.85, -Math.sin(0.12) * 0.85, 40, Math.sin(0.12) * 0.85, Math.cos(0.12) * 0.85, 12];
    const foxSeenAgain = Buffer.from(await painter.evaluate(paintView, { jpeg: foxCrop.toString('base64'), w: 256, h: 256, m: view }), 'base64');
    const rand = rng(21);
    const ka = { ...randomKeypoints(220, rand, 256, 256, [0.15, 0.3, 0.7, 0.5]), region: [0, 0, 1, 1] as const };
    const kb = secondView(ka, 110, 120, rand, view).b;
    await media(ca!, foxA, 'crop', foxA.frames[0]!.captureId, foxCrop, 256, 256, encodeCropFeatures(ka));
    await media(cb!, foxB, 'crop', foxB.frames[0]!.captureId, foxSeenAgain, 256, 256, encodeCropFeatures(kb));
    // The marten's two good sightings, one crop the other seen again, for comparing on its page.
    const martenCrop = await paint(256, 256, [[0.15, 0.25, 0.7, 0.5]], 13);
    const martenAgain = Buffer.from(await painter.evaluate(paintView, { jpeg: martenCrop.toString('base64'), w: 256, h: 256, m: view }), 'base64');
    const km = { ...randomKeypoints(180, rand, 256, 256, [0.15, 0.3, 0.7, 0.45]), region: [0, 0, 1, 1] as const };
    await media(ca!, martenA, 'crop', martenA.frames[0]!.captureId, martenCrop, 256, 256, encodeCropFeatures(km));
    await media(cb!, martenB, 'crop', martenB.frames[0]!.captureId, martenAgain, 256, 256, encodeCropFeatures(secondView(km, 90, 90, rand, view).b));
    await painter.close();
    await until(async () => (await api<{ items: unknown[] }>('GET', `/api/sightings/${burst.id}/media`)).json.items.length === 3, 10_000, 'the burst frames');
    await until(async () => (await api<{ items: unknown[] }>('GET', `/api/sightings/${foxB.id}/media`)).json.items.length === 1, 10_000, 'the fox crop');
    await until(async () => (await api<{ items: unknown[] }>('GET', `/api/sightings/${martenB.id}/media`)).json.items.length === 1, 10_000, 'the marten crop');

  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await hub?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an admin invites a reviewer, who accepts the one-time link and then logs in', async () => {
    const inv = await api<{ url: string }>('POST', '/api/invitations', { email: 'admin@example.org', role: 'admin' });
    expect(inv.status).toBe(201);
    adminPage = await acceptInvite(`${base()}${inv.json.url}`, 'Ada Admin');
    await adminPage.getByRole('link', { name: 'Users' }).click();
    await adminPage.fill('#inv-email', 'rev@example.org');
    await adminPage.selectOption('#inv-role', 'reviewer');
    await adminPage.getByRole('button', { name: 'Invite' }).click();
    const link = (await adminPage.locator('.invite-link').textContent())?.trim() ?? '';
    expect(link).toMatch(/#\/invite\/\S+$/);

    const first = await acceptInvite(link, 'Rita Reviewer');
    expect(await first.locator('.role').textContent()).toBe('reviewer');
    // The link works once.
    const again = await newPage();
    await again.goto(link);
    await again.getByText('already used or has expired').waitFor();
    // Back through the login page.
    await first.getByRole('button', { name: 'Log out' }).click();
    await first.getByRole('heading', { name: 'Log in' }).waitFor();
    await first.fill('#email', 'rev@example.org');
    await first.fill('#pw', 'wrong password here');
    await first.getByRole('button', { name: 'Log in' }).click();
    await first.getByText('Wrong email or password.').waitFor();
    await logIn(first, 'rev@example.org');
    await adminPage.reload();
    await adminPage.locator('tr.user[data-email="rev@example.org"]').waitFor();
    expect(await adminPage.locator('tr.user[data-email="rev@example.org"] select').inputValue()).toBe('reviewer');
  }, 60_000);

  it('an admin sees the fleet, pushes a config (JSON errors shown first) that places the device on the map, provisions, rotates and revokes a device', async () => {
    await adminPage.goto(`${base()}/#/fleet`);
    const row = adminPage.locator('tr.device[data-id="trap-a"]');
    await row.waitFor();
    expect(await adminPage.locator('tr.device').count()).toBe(2); // trap-c comes below
    await expect.poll(() => row.locator('.pill').first().textContent()).toBe('online');
    expect(await adminPage.locator('tr.device[data-id="trap-b"] .pill').first().textContent()).toBe('offline');
    expect(await row.textContent()).toContain('12 queued');
    await row.getByRole('button', { name: 'Config…' }).click();
    const editor = adminPage.locator('#cfg-trap-a');
    await editor.fill('{ "deployment": { "latitude": 61.2, ');
    await adminPage.locator('.config-error').waitFor();
    expect(await adminPage.getByRole('button', { name: 'Push config' }).isDisabled()).toBe(true);
    // Valid JSON the device would refuse: the hub checks it against the device's schema first.
    await editor.fill(JSON.stringify({ sync: { bandwidth: 'everything' } }));
    await adminPage.getByRole('button', { name: 'Push config' }).click();
    await adminPage.locator('.config-error', { hasText: '/sync/bandwidth' }).waitFor();
    await editor.fill(JSON.stringify({ deployment: { latitude: 61.21, longitude: 24.95 } }, null, 2));
    await adminPage.getByRole('button', { name: 'Push config' }).click();
    await adminPage.getByText(/Published as config version \d+/).waitFor();
    expect((await api<{ config: { deployment: { latitude: number } } }>('GET', '/api/devices/trap-a/config')).json.config.deployment.latitude).toBe(61.21);
    expect((await api('POST', '/api/devices/trap-b/config', { config: { deployment: { latitude: 61.26, longitude: 25.02 } } })).status).toBe(202);

    // Provision a device (the one-time MQTT password works on the broker), rotate it, revoke it.
    await adminPage.fill('#dev-id', 'trap-c');
    await adminPage.fill('#dev-fleet', 'north');
    await adminPage.getByRole('button', { name: 'Provision' }).click();
    const password = (await adminPage.locator('.device-password').textContent()) ?? '';
    expect(password.length).toBeGreaterThan(10);
    const cc = await connectDevice(hub.mqttPort!, 'trap-c', password);
    await cc.endAsync(true);
    await adminPage.getByRole('button', { name: 'I have copied them' }).click();
    const trapC = adminPage.locator('tr.device[data-id="trap-c"]');
    await trapC.getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => adminPage.locator('.device-password').textContent()).not.toBe(password);
    await expect(connectDevice(hub.mqttPort!, 'trap-c', password)).rejects.toThrow();
    adminPage.once('dialog', (d) => void d.accept());
    await trapC.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => trapC.locator('.pill').first().textContent()).toBe('revoked');
    expect((await api<{ revokedAt: string | null }>('GET', '/api/devices/trap-c')).json.revokedAt).not.toBeNull();

    await adminPage.reload();
    await row.getByRole('button', { name: 'Config…' }).click();
    await expect.poll(() => adminPage.locator('#cfg-trap-a').inputValue()).toContain('61.21'); // the editor starts from the config last pushed
    await shot(adminPage, 'console-fleet-1280.png', true);
  }, 60_000);

  it('a reviewer corrects a species through the taxonomy search; the hub records it with the reviewer as author', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    const fox = Object.values(seeded).find((s) => s.deviceId === 'trap-a' && s.individuals[0]?.name === 'Rusty' && s.detections[0]?.taxon?.label === 'Vulpes vulpes');
    if (!fox) throw new Error('no seeded fox');
    // Filter: only the lynx sightings are left.
    await page.fill('#f-species', 'Lynx lynx');
    await page.locator('#f-species').dispatchEvent('change');
    await expect.poll(() => page.locator('li.sighting .sp').allTextContents()).toEqual(['Lynx lynx', 'Lynx lynx', 'Lynx lynx']);
    await page.fill('#f-species', '');
    await page.locator('#f-species').dispatchEvent('change');
    await expect.poll(() => page.locator('li.sighting').count()).toBeGreaterThan(3);
    await page.locator(`li.sighting[data-id="${fox.id}"]`).click();
    await page.locator(`.current-sighting[data-id="${fox.id}"]`).waitFor();
    expect(await page.locator('.frames spoor-frame').count()).toBe(fox.frames.length);
    // The device sent its frames: real images under the boxes.
    await expect.poll(() => page.locator('.frames spoor-frame img').count()).toBe(3);
    await expect.poll(() => page.locator('.frames spoor-frame img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(960);
    await shot(page, 'console-queue-1280.png');

    await page.keyboard.press('t');
    await page.locator('#taxon-q').fill('meles');
    await page.locator('#taxon-list').getByRole('option', { name: /Meles meles/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByText('3 boxes are now Meles meles.').waitFor();
    const after = await api<Item & { detections: { taxon: { label: string } }[]; review: { by: string } }>('GET', `/api/sightings?limit=500`);
    expect(after.status).toBe(200);
    const row = (after.json as unknown as { items: (Item & { detections: { taxon: { label: string } | null }[]; review: { by: string | null } | null })[] }).items.find((s) => s.id === fox.id);
    // The same animal in all three frames of the burst.
    expect(row?.detections.map((d) => d.taxon?.label)).toEqual(['Meles meles', 'Meles meles', 'Meles meles']);
    expect(row?.review?.by).toBe('rev@example.org');

    // Keyboard only: next frame, mark it blank, undo.
    type Frames = { items: { id: string; frames: { mark: string | null }[] }[] };
    const marks = async () => (await api<Frames>('GET', '/api/sightings?limit=500')).json.items.find((x) => x.id === fox.id)?.frames.map((f) => f.mark);
    await page.keyboard.press(']');
    await page.keyboard.press('b');
    await page.getByText('Frame 2 marked blank.').waitFor();
    expect(await marks()).toEqual([null, 'blank', null]);
    await page.keyboard.press('u');
    await page.locator('.status', { hasText: 'Undone.' }).waitFor();
    expect(await marks()).toEqual([null, null, null]);
    // c confirms the species as shown (Meles meles now) and moves on to the next sighting.
    await page.keyboard.press('c');
    await page.locator('.status', { hasText: 'Confirmed Meles meles.' }).waitFor();
    await expect.poll(() => page.locator('.current-sighting').getAttribute('data-id')).not.toBe(fox.id);

    await page.setViewportSize({ width: 360, height: 760 });
    await shot(page, 'console-queue-360.png', true);
  }, 60_000);

  it('draws the matching keypoints; accepts a proposal with Space, rejects it with r, calls it unidentifiable with x, undoing each with u', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    const [open] = await openProposals();
    await page.goto(`${base()}/#/identity`);
    await page.locator(`.proposal[data-id="${open?.id}"]`).waitFor();
    expect(await page.locator('spoor-sighting-tile').count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.locator('spoor-sighting-tile img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(256);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText('accept: same individual').waitFor();
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Matching keypoints between the two fox crops: one line per pair the hub's spatial check kept.
    const kp = page.locator('spoor-keypoint-match');
    await kp.locator('g.match').first().waitFor();
    const drawn = await kp.locator('g.match').count();
    expect(drawn).toBeGreaterThanOrEqual(30);
    expect(drawn).toBeLessThanOrEqual(60);
    await expect.poll(() => kp.locator('image').evaluateAll((els) => els.length)).toBe(2);
    expect(await page.locator('.matches-note').innerText()).toMatch(/\d+ of \d+ \/ \d+ keypoints agree under one affine map/);
    await page.keyboard.press('k'); // one candidate sighting with keypoints: k stays on it
    expect(await kp.locator('g.match').count()).toBe(drawn);
    await shot(page, 'console-identity-1280.png', true);
    if (backend === 'pglite') await page.locator('section.keypoints').screenshot({ path: join(SHOTS, 'console-identity-keypoints.png') });
    // On a phone the two columns stack and the drawing scales down with the page.
    await page.setViewportSize({ width: 360, height: 760 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, 'console-identity-360.png', true);
    await page.setViewportSize({ width: 1280, height: 860 });

    // One key decides the proposal (it leaves the open list and the page says so); u undoes it and it is open again.
    const decideThenUndo = async (key: string, said: string, check: () => Promise<void> = async () => {}) => {
      await page.locator(`.proposal[data-id="${open?.id}"]`).waitFor();
      await page.keyboard.press(key);
      await page.locator('.status', { hasText: said }).waitFor();
      expect(await openProposals()).toHaveLength(0);
      await check();
      await page.keyboard.press('u');
      await page.locator('.status', { hasText: `Undone: ${said.split(':')[0]}` }).waitFor();
      expect((await openProposals()).map((p) => p.id)).toEqual([open?.id]);
    };
    // Space: the same fox, now linked from both devices.
    await decideThenUndo(' ', 'Accepted', async () => {
      const fox = (await api<{ items: (Item & { links: { deviceId: string }[] })[] }>('GET', '/api/individuals?species=Vulpes%20vulpes')).json.items;
      expect(fox).toHaveLength(1);
      expect(new Set(fox[0]?.links.map((l) => l.deviceId))).toEqual(new Set(['trap-a', 'trap-b']));
    });
    // r: not this fox. No other candidate scores high enough, so it stays its own individual.
    await decideThenUndo('r', 'Rejected: no other candidate, kept as a new individual');
    // x: the fox cannot be identified; the proposal closes with its evidence marked.
    await decideThenUndo('x', 'Unidentifiable', async () => {
      expect((await api<{ items: Item[] }>('GET', '/api/proposals?status=unidentifiable')).json.items.map((p) => p.id)).toEqual([open?.id]);
    });
  }, 60_000);

  it('splits a sighting off an individual on its page, renames it and undoes the rename; the audit history shows who did what', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    await page.goto(`${base()}/#/individual/${splitIndividual}`);
    await page.locator('.gallery .sighting').first().waitFor();
    expect(await page.locator('.gallery .sighting').count()).toBe(3);
    await page.locator('.gallery .sighting input[type="checkbox"]').first().check();
    const picked = await page.locator('.gallery .sighting').first().getAttribute('data-id');
    await page.getByRole('button', { name: /Split 1 selected/ }).click();
    await page.locator('.status', { hasText: 'new individual' }).waitFor();
    expect(await page.locator('svg[aria-label="Map of devices"] g.seen').count()).toBe(1);
    const history = page.locator('table.history tr[data-kind="split"]');
    await history.waitFor();
    expect(await history.textContent()).toContain('rev@example.org');
    // Rename, then undo the rename from the history.
    await page.fill('#name', 'Ilves');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.locator('.ind-name', { hasText: 'Ilves' }).waitFor();
    await page.locator('table.history tr[data-kind="rename"]').getByRole('button', { name: 'Undo' }).click();
    await page.locator('.ind-name', { hasText: 'Rusty' }).waitFor();
    expect((await api<{ name: string | null }>('GET', `/api/individuals/${splitIndividual}`)).json.name).toBe('Rusty');
    await page.locator('table.history tr[data-kind="rename"]', { hasText: '(undone)' }).waitFor();

    const lynx = (await api<{ items: Item[] }>('GET', '/api/individuals?species=Lynx%20lynx')).json.items;
    expect(lynx).toHaveLength(2);
    const created = lynx.find((i) => i.id !== splitIndividual);
    const moved = (await api<{ items: Item[] }>('GET', `/api/individuals/${created?.id}/sightings`)).json.items;
    expect(moved.map((x) => x.id)).toEqual([picked]);
    await shot(page, 'console-individual-1280.png', true);

    // Merge the split-off individual back: one lynx again.
    await page.selectOption('#merge', created!.id);
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.locator('.status', { hasText: 'Merged' }).waitFor();
    await expect.poll(async () => (await api<{ items: Item[] }>('GET', '/api/individuals?species=Lynx%20lynx')).json.items.map((i) => i.id)).toEqual([splitIndividual]);
    await page.locator('table.history tr[data-kind="merge"]').waitFor();
  }, 60_000);

  it('lists possible duplicates; a reviewer merges one into the other from its page, the list empties, and two of its sightings are compared by keypoints', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    await page.goto(`${base()}/#/individuals`);
    const pair = page.locator('.duplicates li.pair');
    await pair.first().waitFor();
    expect(await pair.count()).toBe(1);
    expect(await pair.first().innerText()).toMatch(/\(trap-.\) and .*\(trap-.\) · Martes martes · score [01]\.\d\d/);
    await shot(page, 'console-duplicates-1280.png');
    const keep = (await pair.first().getAttribute('data-a')) as string;
    await pair.first().locator(`a[href="#/individual/${keep}"]`).click();
    const similar = page.locator('.similar li');
    await similar.first().waitFor();
    await similar.first().getByRole('button', { name: 'Merge it into this one' }).click();
    await page.locator('.status', { hasText: 'into this one' }).waitFor();
    await page.locator('.history tr[data-kind="merge"]').waitFor();
    await expect.poll(() => page.locator('.similar').count()).toBe(0);
    expect((await api<{ items: unknown[] }>('GET', '/api/individuals/duplicates')).json.items).toEqual([]);
    const martens = (await api<{ items: (Item & { links: { deviceId: string }[] })[] }>('GET', '/api/individuals?species=Martes%20martes')).json.items;
    expect(martens.map((m) => m.id)).toEqual([keep]);
    expect(new Set(martens[0]?.links.map((l) => l.deviceId))).toEqual(new Set(['trap-a', 'trap-b']));

    // Now one individual: tick two of its sightings to draw their matching keypoints.
    const compare = page.locator('.gallery input.compare');
    await expect.poll(() => compare.count()).toBe(2);
    await compare.nth(0).check();
    await compare.nth(1).check();
    const drawn = page.locator('.compare-keypoints g.match');
    await drawn.first().waitFor();
    expect(await drawn.count()).toBeGreaterThanOrEqual(30);
    await shot(page, 'console-individual-compare-1280.png', true);
  }, 60_000);

  it('plots sightings over time, the diel activity and detections per device from the stats API', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    await page.goto(`${base()}/#/plots`);
    await page.locator('.plot.over-time polyline').first().waitFor();
    await page.locator('.plot.diel rect.bar').first().waitFor();
    await page.locator('.plot.per-device rect.bar').first().waitFor();
    await shot(page, 'console-plots-1280.png', true);
    // One diel figure per species seen (fox, badger, lynx).
    expect(await page.locator('.plot.diel figure').count()).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('exports Camtrap DP with progress and downloads a non-empty zip', async () => {
    const page = await newPage();
    await logIn(page, 'rev@example.org');
    await page.goto(`${base()}/#/export`);
    await page.getByRole('button', { name: 'Export Camtrap DP' }).click();
    await page.locator('.export-job progress').waitFor();
    await page.locator('.export-job[data-state="done"]').waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.download').click()]);
    const zip = await readFile(await download.path());
    expect(zip.length).toBeGreaterThan(200);
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from('observations.csv'))).toBe(true);
  }, 60_000);

  it('a viewer sees no action buttons, the hub refuses its state changes (403), and a disabled account is logged out', async () => {
    const inv = await api<{ url: string }>('POST', '/api/invitations', { email: 'view@example.org', role: 'viewer' });
    const page = await acceptInvite(`${base()}${inv.json.url}`, 'Vic Viewer');
    await page.locator('.current-sighting').waitFor();
    await page.getByText('Read only').waitFor();
    expect(await page.getByRole('button', { name: /Confirm species/ }).count()).toBe(0);
    await page.goto(`${base()}/#/identity`);
    await page.locator('.proposal').waitFor();
    expect(await page.getByRole('button', { name: /Same individual/ }).count()).toBe(0);
    await page.keyboard.press(' '); // the shortcut does nothing for a viewer
    expect(await openProposals()).toHaveLength(1);
    await page.goto(`${base()}/#/export`);
    expect(await page.getByRole('button', { name: 'Export Camtrap DP' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);

    // The API itself refuses, even with the session's valid CSRF token.
    const [p] = await openProposals();
    const statuses = await page.evaluate(async (proposalId: string) => {
      const { csrf } = (await (await fetch('/api/auth/me')).json()) as { csrf: string };
      const post = async (path: string, body: unknown) =>
        (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })).status;
      return [await post(`/api/proposals/${proposalId}/accept`, {}), await post('/api/invitations', { email: 'x@example.org', role: 'admin' }), await post('/api/exports', { format: 'camtrap-dp' })];
    }, p!.id);
    expect(statuses).toEqual([403, 403, 403]);

    // The admin disables the account: its session ends, and the console falls back to the login page.
    await adminPage.goto(`${base()}/#/users`);
    const row = adminPage.locator('tr.user[data-email="view@example.org"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    await page.goto(`${base()}/#/individuals`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
  }, 60_000);

  it('serves the console at / without shadowing the API, and explains a missing build', async () => {
    const html = await (await fetch(`${base()}/`)).text();
    expect(html).toContain('<spoor-console>');
    const deep = await fetch(`${base()}/individuals/whatever`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<spoor-console>');
    const missing = await fetch(`${base()}/api/no-such-route`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${base()}/health`)).status).toBe(200);

    const bare = Fastify();
    await consoleRoutes(bare, join(dir, 'no-console-here'));
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:console');
    await bare.close();
  });
});
