import { describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.js';
import { OutboxStore } from './outbox.js';

function row(db: Db, ref: string, priority: number, bytes = 100, topic = 'sighting'): void {
  db.prepare('INSERT INTO outbox (topic, ref_id, payload, bytes, priority, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(topic, ref, '{}', bytes, priority, new Date().toISOString());
}

/** A media row as MediaMaker writes it: listed in sync_media, its bytes in the outbox. */
function mediaRow(db: Db, ref: string, priority: number, bytes = 100): void {
  row(db, ref, priority, bytes, 'media');
  db.prepare(`INSERT INTO sync_media (id, sighting_id, capture_id, kind, detection_idx, width, height, bytes, sha256, created_at) VALUES (?, 's', 'c', 'crop', 0, 1, 1, ?, '', '')`).run(ref, bytes);
}

describe('OutboxStore', () => {
  it('hands out rows by priority, then age, and skips rows awaiting a receipt until they time out', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    for (const [ref, p] of [['a', 0], ['b', 1], ['c', 0], ['d', 1]] as const) row(db, ref, p);
    expect(box.nextBatch(10, { excludeInFlight: true }).map((r) => r.refId)).toEqual(['b', 'd', 'a', 'c']);
    const [b, d] = box.nextBatch(2, { excludeInFlight: true });
    box.markSent([b?.seq ?? 0, d?.seq ?? 0], '2026-05-01T10:00:00.000Z');
    expect(box.nextBatch(10, { excludeInFlight: true, resendBefore: '2026-05-01T09:59:00.000Z' }).map((r) => r.refId)).toEqual(['a', 'c']);
    expect(box.inFlight('2026-05-01T09:59:00.000Z')).toBe(2);
    // A minute later without a receipt they are due again, with their attempt counted.
    const due = box.nextBatch(10, { excludeInFlight: true, resendBefore: '2026-05-01T10:00:00.000Z' });
    expect(due.map((r) => [r.refId, r.attempts])).toEqual([['b', 1], ['d', 1], ['a', 0], ['c', 0]]);
    expect(box.nextBatch(10, { excludeInFlight: true, minPriority: 1, resendBefore: '2026-05-01T10:00:00.000Z' }).map((r) => r.refId)).toEqual(['b', 'd']);
  });

  it('deletes rows only by the ids of a receipt', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    row(db, 'a', 0);
    row(db, 'b', 0);
    expect(box.ackByRefIds(['b', 'unknown'])).toBe(1);
    expect(box.nextBatch(10, { excludeInFlight: false }).map((r) => r.refId)).toEqual(['a']);
    expect(box.depth()).toBe(1);
  });

  it('drops for the quota lowest priority first, then oldest, and never a priority row while a plain one is left', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    row(db, 'p1-old', 1);
    row(db, 'p0-old', 0);
    row(db, 'p2', 2);
    row(db, 'p0-new', 0);
    row(db, 'p1-new', 1);
    expect(box.bytes()).toBe(500);
    expect(box.enforceQuota(500)).toEqual([]);
    expect(box.enforceQuota(250).map((d) => d.refId)).toEqual(['p0-old', 'p0-new', 'p1-old']);
    expect(box.nextBatch(10, { excludeInFlight: false }).map((r) => r.refId)).toEqual(['p2', 'p1-new']);
    expect(box.enforceQuota(0).map((d) => d.refId)).toEqual(['p1-new', 'p2']);
  });

  it('hands out media after every sighting of the same priority, and can keep to one topic', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    row(db, 's0-old', 0);
    mediaRow(db, 'm0-old', 0);
    mediaRow(db, 'm1', 1);
    row(db, 's1', 1);
    row(db, 's0-new', 0);
    mediaRow(db, 'm0-new', 0);
    expect(box.nextBatch(10, { excludeInFlight: true }).map((r) => r.refId)).toEqual(['s1', 'm1', 's0-old', 's0-new', 'm0-old', 'm0-new']);
    expect(box.nextBatch(10, { excludeInFlight: true, topic: 'sighting' }).map((r) => r.refId)).toEqual(['s1', 's0-old', 's0-new']);
    const [m1] = box.nextBatch(1, { excludeInFlight: true, topic: 'media' });
    expect(m1?.refId).toBe('m1');
    box.markSent([m1?.seq ?? 0], '2026-05-01T10:00:00.000Z');
    expect(box.inFlight('2026-05-01T09:59:00.000Z', 'media')).toBe(1);
    expect(box.inFlight('2026-05-01T09:59:00.000Z', 'sighting')).toBe(0);
    // A receipt names media ids the same way as sighting ids.
    expect(box.ackByRefIds(['m1', 's1'])).toBe(2);
  });

  it('drops media for the quota before any sighting (even a priority one), and unlists them', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    row(db, 's0', 0);
    mediaRow(db, 'm1', 1, 300);
    mediaRow(db, 'm0', 0, 300);
    row(db, 's1', 1);
    expect(box.enforceQuota(500).map((d) => [d.topic, d.refId])).toEqual([['media', 'm0']]);
    expect(box.enforceQuota(200).map((d) => [d.topic, d.refId])).toEqual([['media', 'm1']]);
    expect((db.prepare('SELECT count(*) AS n FROM sync_media').get() as { n: number }).n).toBe(0);
    expect(box.enforceQuota(100).map((d) => d.refId)).toEqual(['s0']);
  });

  it('parks a row out of rotation and keeps a per-day byte ledger', () => {
    const db = openDb(':memory:');
    const box = new OutboxStore(db);
    row(db, 'a', 0);
    const [a] = box.nextBatch(1, { excludeInFlight: true });
    box.park(a?.seq ?? 0, '/detections/0/category: bad');
    expect(box.nextBatch(10, { excludeInFlight: false })).toEqual([]);
    expect(box.parked()).toEqual([{ seq: a?.seq, refId: 'a', reason: '/detections/0/category: bad' }]);
    box.addSent('2026-05-01', 1000);
    box.addSent('2026-05-01', 500);
    expect(box.sentOn('2026-05-01')).toBe(1500);
    expect(box.sentOn('2026-05-02')).toBe(0);
  });
});
