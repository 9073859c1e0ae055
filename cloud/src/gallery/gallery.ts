import type { Logger } from 'pino';
import { codecs, decodeEmbedding, fleetTopic, TOPIC_QOS, type SightingPayload, type StatusPayload } from '@spoor/protocol';
import type { Sql } from '../store/sql.js';
import { GalleryCatchUp, type CatchUpOptions } from './catchup.js';
import type { GalleryDelta } from './common.js';
import { GalleryDecisions, type DecisionResult } from './decisions.js';
import { findDuplicates, type DuplicatePair } from './duplicates.js';
import { matchSightings, type MatchResult, type MatchSettings } from './matching.js';
import { GalleryQueries } from './queries.js';
import { UsearchScorer } from './scorer.js';

/** The hub's MQTT client, as far as the gallery needs it. */
export interface DeltaPublisher {
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
}

export interface GalleryOptions {
  sql: Sql;
  settings: MatchSettings;
  prefix: string;
  logger: Logger;
  publisher?: DeltaPublisher | undefined;
  catchUp?: CatchUpOptions;
  /** Save the index here and load it at the next start (see index-file.ts); none: rebuilt every start. */
  indexDir?: string | undefined;
}

/**
 * The global gallery: matching on ingest, reviewer decisions, deltas to the fleets.
 * `start()` builds the USearch index from Postgres; every committed change is published on
 * `f/{fleet}/gallery` after its transaction commits (a lost publish is healed by resync).
 */
export class Gallery {
  readonly scorer: UsearchScorer;
  readonly decisions: GalleryDecisions;
  readonly queries: GalleryQueries;
  readonly catchUp: GalleryCatchUp;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly opts: GalleryOptions) {
    this.scorer = new UsearchScorer(opts.sql, { dir: opts.indexDir });
    this.decisions = new GalleryDecisions(opts.sql, opts.settings.keepVersions);
    this.queries = new GalleryQueries(opts.sql);
    this.log = opts.logger.child({ mod: 'gallery' });
    this.catchUp = new GalleryCatchUp(opts.sql, this.queries, (d) => this.publish(d), this.log, opts.catchUp);
  }

  async start(): Promise<void> {
    const t = performance.now();
    const parts = await this.scorer.start();
    this.log.info({ refs: this.scorer.size(), ...parts, ms: Math.round(performance.now() - t) }, 'gallery index ready');
  }

  async stop(): Promise<void> {
    await this.chain.catch(() => {});
    try {
      this.scorer.save();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'gallery index not saved; the next start rebuilds it from the store');
    }
  }

  setPublisher(p: DeltaPublisher): void {
    this.opts.publisher = p;
  }

  /** Committed sightings, in order; one at a time so each match sees the previous one's individuals. */
  onCommitted(sightings: readonly SightingPayload[]): Promise<MatchResult> {
    const run = this.chain.then(async () => {
      const r = await matchSightings(this.opts.sql, this.scorer, this.opts.settings, sightings, (refs) => this.scorer.add(refs));
      for (const d of r.deltas) await this.publish(d);
      return r;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /** A device status: a device that reports an older gallery version is caught up (catchup.ts). */
  onDeviceStatus(deviceId: string, status: StatusPayload): void {
    if (!status.gallery) return;
    this.catchUp.onStatus(deviceId, status).catch((err: unknown) => this.log.warn({ err: (err as Error).message, deviceId }, 'gallery catch-up failed; the device asks again'));
  }

  /** Run a decision, then refresh the index entries of the individuals it wrote and publish its delta. */
  async decide(fn: (d: GalleryDecisions) => Promise<DecisionResult>): Promise<DecisionResult> {
    const r = await fn(this.decisions);
    await this.scorer.refresh(Object.keys(r.individuals));
    await this.publish(r.delta);
    return r;
  }

  /**
   * Reject a proposal. With `next`, the animal is proposed against the next-best candidate
   * (see `nextCandidate`) when there is one; otherwise, or without `next`, it becomes its own
   * global individual.
   */
  async reject(actor: string, proposalId: string, next: boolean): Promise<DecisionResult> {
    const alt = next ? await this.nextCandidate(proposalId) : null;
    return this.decide((d) => d.reject(actor, proposalId, alt));
  }

  /**
   * The best-scoring active individual at or above the propose threshold that this proposal's
   * animal (device, local id) has not been proposed against yet, scored with the newest
   * evidence sighting's embedding. Null when there is none.
   */
  async nextCandidate(proposalId: string): Promise<{ individualId: string; score: number } | null> {
    const { sql } = this.opts;
    const p = (
      await sql.query<{ device_id: string; local_id: string; species: string; fleet_id: string; evidence: string[] }>(
        'SELECT device_id, local_id, species, fleet_id, evidence FROM proposals WHERE id = $1',
        [proposalId],
      )
    ).rows[0];
    if (!p) return null;
    const tried = await sql.query<{ id: string }>('SELECT candidate_individual_id AS id FROM proposals WHERE device_id = $1 AND local_id = $2', [p.device_id, p.local_id]);
    const seen = new Set(tried.rows.map((r) => String(r.id)));
    const bodies = await sql.query<{ body: unknown }>('SELECT body FROM sightings WHERE id = ANY($1::uuid[]) ORDER BY taken_at DESC', [p.evidence]);
    const embedding = bodies.rows
      .map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as SightingPayload)
      .flatMap((b) => b.individuals.filter((i) => i.id === p.local_id && i.embedding))[0]?.embedding;
    if (!embedding) return null;
    const best = this.scorer.scoreCandidates(p.fleet_id, p.species, decodeEmbedding(embedding)).find((c) => !seen.has(c.individualId) && c.score >= this.opts.settings.proposeThreshold);
    return best ? { individualId: best.individualId, score: best.score } : null;
  }

  /** Active individuals that may be one animal, at or above the propose threshold (see duplicates.ts). */
  duplicates(q: { fleetId?: string | undefined; species?: string | undefined; individualId?: string | undefined }): Promise<{ items: DuplicatePair[]; scanned: number }> {
    return findDuplicates(this.opts.sql, this.scorer, { ...q, threshold: this.opts.settings.proposeThreshold });
  }

  private async publish(delta: GalleryDelta): Promise<void> {
    const p = this.opts.publisher;
    if (!p) return;
    try {
      await p.publish(fleetTopic(delta.fleetId, this.opts.prefix), codecs.gallery.encode(delta), TOPIC_QOS.gallery);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, fleetId: delta.fleetId, version: delta.version }, 'gallery delta not published; devices catch up by resync');
    }
  }
}
