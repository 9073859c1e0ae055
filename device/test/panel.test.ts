import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '@spoor/models/testing';
import { type DaemonProcess, ROOT, TEST_PANEL_PASSWORD, startDaemonProcess } from './helpers.js';

const SHOTS = join(ROOT, 'docs', 'screenshots');

/** The LAN panel in a real browser (Debian's Chromium) against a real daemon with the bundled test models. */
describe('device panel (real daemon + Chromium)', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let browser: BrowserContext;
  let base: string;

  beforeAll(async () => {
    // Build the panel from source so the test never runs against a stale bundle.
    await build({ configFile: join(ROOT, 'device', 'panel', 'vite.config.ts'), logLevel: 'warn' });
    dir = await mkdtemp(join(tmpdir(), 'spoor-panel-'));
    const config = join(dir, 'device.yaml');
    await writeFile(
      config,
      ['name: panel-test-trap', 'dataDir: data', 'inbox: inbox', 'http:', '  host: 127.0.0.1', '  port: 0', 'watch:', '  stableMs: 200', '  pollMs: 100', 'pipeline:', '  burstWindowSec: 0.5', ''].join('\n'),
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
  });

  it('sets the password on first visit, shows the status, and shows a photo dropped in the watch folder as a boxed sighting', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByRole('heading', { name: 'Choose the admin password' }).waitFor();
    await page.fill('#pw', TEST_PANEL_PASSWORD);
    await page.fill('#pw2', TEST_PANEL_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();

    await page.getByRole('heading', { name: /panel-test-trap/ }).waitFor();
    await expect.poll(() => page.textContent('td[data-field="Models"]')).toContain('spoor-test-detector');
    await page.screenshot({ path: join(SHOTS, 'panel-status-360.png'), fullPage: true });

    const photo = await renderScene({ width: 1280, height: 720, seed: 5, format: 'jpeg', objects: [{ category: 'animal', species: 'Giraffa camelopardalis', individual: 3, box: [0.4, 0.2, 0.25, 0.5] }] });
    await writeFile(join(dir, 'inbox', 'IMG_0001.JPG'), photo);
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
});
