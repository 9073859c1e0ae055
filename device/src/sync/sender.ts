import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import type { OutboxStore } from '../store/outbox.js';
import { planBatch } from './batch-plan.js';
import { outgoingOf } from './outgoing.js';
import type { EmbeddingLookup } from './payload.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const utcDay = (ms: number): string => iso(ms).slice(0, 10);
/** Media messages (crops, frames: tens to hundreds of KB) awaiting a receipt at once. */
const MEDIA_WINDOW = 8;

export interface SenderDeps {
  db: Db;
  outbox: OutboxStore;
  log: Logger;
  clock: () => number;
  /** Read on every drain: a config push that changes the bandwidth or the budget applies at once. */
  settings: () => ResolvedConfig['sync'];
  embeddings: EmbeddingLookup;
  mediaIds: (sightingId: string) => string[];
  topics: { sighting: string; media: string };
  /** Rows per batch (default 50) and in flight at once (default 200). */
  batch?: number | undefined;
  window?: number | undefined;
}

/**
 * The sending half of the relay: publishes due outbox rows at QoS 1 within the in-flight
 * window and the daily byte budget, and remembers what this connection published and the
 * broker has not acknowledged yet, so a reconnect sends those first.
 */
export class OutboxSender {
  /** Published on this connection, PUBACK not yet seen. */
  private readonly unacked = new Set<number>();
  private exhaustedDay: string | null = null;
  /** A media message did not fit the day's budget: no more pixels until the UTC day rolls over. */
  private mediaExhaustedDay: string | null = null;

  constructor(private readonly deps: SenderDeps) {}

  /** The day's budget is spent: only priority sightings go. */
  budgetExhausted(day: string): boolean {
    return this.exhaustedDay === day;
  }

  /** The connection is gone: what it published without a PUBACK is due again. */
  release(): void {
    if (this.unacked.size === 0) return;
    this.deps.outbox.unmarkSent([...this.unacked]);
    this.unacked.clear();
  }

  /**
   * Publish due rows until the in-flight window is full, the outbox is empty, or the budget
   * stops it (see `planBatch`). In `metadata` mode media rows stay in the outbox, unsent.
   * `client()` is the connected client, or null once the connection is gone.
   */
  drain(client: () => MqttClient | null): void {
    const { db, outbox, log } = this.deps;
    const { receiptTimeoutSec, dailyBudgetBytes, bandwidth } = this.deps.settings();
    const batchSize = this.deps.batch ?? 50;
    const window = this.deps.window ?? 200;
    for (;;) {
      const c = client();
      if (!c) return;
      const now = this.deps.clock();
      const day = utcDay(now);
      const resendBefore = iso(now - receiptTimeoutSec * 1000);
      const room = window - outbox.inFlight(resendBefore);
      if (room <= 0) return;
      const exhausted = this.exhaustedDay === day;
      const mediaExhausted = this.mediaExhaustedDay === day;
      const mediaRoom = bandwidth === 'metadata' || mediaExhausted ? 0 : MEDIA_WINDOW - outbox.inFlight(resendBefore, 'media');
      const rows = outbox.nextBatch(Math.min(batchSize, room), {
        excludeInFlight: true,
        resendBefore,
        skip: this.unacked,
        ...(exhausted ? { minPriority: 1 } : {}),
        ...(exhausted || mediaRoom <= 0 ? { topic: 'sighting' } : {}),
      });
      if (rows.length === 0) return;

      const plan = planBatch(rows, {
        spent: outbox.sentOn(day),
        budget: dailyBudgetBytes,
        mediaRoom,
        build: (row) => outgoingOf(row, bandwidth, this.deps.embeddings, this.deps.mediaIds),
      });
      for (const p of plan.parked) this.park(p.seq, p.refId, p.reason);
      if (plan.mediaOverBudget && !mediaExhausted) {
        log.warn({ day, budgetBytes: dailyBudgetBytes, sentBytes: outbox.sentOn(day) }, 'daily sync budget too small for more media; no pixels until the UTC day rolls over');
        this.mediaExhaustedDay = day;
      }
      if (plan.overBudget && !exhausted) {
        log.warn({ day, budgetBytes: dailyBudgetBytes, sentBytes: outbox.sentOn(day) }, 'daily sync budget spent; only priority sightings go until the UTC day rolls over');
        this.exhaustedDay = day;
      }
      const out = plan.out;
      if (out.length === 0) {
        // Parked rows left the rotation, or the budget just ran out: look again (for what may still go).
        if (plan.parked.length > 0 || (plan.overBudget && !exhausted) || (plan.mediaOverBudget && !mediaExhausted)) continue;
        return;
      }
      db.transaction(() => {
        outbox.markSent(
          out.map((o) => o.seq),
          iso(now),
        );
        outbox.addSent(
          day,
          out.reduce((n, o) => n + o.bytes.byteLength, 0),
        );
      })();
      for (const o of out) {
        this.unacked.add(o.seq);
        c.publish(o.topic === 'media' ? this.deps.topics.media : this.deps.topics.sighting, o.bytes, { qos: 1 }, (err) => {
          if (!this.unacked.delete(o.seq)) return;
          if (err) {
            log.warn({ [o.topic === 'media' ? 'mediaId' : 'sightingId']: o.refId, err: err.message }, 'publish failed; will resend');
            outbox.unmarkSent([o.seq]);
          }
        });
      }
      log.debug({ count: out.length, media: out.filter((o) => o.topic === 'media').length }, 'outbox rows published');
    }
  }

  private park(seq: number, refId: string, reason: string): void {
    this.deps.outbox.park(seq, reason);
    this.deps.log.error({ sightingId: refId, seq, reason }, 'sighting breaks the wire contract (a bug); parked, not sent');
  }
}
