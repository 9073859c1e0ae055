import type { Db } from './db.js';
import { nowIso } from './db.js';

/** One outbox row: a stored sighting waiting for the hub's receipt. */
export interface OutboxRow {
  seq: number;
  topic: string;
  refId: string;
  /** The sighting JSON as stored; the wire payload is built from it at send time. */
  payload: string;
  bytes: number;
  priority: number;
  createdAt: string;
  /** When it was last published (null: never, or the publish was not acknowledged by the broker). */
  sentAt: string | null;
  attempts: number;
}

/** A row removed by the disk quota; the caller logs each one. */
export interface DroppedRow {
  seq: number;
  /** `sighting` or `media`. */
  topic: string;
  refId: string;
  priority: number;
  bytes: number;
  createdAt: string;
  reason: string;
}

const COLUMNS = `seq, topic, ref_id AS refId, payload, bytes, priority, created_at AS createdAt, sent_at AS sentAt, attempts`;

/** SQLite caps bound parameters; receipts carry up to 10 000 ids. */
const CHUNK = 500;

/**
 * The durable outbox. Rows are written by `SightingStore.commit` in the sighting's own
 * transaction and deleted only by `ackByRefIds` (the hub's receipt) or `enforceQuota`.
 * A PUBACK from the broker is not delivery; it deletes nothing.
 */
export class OutboxStore {
  constructor(private readonly db: Db) {}

  /**
   * The next rows to publish, highest priority first; within a priority every sighting
   * before any media (pixels never hold back metadata), then oldest. Parked rows never come
   * back. With `excludeInFlight`, rows published after `resendBefore` (still waiting for a
   * receipt) are skipped; rows published earlier are due again. `topic` keeps one kind only.
   */
  nextBatch(limit: number, opts: { excludeInFlight: boolean; resendBefore?: string; minPriority?: number; topic?: string; skip?: ReadonlySet<number> }): OutboxRow[] {
    const where = ['parked_reason IS NULL'];
    const args: (string | number)[] = [];
    if (opts.topic !== undefined) {
      where.push('topic = ?');
      args.push(opts.topic);
    }
    if (opts.excludeInFlight) {
      if (opts.resendBefore === undefined) where.push('sent_at IS NULL');
      else {
        where.push('(sent_at IS NULL OR sent_at <= ?)');
        args.push(opts.resendBefore);
      }
    }
    if (opts.minPriority !== undefined) {
      where.push('priority >= ?');
      args.push(opts.minPriority);
    }
    const extra = opts.skip?.size ?? 0;
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM outbox WHERE ${where.join(' AND ')} ORDER BY priority DESC, topic = 'media', seq LIMIT ?`)
      .all(...args, limit + extra) as OutboxRow[];
    return (extra ? rows.filter((r) => !opts.skip?.has(r.seq)) : rows).slice(0, limit);
  }

  /** Record a publish, so that after a restart the row counts as in flight until its receipt times out. */
  markSent(seqs: readonly number[], at: string): void {
    const stmt = this.db.prepare('UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE seq = ?');
    this.db.transaction(() => {
      for (const seq of seqs) stmt.run(at, seq);
    })();
  }

  /** The broker never acknowledged these publishes (the connection dropped): send them first again. */
  unmarkSent(seqs: readonly number[]): void {
    const stmt = this.db.prepare('UPDATE outbox SET sent_at = NULL WHERE seq = ?');
    this.db.transaction(() => {
      for (const seq of seqs) stmt.run(seq);
    })();
  }

  /** The hub committed these sightings or media: delete their rows. Returns how many rows went. */
  ackByRefIds(ids: readonly string[]): number {
    let n = 0;
    this.db.transaction(() => {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        n += this.db.prepare(`DELETE FROM outbox WHERE ref_id IN (${chunk.map(() => '?').join(',')})`).run(...chunk).changes;
      }
    })();
    return n;
  }

  /** Take a row out of rotation: its payload breaks the wire contract, which is a bug to fix, not to retry. */
  park(seq: number, reason: string): void {
    this.db.prepare('UPDATE outbox SET parked_reason = ? WHERE seq = ?').run(reason.slice(0, 2000), seq);
  }

  parked(): { seq: number; refId: string; reason: string }[] {
    return this.db.prepare('SELECT seq, ref_id AS refId, parked_reason AS reason FROM outbox WHERE parked_reason IS NOT NULL ORDER BY seq').all() as {
      seq: number;
      refId: string;
      reason: string;
    }[];
  }

  depth(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  bytes(): number {
    return (this.db.prepare('SELECT coalesce(sum(bytes), 0) AS n FROM outbox').get() as { n: number }).n;
  }

  /** When the oldest waiting row was written; null when the outbox is empty. */
  oldest(): string | null {
    const row = this.db.prepare('SELECT min(created_at) AS at FROM outbox').get() as { at: string | null };
    return row.at;
  }

  /** Rows (of one topic, when given) published after `since` and not yet receipted. */
  inFlight(since: string, topic?: string): number {
    if (topic !== undefined) return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE parked_reason IS NULL AND sent_at > ? AND topic = ?').get(since, topic) as { n: number }).n;
    return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE parked_reason IS NULL AND sent_at > ?').get(since) as { n: number }).n;
  }

  /**
   * Keep the outbox within `maxBytes` of disk. Drop policy, in this order: media (crops,
   * frames) before any sighting, then lowest priority first, then oldest first. Pixels
   * therefore go before any metadata, and a `priority > 0` row (a new individual, a person)
   * never goes while a `priority = 0` row of its kind is left. Returns every dropped row,
   * for the log.
   */
  enforceQuota(maxBytes: number): DroppedRow[] {
    let total = this.bytes();
    if (total <= maxBytes) return [];
    const dropped: DroppedRow[] = [];
    this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT seq, topic, ref_id AS refId, priority, bytes, created_at AS createdAt FROM outbox ORDER BY topic = 'media' DESC, priority ASC, seq ASC`)
        .iterate() as IterableIterator<
        Omit<DroppedRow, 'reason'>
      >;
      const victims: Omit<DroppedRow, 'reason'>[] = [];
      for (const r of rows) {
        if (total <= maxBytes) break;
        victims.push(r);
        total -= r.bytes;
      }
      const del = this.db.prepare('DELETE FROM outbox WHERE seq = ?');
      // A dropped image is no longer listed for its sighting, whose payload names its media.
      const unlist = this.db.prepare('DELETE FROM sync_media WHERE id = ?');
      for (const r of victims) {
        del.run(r.seq);
        if (r.topic === 'media') unlist.run(r.refId);
        dropped.push({ ...r, reason: `outbox over its quota of ${maxBytes} bytes; dropped media first, then lowest priority (${r.priority}), oldest first` });
      }
    })();
    return dropped;
  }

  /** Queue every stored sighting that has no outbox row (the hub upserts by id, so a resend is harmless). */
  requeueAll(topic = 'sighting'): number {
    return this.db
      .prepare(
        `INSERT INTO outbox (topic, ref_id, payload, bytes, priority, created_at)
         SELECT ?, s.id, s.body, length(CAST(s.body AS BLOB)), 0, ? FROM sightings s
         WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ref_id = s.id) ORDER BY s.taken_at, s.id`,
      )
      .run(topic, nowIso()).changes;
  }

  /** Bytes published on one UTC day (`YYYY-MM-DD`). */
  sentOn(day: string): number {
    const row = this.db.prepare('SELECT bytes_sent AS n FROM sync_ledger WHERE day = ?').get(day) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  addSent(day: string, bytes: number): void {
    this.db
      .prepare('INSERT INTO sync_ledger (day, bytes_sent) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET bytes_sent = bytes_sent + excluded.bytes_sent')
      .run(day, bytes);
  }
}
