import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import { type BrowserContext, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import { parseCsv, unzipStore, validateCamtrapPackage } from '@spoor/protocol';
import { type DaemonProcess, ROOT, TEST_PANEL_PASSWORD, startDaemonProcess, writeBurst } from './helpers.js';

const SHOTS = join(ROOT, 'docs', 'screenshots');

/** The LAN panel in a real browser (Debian's Chromium) against a real daemon with the bundled test models. */
describe('device panel (real daemon + Chromium)', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let browser: BrowserContext;
  let base: string;
  // The hub's broker stand-in: real aedes, wanting the device id as client id and user name, and its password.
  let aedes: Aedes;
  let broker: Server;
  let brokerPort = 0;
  const HUB_PASSWORD = 'hub secret 42';

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    aedes.authenticate = (client, username, password, done) => {
      if (client.id === 'panel-trap' && username === 'panel-trap' && password?.toString() === HUB_PASSWORD) return done(null, true);
      done(Object.assign(new Error('bad username or password'), { returnCode: 4 as const }), false);
    };
    broker = createServer((sock) => aedes.handle(sock));
    brokerPort = await new Promise<number>((r) => broker.listen(0, '127.0.0.1', () => r((broker.address() as AddressInfo).port)));

    // Build the panel from source so the test never runs against a stale bundle.
    await build({ configFile: join(ROOT, 'device', 'panel', 'vite.config.ts'), logLevel: 'warn' });
    dir = await mkdtemp(join(tmpdir(), 'spoor-panel-'));
    // A board's sensors: one CPU thermal zone and an iio battery channel in millivolts.
    await mkdir(join(dir, 'thermal', 'thermal_zone0'), { recursive: true });
    await writeFile(join(dir, 'thermal', 'thermal_zone0', 'type'), 'CPU-therm\n');
    await writeFile(join(dir, 'thermal', 'thermal_zone0', 'temp'), '47500\n');
    await writeFile(join(dir, 'in_voltage0_raw'), '12480\n');
    const config = join(dir, 'device.yaml');
    await writeFile(
      config,
      [
        'deviceId: panel-trap', 'name: panel-test-trap', 'dataDir: data', 'inbox: inbox', 'http:', '  host: 127.0.0.1', '  port: 0', 'watch:', '  stableMs: 200', '  pollMs: 100', 'pipeline:', '  burstWindowSec: 0.5',
        'health:', '  latencySampleSec: 1', `  thermalDir: ${join(dir, 'thermal')}`, `  batteryVoltageFile: ${join(dir, 'in_voltage0_raw')}`, '  batteryVoltageScale: 0.001', '',
      ].join('\n'),
    );
    daemon = await startDaemonProcess(config);
    base = `http://127.0.0.1:${daemon.port}`;
    // A fresh profile each run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'spoor-chromium-')), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      viewport: { width: 360, height: 740 },
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (daemon && daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
    await new Promise<void>((r) => (broker ? broker.close(() => r()) : r()));
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
  });

  it('sets the password on first visit, shows the status live over a WebSocket, and shows a photo dropped in the watch folder as a boxed sighting', async () => {
    const page = await browser.newPage();
    let statusPolls = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/status') statusPolls++;
    });
    await page.goto(base);
    await page.getByRole('heading', { name: 'Choose the admin password' }).waitFor();
    await page.fill('#pw', TEST_PANEL_PASSWORD);
    await page.fill('#pw2', TEST_PANEL_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();

    await page.getByRole('heading', { name: /panel-test-trap/ }).waitFor();
    await expect.poll(() => page.textContent('td[data-field="Models"]')).toContain('spoor-test-detector');
    // Live: the socket is open, and the sensors configured for this unit are shown.
    await page.locator('.live[data-mode="live"]').waitFor();
    expect(await page.textContent('td[data-field="CPU temperature"]')).toBe('47.5 °C');
    expect(await page.textContent('td[data-field="Battery"]')).toBe('12.48 V');
    expect(await page.textContent('td[data-field="Sightings"]')).toBe('0');

    const photo = await renderScene({ width: 1280, height: 720, seed: 5, format: 'jpeg', objects: [{ category: 'animal', species: 'Giraffa camelopardalis', individual: 3, box: [0.4, 0.2, 0.25, 0.5] }] });
    await writeFile(join(dir, 'inbox', 'IMG_0001.JPG'), photo);
    // The new sighting and the trigger arrive by push: the page never polls while the socket is up.
    await expect.poll(() => page.textContent('td[data-field="Sightings"]'), { timeout: 30_000 }).toBe('1');
    expect(await page.textContent('td[data-field="Last trigger"]')).toMatch(/watch folder/);
    expect(statusPolls).toBe(0);
    expect(await page.locator('.live').getAttribute('data-mode')).toBe('live');
    // Two more photos, a few seconds apart: the latency chart (one point per second with frames here) draws a line.
    for (const seed of [6, 7]) {
      await new Promise((r) => setTimeout(r, 1500));
      await writeFile(join(dir, 'inbox', `IMG_000${seed - 4}.JPG`), await renderScene({ width: 1280, height: 720, seed, format: 'jpeg', objects: [{ category: 'animal', species: 'Giraffa camelopardalis', individual: 3, box: [0.2 + seed / 50, 0.2, 0.25, 0.5] }] }));
    }
    await expect.poll(() => page.textContent('td[data-field="Sightings"]'), { timeout: 30_000 }).toBe('3');
    const points = page.locator('spoor-latency-chart polyline.p50');
    await expect.poll(async () => ((await points.getAttribute('points')) ?? '').split(' ').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    expect(statusPolls).toBe(0);
    expect(await page.textContent('td[data-field="Inference"]')).toMatch(/p50 \d+ ms · p95 \d+ ms/);
    await page.screenshot({ path: join(SHOTS, 'panel-status-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SHOTS, 'panel-status-1280.png') });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('link', { name: 'Sightings' }).click();
    const card = page.locator('article.sighting').first();
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => card.locator('.species').textContent()).toContain('Giraffa camelopardalis');
    // The downscaled photo loads (auth-protected route) and the animal is boxed.
    await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await card.locator('.box').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(SHOTS, 'panel-sightings-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(SHOTS, 'panel-sightings-1280.png') });
    await page.close();
  }, 90_000);

  it('refuses a wrong password, then logs in; saves a threshold to settings.json and refuses an invalid one next to its field', async () => {
    await browser.clearCookies(); // a new visitor: no session
    const page = await browser.newPage();
    await page.goto(`${base}/#settings`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.fill('#pw', 'not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong password.').waitFor();
    await page.fill('#pw', TEST_PANEL_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const accept = page.locator('input[name="/reid/acceptThreshold"]');
    expect(await accept.inputValue()).toBe('0.85');
    await accept.fill('0.9');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved and applied.').waitFor();
    const saved = JSON.parse(await readFile(join(dir, 'data', 'settings.json'), 'utf8')) as { reid?: { acceptThreshold?: number } };
    expect(saved.reid?.acceptThreshold).toBe(0.9);

    // Persisted: a reload shows the saved value.
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.locator('input[name="/reid/acceptThreshold"]').inputValue()).toBe('0.9');

    // Out of the schema's range: refused, with the reason under that field; nothing written.
    await page.locator('input[name="/pipeline/minDetectionConfidence"]').fill('1.5');
    await page.getByRole('button', { name: 'Save' }).click();
    const err = page.locator('.field[data-path="/pipeline/minDetectionConfidence"] .error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/less or equal to 1/);
    expect(await page.locator('.field[data-path="/reid/acceptThreshold"] .error').count()).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'data', 'settings.json'), 'utf8'))).toEqual(saved);
    await page.screenshot({ path: join(SHOTS, 'panel-settings-error-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SHOTS, 'panel-settings-1280.png') });
    await page.close();
  }, 90_000);

  it('enrolls an individual from photos, renames it and deletes it', async () => {
    const page = await browser.newPage(); // still logged in from the test before
    await page.goto(`${base}/#individuals`);
    await page.getByRole('heading', { name: 'Individuals' }).waitFor();
    const photos = await Promise.all(
      [11, 12].map((seed) => renderScene({ width: 960, height: 540, seed, format: 'jpeg', objects: [{ category: 'animal', species: 'Panthera pardus', individual: 8, box: [0.3, 0.25, 0.35, 0.5] }] })),
    );
    await page.fill('#species', 'Panthera pardus');
    await page.fill('#name', 'Chui');
    await page.setInputFiles('#photos', photos.map((buffer, i) => ({ name: `chui-${i}.jpg`, mimeType: 'image/jpeg', buffer })));
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.getByText('Enrolled Chui').waitFor({ timeout: 30_000 });
    const row = page.locator('li.individual', { hasText: 'Chui' });
    await expect.poll(() => row.locator('.hint').textContent()).toMatch(/enrolled · [1-9]\d* reference/);
    await page.screenshot({ path: join(SHOTS, 'panel-individuals-360.png'), fullPage: true });

    await row.locator('input').fill('Chui the elder');
    await row.getByRole('button', { name: 'Rename' }).click();
    await page.locator('li.individual .name', { hasText: 'Chui the elder' }).waitFor();

    const renamed = page.locator('li.individual', { hasText: 'Chui the elder' });
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await renamed.getByRole('button', { name: 'Really delete' }).click();
    // Gone from the list (the giraffe sighted earlier stays).
    await expect.poll(() => page.locator('li.individual', { hasText: 'Chui' }).count()).toBe(0);
    expect(await page.locator('li.individual', { hasText: 'Giraffa camelopardalis' }).count()).toBe(1);
    await page.close();
  }, 90_000);

  it('opens a sighting to show every frame of the burst with its boxes and labels', async () => {
    const page = await browser.newPage(); // logged in from the tests before
    await page.goto(`${base}/#sightings`);
    await page.getByRole('heading', { name: 'Sightings' }).waitFor();
    const lynx = [{ category: 'animal' as const, species: 'Lynx lynx', individual: 2, box: [0.3, 0.3, 0.3, 0.4] as [number, number, number, number] }];
    await writeBurst(join(dir, 'inbox'), 'BURST', { objects: lynx, frames: 3, startMs: Date.parse('2026-03-01T02:00:00Z'), gapSec: 0.2, seed: 31, width: 1280, height: 720 });
    const card = page.locator('article.sighting', { hasText: '3 frames' });
    await card.waitFor({ timeout: 60_000 });
    await card.locator('a.open').click();
    await expect.poll(() => page.locator('figure.frame').count(), { timeout: 15_000 }).toBe(3);
    for (const frame of await page.locator('figure.frame').all()) {
      expect(await frame.locator('.box').count()).toBeGreaterThanOrEqual(1);
      expect(await frame.locator('li.detection').first().textContent()).toMatch(/animal, \d+%/);
      await expect.poll(() => frame.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    expect(await page.locator('h2').textContent()).toContain('Lynx lynx');
    expect(await page.locator('figcaption').first().textContent()).toContain('Frame 1 of 3');
    await page.screenshot({ path: join(SHOTS, 'panel-sighting-detail-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SHOTS, 'panel-sighting-detail-1280.png') });
    await page.getByRole('link', { name: '← All sightings' }).click();
    await page.getByRole('heading', { name: 'Sightings' }).waitFor();
    await page.close();
  }, 120_000);

  it('edits the deployment (Camtrap DP fields): refuses latitude 123 at the field, saves valid ones live', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const section = page.locator('#section-deployment');
    await section.waitFor();
    const field = (path: string) => page.locator(`[name="/deployment/${path}"]`);
    await field('latitude').fill('123');
    await field('longitude').fill('36.82');
    await page.getByRole('button', { name: 'Save' }).click();
    const err = page.locator('.field[data-path="/deployment/latitude"] .error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/less or equal to 90/);
    await page.locator('.field[data-path="/deployment/latitude"]').screenshot({ path: join(SHOTS, 'panel-settings-latitude-error-360.png') });
    expect(JSON.parse(await readFile(join(dir, 'data', 'settings.json'), 'utf8')).deployment).toBeUndefined();

    await field('latitude').fill('-1.2921');
    await field('cameraHeading').fill('270');
    await field('cameraTilt').fill('-10');
    await field('cameraHeight').fill('0.8');
    await field('locationName').fill('Nairobi NP, south gate');
    await field('setupBy').fill('Wanjiru K.');
    await field('deploymentStart').fill('2026-02-01T08:00:00+03:00');
    await field('featureType').selectOption('trailGame');
    await field('baitUse').selectOption('false');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved and applied.').waitFor();
    const saved = JSON.parse(await readFile(join(dir, 'data', 'settings.json'), 'utf8')) as { deployment: Record<string, unknown> };
    expect(saved.deployment).toMatchObject({ latitude: -1.2921, longitude: 36.82, cameraHeading: 270, cameraTilt: -10, cameraHeight: 0.8, featureType: 'trailGame', baitUse: false, setupBy: 'Wanjiru K.' });
    await page.reload();
    await section.waitFor();
    expect(await field('latitude').inputValue()).toBe('-1.2921');
    expect(await field('baitUse').inputValue()).toBe('false');
    await section.screenshot({ path: join(SHOTS, 'panel-settings-deployment-360.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await section.screenshot({ path: join(SHOTS, 'panel-settings-deployment-1280.png') });
    await page.close();
  }, 90_000);

  it('Tools: tests the uplink (ok, then auth failed), takes a test shot, downloads a backup and a Camtrap DP export that validate, and restarts to apply the uplink', async () => {
    const page = await browser.newPage();
    const settingsPage = async (change: Record<string, string>) => {
      await page.goto(`${base}/#settings`);
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      for (const [path, value] of Object.entries(change)) await page.locator(`[name="${path}"]`).fill(value);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved. Some changes take effect after a restart.').waitFor();
    };
    const uplink = async (): Promise<string> => {
      await page.goto(`${base}/#tools`);
      await page.getByRole('button', { name: 'Test uplink' }).click();
      const result = page.locator('.uplink-result');
      await result.waitFor({ timeout: 30_000 });
      return (await result.getAttribute('data-outcome')) ?? '';
    };

    // Saved but not yet running (sync starts at the next restart): the test uses the saved settings.
    await settingsPage({ '/cloud/mqttUrl': `mqtt://127.0.0.1:${brokerPort}`, '/cloud/username': 'panel-trap', '/cloud/password': HUB_PASSWORD });
    expect(await uplink()).toBe('ok');
    expect(await page.locator('.uplink-result').textContent()).toMatch(/OK · round trip \d+ ms/);
    await settingsPage({ '/cloud/password': 'not the hub password' });
    expect(await uplink()).toBe('auth');
    expect(await page.locator('.uplink-result').textContent()).toMatch(/Authentication failed[\s\S]*credentials/);
    await settingsPage({ '/cloud/password': HUB_PASSWORD });
    expect(await uplink()).toBe('ok');

    // Test shot: the bundled sample goes through the watch folder and the models.
    await page.getByRole('button', { name: 'Take test shot' }).click();
    const shot = page.locator('.shot-result');
    await expect.poll(() => shot.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await shot.textContent()).toMatch(/Seen: Giraffa camelopardalis \d+%/);
    await page.screenshot({ path: join(SHOTS, 'panel-tools-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(SHOTS, 'panel-tools-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });

    const download = async (name: RegExp) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
      const file = join(dir, dl.suggestedFilename());
      await dl.saveAs(file);
      return file;
    };
    // A consistent SQLite backup with every sighting so far.
    const db = new Database(await download(/Database backup/), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT count(*) AS n FROM sightings').get() as { n: number }).n).toBeGreaterThanOrEqual(2);
    db.close();
    // Camtrap DP: validates against the standard's tables, with the deployment from Settings.
    const zip = unzipStore(await readFile(await download(/Camtrap DP/)));
    const files = Object.fromEntries(Object.entries(zip).map(([k, v]) => [k, v.toString('utf8')]));
    expect(Object.keys(files).sort()).toEqual(['datapackage.json', 'deployments.csv', 'media.csv', 'observations.csv']);
    expect(validateCamtrapPackage(files)).toEqual([]);
    expect(parseCsv(files['deployments.csv'] ?? '').rows).toEqual([expect.objectContaining({ deploymentID: 'panel-trap', latitude: '-1.2921', longitude: '36.82', cameraHeading: '270', featureType: 'trailGame', baitUse: 'false' })]);
    expect(parseCsv(files['observations.csv'] ?? '').rows.map((o) => o.scientificName)).toEqual(expect.arrayContaining(['Giraffa camelopardalis', 'Lynx lynx']));
    // Logs: recent lines, with the hub password nowhere in them.
    const logs = await readFile(await download(/Recent logs/), 'utf8');
    expect(logs).toMatch(/"msg":"uplink test"/);
    expect(logs).not.toContain(HUB_PASSWORD);

    // Restart: the daemon restarts its parts in-process on the same port; sync starts with the saved uplink.
    // A status page open meanwhile loses its socket, polls, and reconnects by itself.
    const watcher = await browser.newPage();
    let polls = 0;
    watcher.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/status') polls++;
    });
    await watcher.goto(`${base}/#status`);
    await watcher.locator('.live[data-mode="live"]').waitFor();
    await page.getByRole('button', { name: 'Restart the unit' }).click();
    await Promise.all([page.waitForEvent('load', { timeout: 90_000 }), page.getByRole('button', { name: 'Really restart now' }).click()]);
    expect(await watcher.locator('.live').getAttribute('data-mode')).not.toBe('connecting');
    // Still logged in (sessions outlive the in-process restart): the Tools page is back.
    await page.getByRole('heading', { name: 'Tools' }).waitFor();
    expect(daemon.stderr()).toMatch(/"msg":"restarted"/);
    await watcher.locator('.live[data-mode="live"]').waitFor({ timeout: 60_000 });
    expect(polls).toBeGreaterThan(0);
    await expect.poll(() => watcher.textContent('td[data-field="Uplink"]'), { timeout: 30_000 }).toMatch(/^connected/);
    await watcher.close();
    // With sync connected, the uplink test reports the live link and leaves it alone (same client id).
    const connections = aedes.connectedClients;
    expect(await uplink()).toBe('ok');
    expect(await page.locator('.uplink-result').textContent()).toMatch(/sync link is connected/);
    expect(aedes.connectedClients).toBe(connections);
    await page.goto(`${base}/#status`);
    await expect.poll(() => page.textContent('td[data-field="Uplink"]'), { timeout: 30_000 }).toMatch(/^connected/);
    expect(daemon.child.exitCode).toBeNull();
    await page.goto(`${base}/#settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.locator('.pending').count()).toBe(0);
    await page.close();
  }, 240_000);
});
