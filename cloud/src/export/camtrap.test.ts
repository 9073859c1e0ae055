import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { Gallery } from '../gallery/gallery.js';
import { DEFAULT_MATCH_SETTINGS } from '../gallery/matching.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../system/logger.js';
import { makeReidSighting, makeSighting, vectorFor } from '../testing/fixtures.js';

interface Field {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'object';
  required?: boolean;
  unique?: boolean;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  pattern?: string;
  foreignKey?: string;
}
type Tables = Record<'deployments' | 'media' | 'observations', Field[]>;

/** The Camtrap DP 1.0 table schemas, hand-copied (see `_source` in the fixture). */
const TABLES = JSON.parse(readFileSync(new URL('../../test/fixtures/camtrap-dp-1.0-tables.json', import.meta.url), 'utf8')) as Tables;

/** RFC 4180 CSV → header + rows of strings. */
function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rest] = records;
  return { header, rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$/;

/** Problems of one table against its schema: columns, required, types, ranges, enums, uniqueness. */
function validate(table: keyof Tables, text: string, keys: Record<string, Set<string>>): string[] {
  const fields = TABLES[table];
  const { header, rows } = parseCsv(text);
  const problems: string[] = [];
  if (JSON.stringify(header) !== JSON.stringify(fields.map((f) => f.name))) problems.push(`${table}: columns ${header.join(',')} are not the standard's`);
  rows.forEach((row, n) => {
    const where = `${table} row ${n + 2}`;
    for (const f of fields) {
      const v = row[f.name] ?? '';
      if (v === '') {
        if (f.required) problems.push(`${where}: ${f.name} is required`);
        continue;
      }
      if (f.type === 'number' || f.type === 'integer') {
        const x = Number(v);
        if (!Number.isFinite(x) || (f.type === 'integer' && !Number.isInteger(x))) problems.push(`${where}: ${f.name}=${v} is not a ${f.type}`);
        if (f.minimum !== undefined && x < f.minimum) problems.push(`${where}: ${f.name}=${v} < ${f.minimum}`);
        if (f.maximum !== undefined && x > f.maximum) problems.push(`${where}: ${f.name}=${v} > ${f.maximum}`);
      }
      if (f.type === 'boolean' && !['true', 'false'].includes(v)) problems.push(`${where}: ${f.name}=${v} is not a boolean`);
      if (f.type === 'datetime' && (!DATETIME.test(v) || Number.isNaN(Date.parse(v)))) problems.push(`${where}: ${f.name}=${v} is not an ISO 8601 datetime`);
      if (f.type === 'object') {
        try {
          JSON.parse(v);
        } catch {
          problems.push(`${where}: ${f.name} is not JSON`);
        }
      }
      if (f.enum && !f.enum.includes(v)) problems.push(`${where}: ${f.name}=${v} is not one of ${f.enum.join('|')}`);
      if (f.pattern && !new RegExp(f.pattern).test(v)) problems.push(`${where}: ${f.name}=${v} does not match ${f.pattern}`);
      if (f.foreignKey && !keys[f.foreignKey]?.has(v)) problems.push(`${where}: ${f.name}=${v} is not in ${f.foreignKey}`);
      if (f.unique) {
        const k = `${table}.${f.name}`;
        const seen = (keys[k] ??= new Set());
        if (seen.has(v)) problems.push(`${where}: ${f.name}=${v} is not unique`);
        seen.add(v);
      }
    }
    if (table === 'observations' && Date.parse(row.eventStart ?? '') > Date.parse(row.eventEnd ?? '')) problems.push(`${where}: eventStart after eventEnd`);
  });
  return problems;
}

function validatePackage(dir: string): { problems: string[]; observations: Record<string, string>[] } {
  const keys: Record<string, Set<string>> = {};
  const problems: string[] = [];
  for (const t of ['deployments', 'media', 'observations'] as const) problems.push(...validate(t, readFileSync(join(dir, `${t}.csv`), 'utf8'), keys));
  // Foreign keys point at tables validated earlier; media.mediaID is collected for observations.
  return { problems, observations: parseCsv(readFileSync(join(dir, 'observations.csv'), 'utf8')).rows };
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
