import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseCsv, validateCamtrapPackage } from '@spoor/protocol';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { openDb } from '../store/db.js';
import { backupDb } from './backup.js';
import { buildDeviceCamtrap, camtrapZip } from './camtrap.js';
import { unzipStore } from '@spoor/protocol';

describe('device exports', () => {
  it('exports the local sightings as a Camtrap DP package that validates, with the deployment settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-export-'));
    const db = openDb(join(dir, 'spoor.db'));
    const body = {
      id: '0190a0b0-0000-7000-8000-000000000001', eventId: '0190a0b0-0000-7000-8000-0000000000e1', deviceId: 'trap-9', cameraId: null,
      takenAt: '2026-02-01T03:00:00.000Z', endAt: '2026-02-01T03:00:02.000Z',
      frames: [{ captureId: 'c1', takenAt: '2026-02-01T03:00:00.000Z', sha256: 'x', originalName: 'IMG_1.JPG', width: 10, height: 10 }],
      detections: [{ captureId: 'c1', category: 'animal', label: 'animal', bbox: [0.1, 0.1, 0.2, 0.2], confidence: 0.9, taxon: { label: 'Panthera pardus', rank: 'species', p: 0.7 }, top: null, individual: { id: 'local-1', name: 'Chui', decision: 'new', score: 0.2 } }],
      individuals: [],
    };
    db.prepare('INSERT INTO events (id, camera_id, start_at, end_at, last_ingest_ms) VALUES (?, NULL, ?, ?, 0)').run(body.eventId, body.takenAt, body.endAt);
    db.prepare('INSERT INTO sightings (id, event_id, camera_id, taken_at, created_at, body) VALUES (?, ?, NULL, ?, ?, ?)').run(body.id, body.eventId, body.takenAt, '2026-02-01T03:01:00.000Z', JSON.stringify(body));
    const config = parseConfig({ dataDir: dir, inbox: join(dir, 'inbox'), deviceId: 'trap-9', deployment: { latitude: -1.29, longitude: 36.82, cameraHeading: 90, locationName: 'Nairobi NP gate', baitUse: false } });
    const pkg = buildDeviceCamtrap(db, config);
    const files = Object.fromEntries(Object.entries(unzipStore(camtrapZip(pkg))).map(([k, v]) => [k, v.toString('utf8')]));
    expect(validateCamtrapPackage(files)).toEqual([]);
    expect(parseCsv(files['deployments.csv'] ?? '').rows[0]).toMatchObject({ deploymentID: 'trap-9', latitude: '-1.29', cameraHeading: '90', locationName: 'Nairobi NP gate', baitUse: 'false' });
    expect(parseCsv(files['observations.csv'] ?? '').rows[0]).toMatchObject({ individualID: 'local-1', scientificName: 'Panthera pardus', classificationTimestamp: '2026-02-01T03:01:00Z' });

    // Without coordinates the export says so, and the validator agrees.
    const bare = buildDeviceCamtrap(db, parseConfig({ dataDir: dir, inbox: dir, deviceId: 'trap-9' }));
    expect(bare.missingLocations).toEqual(['trap-9']);
    expect(validateCamtrapPackage(bare.files)).toContain('deployments row 2: latitude is required');

    // A consistent backup: a valid SQLite file with the same sighting.
    const { stream, bytes } = await backupDb(db, dir);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const copy = join(dir, 'copy.db');
    await writeFile(copy, Buffer.concat(chunks));
    expect((await readFile(copy)).length).toBe(bytes);
    const check = new Database(copy, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare('SELECT id FROM sightings').all()).toEqual([{ id: body.id }]);
    check.close();
    db.close();
  });
});
