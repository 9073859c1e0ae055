import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, validateCamtrapPackage, type CamtrapSchemas } from '@spoor/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { Gallery } from '../gallery/gallery.js';
import { DEFAULT_MATCH_SETTINGS } from '../gallery/matching.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, makeSighting, vectorFor } from '../testing/fixtures.js';

/** The Camtrap DP 1.0 table schemas, hand-copied apart from the exporter's own (see `_source` in the fixture). */
const TABLES = JSON.parse(readFileSync(new URL('../../test/fixtures/camtrap-dp-1.0-tables.json', import.meta.url), 'utf8')) as CamtrapSchemas;

/** Validate the written package against the independent copy of the standard's schemas. */
function validatePackage(dir: string): { problems: string[]; observations: Record<string, string>[] } {
  const files = Object.fromEntries(['deployments.csv', 'media.csv', 'observations.csv', 'datapackage.json'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  return { problems: validateCamtrapPackage(files, TABLES), observations: parseCsv(files['observations.csv'] as string).rows };
}

describe('Camtrap DP 1.0 export', () => {
  let dir: string;
  let individualId = '';
  const localA = randomUUID();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-export-'));
    const store = await openStore({ dataDir: dir });
    try {
      await store.devices.add({ deviceId: 'trap-a', fleetId: 'north' });
      const reid = makeReidSighting('trap-a', localA, 'new', vectorFor(5), { species: 'Lynx lynx', takenAt: new Date('2025-06-01T03:00:00.250Z') });
      const fox = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date('2025-06-02T03:00:00Z'), individualId: null });
      const blank = { ...makeSighting('trap-a', { takenAt: new Date('2025-06-03T03:00:00Z') }), detections: [], individuals: [] };
      const person = makeSighting('trap-a', { takenAt: new Date('2025-06-04T03:00:00Z'), individualId: null });
      const pd = person.detections[0];
      if (pd) Object.assign(pd, { category: 'person', label: 'person', taxon: null, top: null });
      (fox.frames[0] as { originalName?: string }).originalName = 'IMG, "night".JPG';
      await store.sightings.upsertMany([reid, fox, blank, person]);
      const gallery = new Gallery({ sql: store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: 'spoor/v1', logger: createLogger('error') });
      await gallery.start();
      const r = await gallery.onCommitted([reid]);
      individualId = (r.outcomes[0] as { individualId: string }).individualId;
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('spoor-hub export camtrap-dp writes a package whose tables validate, with global individual ids', async () => {
    const out = join(dir, 'dp');
    const locations = join(dir, 'locations.json');
    writeFileSync(locations, JSON.stringify({ 'trap-a': { latitude: 61.2, longitude: 14.5, locationName: 'Oak ridge' } }));
    const lines: string[] = [];
    const code = await main(['export', 'camtrap-dp', out, '--data', dir, '--locations', locations, '--json'], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ counts: { deployments: 1, media: 4, observations: 4 }, missingLocations: [] });

    const pkg = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8'));
    expect(pkg.profile).toBe('https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json');
    expect(pkg.resources.map((r: { name: string; schema: string }) => [r.name, r.schema])).toEqual([
      ['deployments', 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/deployments-table-schema.json'],
      ['media', 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/media-table-schema.json'],
      ['observations', 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/observations-table-schema.json'],
    ]);
    expect(pkg.temporal).toEqual({ start: '2025-06-01', end: '2025-06-04' });

    const { problems, observations } = validatePackage(out);
    expect(problems).toEqual([]);
    expect(observations.map((o) => [o.observationType, o.observationLevel, o.scientificName])).toEqual([
      ['animal', 'media', 'Lynx lynx'],
      ['animal', 'media', 'Vulpes vulpes'],
      ['blank', 'event', ''],
      ['human', 'media', ''],
    ]);
    expect(observations[0]?.individualID).toBe(individualId);
    expect(observations[0]?.eventStart).toBe('2025-06-01T03:00:00Z');
    expect(observations[1]?.individualID).toBe('');
  });

  it('the validator catches what the standard forbids (it can fail)', async () => {
    const out = join(dir, 'dp-bad');
    const lines: string[] = [];
    expect(await main(['export', 'camtrap-dp', out, '--data', dir], { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toMatch(/no coordinates for trap-a/);
    const { problems } = validatePackage(out);
    expect(problems).toEqual(['deployments row 2: latitude is required', 'deployments row 2: longitude is required']);
    const obs = readFileSync(join(out, 'observations.csv'), 'utf8').replace(',machine,', ',robot,').replace('2025-06-01T03:00:00Z', '2025-06-01 03:00');
    writeFileSync(join(out, 'observations.csv'), obs);
    const again = validatePackage(out).problems.join('\n');
    expect(again).toMatch(/classificationMethod=robot/);
    expect(again).toMatch(/eventStart=2025-06-01 03:00 is not an ISO 8601 datetime/);
  });
});
