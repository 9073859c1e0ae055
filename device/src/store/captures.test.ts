import { describe, expect, it } from 'vitest';
import { CaptureStore } from './captures.js';
import { openDb } from './db.js';

const base = { bytes: 10, source: 'import' as const, takenAtSource: 'exif' as const, width: 10, height: 10, format: 'jpeg' };
const capture = (n: number, takenAt: string, cameraId: string | null = 'cam1') => ({ ...base, sha256: `sha${n}`, blobPath: `/b/${n}`, originalName: `${n}.jpg`, takenAt, cameraId });

describe('CaptureStore', () => {
  it('groups captures of one camera within the burst window into one event', () => {
    const db = openDb(':memory:');
    const store = new CaptureStore(db, () => 60);
    const a = store.insertCapture(capture(1, '2026-05-01T10:00:00.000Z'));
    const b = store.insertCapture(capture(2, '2026-05-01T10:00:30.000Z'));
    const c = store.insertCapture(capture(3, '2026-05-01T10:01:20.000Z'));
    const d = store.insertCapture(capture(4, '2026-05-01T10:05:00.000Z'));
    const other = store.insertCapture(capture(5, '2026-05-01T10:00:10.000Z', 'cam2'));
    expect(b.eventId).toBe(a.eventId);
    expect(c.eventId).toBe(a.eventId); // chained: within 60 s of the previous frame
    expect(d.eventId).not.toBe(a.eventId);
    expect(other.eventId).not.toBe(a.eventId);
    expect(store.findBySha('sha2')).toEqual(b);
  });

  it('completes a capture once; a second completion (a replay after a crash) writes nothing', () => {
    const db = openDb(':memory:');
    const store = new CaptureStore(db, () => 60);
    const { id } = store.insertCapture(capture(1, '2026-05-01T10:00:00.000Z'));
    const det = { category: 'animal', label: 'animal', bbox: [0.1, 0.1, 0.2, 0.2] as const, confidence: 0.9, taxon: null, top: null, embedding: new Float32Array([1, 0]) };
    expect(store.completeCapture(id, [det])).toBe(true);
    expect(store.completeCapture(id, [det])).toBe(false);
    expect((db.prepare('SELECT count(*) AS n FROM detections').get() as { n: number }).n).toBe(1);
    expect(store.pending()).toEqual([]);
  });

  it('closes an event only after the burst window has passed with nothing pending', () => {
    let now = 1_000_000;
    const db = openDb(':memory:');
    const store = new CaptureStore(db, () => 60, () => now);
    const { id, eventId } = store.insertCapture(capture(1, '2026-05-01T10:00:00.000Z'));
    now += 61_000;
    expect(store.closableEvents(false)).toEqual([]); // still pending
    store.completeCapture(id, []);
    expect(store.closableEvents(false)).toEqual([eventId]);
    now -= 30_000;
    expect(store.closableEvents(false)).toEqual([]);
    expect(store.closableEvents(true)).toEqual([eventId]);
  });
});
