import type { OutboxRow } from '../store/outbox.js';
import type { Outgoing } from './outgoing.js';

export interface PlannedPublish {
  seq: number;
  refId: string;
  topic: 'sighting' | 'media';
  bytes: Buffer;
}

export interface BatchPlan {
  /** What to publish now, in order. */
  out: PlannedPublish[];
  /** Rows whose payload breaks the wire contract (a bug): park them, never send. */
  parked: { seq: number; refId: string; reason: string }[];
  /** A sighting did not fit the day's budget: from now on only priority sightings go. */
  overBudget: boolean;
  /** A media row did not fit the day's budget: no more pixels today. */
  mediaOverBudget: boolean;
}

/**
 * Pick what one batch publishes under the daily byte budget (`budget` 0 = unlimited).
 * `rows` come ordered as `OutboxStore.nextBatch` hands them out: priority first, within a
 * priority every sighting before any media. Media always count and never go over the
 * budget; a plain sighting that does not fit ends the batch; a priority sighting goes even
 * past the budget. At most `mediaRoom` media rows are taken (the in-flight window for pixels).
 */
export function planBatch(rows: readonly OutboxRow[], opts: { spent: number; budget: number; mediaRoom: number; build: (row: OutboxRow) => Outgoing }): BatchPlan {
  const plan: BatchPlan = { out: [], parked: [], overBudget: false, mediaOverBudget: false };
  let spent = opts.spent;
  let mediaRoom = opts.mediaRoom;
  for (const row of rows) {
    const media = row.topic === 'media';
    if (media && (mediaRoom <= 0 || plan.mediaOverBudget)) continue;
    const built = opts.build(row);
    if (!built.ok) {
      plan.parked.push({ seq: row.seq, refId: row.refId, reason: built.reason });
      continue;
    }
    const size = built.bytes.byteLength;
    if (opts.budget > 0 && (media || row.priority <= 0) && spent + size > opts.budget) {
      if (media) {
        plan.mediaOverBudget = true;
        continue; // sightings later in the batch may still fit
      }
      plan.overBudget = true;
      break; // the rest of the batch has no higher priority (ordered priority DESC)
    }
    if (media) mediaRoom--;
    spent += size;
    plan.out.push({ seq: row.seq, refId: row.refId, topic: built.kind, bytes: built.bytes });
  }
  return plan;
}
