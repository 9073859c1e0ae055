import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../store/outbox.js';
import { planBatch } from './batch-plan.js';

let seq = 0;
const row = (topic: 'sighting' | 'media', priority: number, bytes: number): OutboxRow => ({
  seq: ++seq,
  topic,
  refId: `${topic}-${seq}`,
  payload: 'x'.repeat(bytes),
  bytes,
  priority,
  createdAt: '',
  sentAt: null,
  attempts: 0,
});
const build = (r: OutboxRow) => (r.payload === 'bad' ? { ok: false as const, reason: 'broken' } : { ok: true as const, kind: r.topic as 'sighting' | 'media', bytes: Buffer.from(r.payload) });
const refs = (p: ReturnType<typeof planBatch>) => p.out.map((o) => o.refId);

describe('planBatch (what one relay batch publishes under the daily budget)', () => {
  it('counts media bytes, never lets them past the budget, and keeps sending sightings that still fit', () => {
    const rows = [row('sighting', 1, 100), row('media', 1, 500), row('sighting', 0, 100), row('media', 0, 500), row('sighting', 0, 100)];
    const p = planBatch(rows, { spent: 0, budget: 750, mediaRoom: 8, build });
    expect(refs(p)).toEqual([rows[0], rows[1], rows[2]].map((r) => r!.refId));
    expect(p).toMatchObject({ overBudget: true, mediaOverBudget: true });
    // Unlimited: everything goes in order.
    expect(refs(planBatch(rows, { spent: 0, budget: 0, mediaRoom: 8, build }))).toEqual(rows.map((r) => r.refId));
  });

  it('lets a priority sighting past the budget but not its media, and caps media to the window', () => {
    const rows = [row('sighting', 1, 300), row('media', 1, 50), row('media', 1, 50), row('media', 1, 50)];
    const over = planBatch(rows, { spent: 1000, budget: 1000, mediaRoom: 8, build });
    expect(refs(over)).toEqual([rows[0]!.refId]);
    expect(over).toMatchObject({ overBudget: false, mediaOverBudget: true });
    expect(refs(planBatch(rows, { spent: 0, budget: 0, mediaRoom: 2, build }))).toEqual([rows[0], rows[1], rows[2]].map((r) => r!.refId));
  });

  it('parks rows that cannot be built and carries on', () => {
    const bad = { ...row('sighting', 0, 1), payload: 'bad' };
    const good = row('sighting', 0, 10);
    const p = planBatch([bad, good], { spent: 0, budget: 0, mediaRoom: 0, build });
    expect(p.parked).toEqual([{ seq: bad.seq, refId: bad.refId, reason: 'broken' }]);
    expect(refs(p)).toEqual([good.refId]);
  });
});
