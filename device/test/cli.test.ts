import { copyFile, mkdtemp, readdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REJECTED_INPUTS, makeBadInputs } from '../src/ingest/fixtures.js';
import type { ImportSummary } from '../src/cli/import.js';
import type { Sighting } from '../src/store/sightings.js';
import type { Individual } from '../src/store/individuals.js';
import { cli, json, writeBurst } from './helpers.js';

const T0 = Date.parse('2026-06-01T04:00:00Z');
const LEOPARD_BOX = [0.3, 0.35, 0.3, 0.3] as const;

describe('spoor-device import / sightings / individuals (real binary, real models)', () => {
  let inbox: string;
  let data: string;
  let totalFiles: number;
  let first: ImportSummary;

  beforeAll(async () => {
    inbox = await mkdtemp(join(tmpdir(), 'spoor-cli-in-'));
    data = await mkdtemp(join(tmpdir(), 'spoor-cli-data-'));
    const leopard = await writeBurst(inbox, 'a-leopard', { objects: [{ category: 'animal', species: 'Panthera pardus', individual: 1, box: LEOPARD_BOX }], frames: 3, startMs: T0, seed: 1 });
    await writeBurst(inbox, 'b-zebra', { objects: [{ category: 'animal', species: 'Equus quagga', individual: 2, box: [0.1, 0.2, 0.35, 0.4] }], frames: 2, startMs: T0 + 600_000, seed: 2 });
    await writeBurst(inbox, 'c-empty', { objects: [], frames: 2, startMs: T0 + 1_200_000, seed: 3 });
    await writeBurst(inbox, 'd-person', { objects: [{ category: 'person', box: [0.6, 0.2, 0.15, 0.6] }], frames: 1, startMs: T0 + 1_800_000, seed: 4 });
    await copyFile(leopard[0] as string, join(inbox, 'a-leopard-copy.jpg'));
    const bad = await makeBadInputs(inbox);
    const later = new Date(T0 + 3_600_000);
    for (const file of Object.values(bad)) await utimes(file, later, later);
    totalFiles = (await readdir(inbox)).length;
    first = json<ImportSummary>(await cli(['import', inbox, '--data', data, '--json']));
  }, 180_000);

  it('accounts for every file exactly once: capture, duplicate or quarantined with its code', () => {
    expect(first.captures + first.duplicates + first.quarantined.length).toBe(totalFiles);
    expect(first.duplicates).toBe(1);
    const codes = Object.fromEntries(first.quarantined.map((q) => [q.file, q.code]));
    expect(codes).toEqual({
      'empty.jpg': REJECTED_INPUTS.empty,
      'truncated.jpg': REJECTED_INPUTS.truncated,
      'notes.jpg': REJECTED_INPUTS.textAsJpeg,
      'bomb.png': REJECTED_INPUTS.bomb,
      'clip.gif': REJECTED_INPUTS.unsupported,
    });
    for (const q of first.quarantined) expect(q.reason.length).toBeGreaterThan(10);
    // leopard, zebra, empty, person and the odd-but-valid images: five bursts by time.
    expect(first.events).toBe(5);
    // Empty and odd frames see nothing, so only leopard, zebra and person make sightings.
    expect(first.sightings).toBe(3);
  });

  it('lists sightings with detections, taxa and individual decisions', async () => {
    const items = json<Sighting[]>(await cli(['sightings', 'list', '--data', data, '--json']));
    expect(items).toHaveLength(3);
    for (const s of items) expect(Object.keys(s)).toEqual(expect.arrayContaining(['id', 'eventId', 'takenAt', 'detections']));
    const leopard = items.find((s) => s.detections.some((d) => d.taxon?.label === 'Panthera pardus'));
    expect(leopard?.frames).toHaveLength(3);
    const d = leopard?.detections[0];
    expect(d).toMatchObject({ category: 'animal', taxon: { label: 'Panthera pardus', rank: 'species' }, individual: { decision: 'new' } });
    expect(d?.confidence).toBeGreaterThan(0.5);
    d?.bbox.forEach((v, i) => expect(Math.abs(v - (LEOPARD_BOX[i] as number))).toBeLessThan(0.05));
    expect(d?.individual?.id).toMatch(/^[0-9a-f-]{36}$/);
    // All frames of the burst vote for the same individual.
    expect(new Set(leopard?.detections.map((x) => x.individual?.id)).size).toBe(1);
    const person = items.find((s) => s.detections.some((x) => x.category === 'person'));
    expect(person?.detections[0]).toMatchObject({ category: 'person', taxon: null });
    expect(person?.detections[0]).not.toHaveProperty('individual');
  });

  it('reports every file as a duplicate on a second run and creates no sighting', async () => {
    const again = json<ImportSummary>(await cli(['import', inbox, '--data', data, '--json']));
    expect(again).toMatchObject({ captures: 0, duplicates: totalFiles, sightings: 0, quarantined: [] });
    expect(json<Sighting[]>(await cli(['sightings', 'list', '--data', data, '--json']))).toHaveLength(3);
  });

  it('recognises an enrolled individual and proposes a stranger as new', async () => {
    const refs = await mkdtemp(join(tmpdir(), 'spoor-cli-refs-'));
    const refFiles = await writeBurst(refs, 'zed', { objects: [{ category: 'animal', species: 'Equus quagga', individual: 7, box: [0.25, 0.25, 0.4, 0.45] }], frames: 2, startMs: T0, seed: 70 });
    const zed = json<Individual & { used: unknown[] }>(
      await cli(['individuals', 'enroll', '--data', data, '--species', 'Equus quagga', '--name', 'Zed', ...refFiles, '--json']),
    );
    expect(zed).toMatchObject({ species: 'Equus quagga', name: 'Zed', origin: 'enrolled', references: 2 });

    const field = await mkdtemp(join(tmpdir(), 'spoor-cli-field-'));
    await writeBurst(field, 'zed-again', { objects: [{ category: 'animal', species: 'Equus quagga', individual: 7, box: [0.35, 0.3, 0.38, 0.42] }], frames: 3, startMs: T0 + 86_400_000, seed: 71 });
    await writeBurst(field, 'stranger', { objects: [{ category: 'animal', species: 'Equus quagga', individual: 8, box: [0.2, 0.3, 0.4, 0.42] }], frames: 3, startMs: T0 + 90_000_000, seed: 81 });
    const summary = json<ImportSummary>(await cli(['import', field, '--data', data, '--json']));
    expect(summary).toMatchObject({ captures: 6, sightings: 2 });

    const items = json<Sighting[]>(await cli(['sightings', 'list', '--data', data, '--species', 'Equus quagga', '--json']));
    const byName = (name: string) => items.find((s) => s.frames.some((f) => f.originalName.startsWith(name)));
    expect(byName('zed-again')?.individuals[0]).toMatchObject({ decision: 'known', id: zed.id, name: 'Zed' });
    expect(byName('stranger')?.individuals[0]).toMatchObject({ decision: 'new' });
    expect(byName('stranger')?.individuals[0]?.id).not.toBe(zed.id);
  });

  it('renames and deletes individuals', async () => {
    const list = json<Individual[]>(await cli(['individuals', 'list', '--data', data, '--json']));
    const zed = list.find((i) => i.name === 'Zed') as Individual;
    expect(json<Individual>(await cli(['individuals', 'rename', zed.id, 'Zebedee', '--data', data, '--json'])).name).toBe('Zebedee');
    expect(json<{ deleted: string }>(await cli(['individuals', 'delete', zed.id, '--data', data, '--json']))).toEqual({ deleted: zed.id });
    const after = json<Individual[]>(await cli(['individuals', 'list', '--data', data, '--json']));
    expect(after.map((i) => i.id)).not.toContain(zed.id);
    const missing = await cli(['individuals', 'delete', zed.id, '--data', data, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('SPOOR_E_NOT_FOUND');
  });

  it('explains usage mistakes and has --help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('import <dir>');
    const missing = await cli(['import', '/nonexistent/dir', '--data', data, '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });
});
