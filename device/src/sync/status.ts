import type { StatsPayload, StatusPayload } from '@spoor/protocol';
import type { Db } from '../store/db.js';
import type { OutboxStore } from '../store/outbox.js';
import type { ConfigState } from './control.js';
import type { RelayMetrics, SyncRelayDeps } from './types.js';

type Facts = ReturnType<NonNullable<SyncRelayDeps['describe']>>;

/** The retained `status` payload: what the hub's fleet view shows for this unit. */
export function statusPayload(a: {
  deviceId: string;
  state: 'online' | 'offline';
  at: string;
  facts: Facts;
  outbox: OutboxStore;
  lastSyncAt: string | null;
  config: ConfigState;
  gallery?: { fleetId: string; version: number };
}): StatusPayload {
  const { facts, config } = a;
  return {
    v: 1,
    deviceId: a.deviceId,
    state: a.state,
    at: a.at,
    ...(facts.versions ? { versions: facts.versions } : {}),
    ...(facts.models ? { models: facts.models.slice(0, 16) } : {}),
    ...(facts.pending === undefined ? {} : { queue: { pending: facts.pending } }),
    outbox: { depth: a.outbox.depth(), bytes: a.outbox.bytes(), oldestAt: a.outbox.oldest() },
    lastSyncAt: a.lastSyncAt,
    config: { ...config, ...(config.reason === undefined ? {} : { reason: config.reason.slice(0, 2000) }) },
    ...(a.gallery ? { gallery: a.gallery } : {}),
  };
}

/** The periodic `stats` payload (QoS 0). */
export function statsPayload(a: { at: string; uptimeSec: number; metrics: RelayMetrics; outboxDepth: number; bytesSentToday: number }): StatsPayload {
  const m = a.metrics;
  return {
    v: 1,
    at: a.at,
    uptimeSec: Math.max(0, Math.round(a.uptimeSec)),
    captures: m.captures,
    sightings: m.sightings,
    inferenceMs: m.inferenceMs,
    outboxDepth: a.outboxDepth,
    bytesSentToday: a.bytesSentToday,
    ...(m.diskFreeBytes === undefined ? {} : { diskFreeBytes: m.diskFreeBytes }),
  };
}

/** Counts from SQLite when the daemon supplies no richer metrics. */
export function countMetrics(db: Db): RelayMetrics {
  const count = (table: 'captures' | 'sightings') => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { captures: count('captures'), sightings: count('sightings'), inferenceMs: { p50: 0, p95: 0 } };
}

/** The broker URL without credentials, for status and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Wait for `p`, but never longer than `ms` (shutdown must not hang on a dead link). */
export function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
