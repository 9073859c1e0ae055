import { hostname } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { TOPIC_QOS, allDevicesTopic, codecs, deviceTopic, parseTopic, type SightingPayload, type StatusPayload } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import type { MediaRecord } from '../store/media.js';
import type { Store } from '../store/store.js';
import type { HubMetrics } from '../system/metrics.js';
import { randomSecret } from '../store/secrets.js';
import { checkMedia } from './media.js';

export interface IngestOptions {
  /** mqtt://, mqtts:// or ws:// URL of the broker (the embedded one or an external one). */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Skip certificate checks: only for the hub's loopback connection to its own TLS broker. */
  tlsInsecure?: boolean | undefined;
  prefix: string;
  /** Subscribe through `$share/{group}/...` so N hubs on an external broker split the load. */
  sharedGroup?: string | undefined;
  maxBatch: number;
  maxWaitMs: number;
  store: Pick<Store, 'sightings' | 'devices' | 'media'>;
  metrics: HubMetrics;
  logger: Logger;
  /** Called with each committed batch before its receipts go out (the global gallery matches here). */
  onCommitted?: ((sightings: SightingPayload[]) => Promise<unknown>) | undefined;
  /** Each valid device status (the global gallery answers a device that reports an old gallery version). */
  onStatus?: ((deviceId: string, status: StatusPayload) => void) | undefined;
}

interface Pending {
  deviceId: string;
  payload: SightingPayload;
}

interface PendingMedia {
  deviceId: string;
  record: MediaRecord;
}

/** Media messages carry images (up to a few MB each), so their batches are smaller. */
const MEDIA_BATCH = 16;

/** Rejection codes of our own, next to the codec's SPOOR_E_PAYLOAD_* ones. */
export const REJECT = {
  topic: 'SPOOR_E_PAYLOAD_TOPIC',
  deviceMismatch: 'SPOOR_E_PAYLOAD_DEVICE_MISMATCH',
  storage: 'SPOOR_E_PAYLOAD_STORAGE',
} as const;

/**
 * Reads sightings, status and stats from the broker. Sightings are committed in batches
 * (one transaction per batch) and only then acknowledged to each device with a receipt.
 * A malformed message is counted and dropped; a failed commit sends no receipt, so the
 * device sends the sightings again (the upsert is idempotent). Media (crops, frames) are
 * checked against their sha256 and JPEG header, committed the same way after the queued
 * sightings, and receipted by media id.
 */
export class Ingest {
  private client: MqttClient | null = null;
  private topics: string[] = [];
  private queue: Pending[] = [];
  private mediaQueue: PendingMedia[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly log: Logger;
  private logBudget = { windowStart: 0, used: 0, suppressed: 0 };

  constructor(private readonly opts: IngestOptions) {
    this.log = opts.logger.child({ mod: 'ingest' });
  }

  async start(): Promise<void> {
    const o = this.opts;
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(o.url, {
        clientId: `spoor-hub-${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 32)}-${randomSecret(6)}`,
        clean: true,
        reconnectPeriod: 1_000,
        connectTimeout: 10_000,
        ...(o.username === undefined ? {} : { username: o.username }),
        ...(o.password === undefined ? {} : { password: o.password }),
        ...(o.tlsInsecure ? { rejectUnauthorized: false } : {}),
      });
    } catch (err) {
      throw HubErrors.SPOOR_E_MQTT_UNAVAILABLE(`${o.url}: ${(err as Error).message}`, { cause: err });
    }
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt client error'));
    client.on('offline', () => this.log.warn('mqtt client offline; reconnecting'));
    const topics = (['sighting', 'media', 'status', 'stats'] as const).map((k) => {
      const t = allDevicesTopic(k, o.prefix);
      return o.sharedGroup ? `$share/${o.sharedGroup}/${t}` : t;
    });
    this.topics = topics;
    const granted = await client.subscribeAsync(topics, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) throw HubErrors.SPOOR_E_MQTT_UNAVAILABLE(`the broker refused the subscriptions ${refused.map((g) => g.topic).join(', ')}`);
    this.log.info({ url: o.url.replace(/\/\/[^@/]*@/, '//***@'), topics }, 'ingest subscribed');
  }

  /** Publish through the hub's own connection (gallery deltas). */
  async publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void> {
    if (!this.client) throw HubErrors.SPOOR_E_MQTT_UNAVAILABLE('the hub is not connected to the broker');
    await this.client.publishAsync(topic, payload, opts);
  }

  isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Stop taking messages, commit what is queued (receipts included), then disconnect. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Unsubscribe first: the broker sends nothing more here (on a shared subscription the
    // other hubs take it), and what was already on its way is still committed below.
    if (client.connected) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([client.unsubscribeAsync(this.topics).catch(() => {}), new Promise((r) => (t = setTimeout(r, 2_000)))]);
      clearTimeout(t);
      await this.drain();
    }
    client.removeAllListeners('message');
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.drain();
    await client.endAsync().catch(() => {});
    this.client = null;
  }

  /** Resolves when everything queued so far is committed (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.mediaQueue.length > 0) {
      if (!this.running) this.kick();
      await this.running;
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic, this.opts.prefix);
    if (!t || t.scope !== 'd') return this.reject(REJECT.topic, topic, 'not a device topic of the contract');
    if (payload.includes('\\u0000')) return this.reject('SPOOR_E_PAYLOAD_SCHEMA', topic, 'NUL characters are not accepted');
    if (t.kind === 'sighting') {
      const r = codecs.sighting.decode(payload);
      if (!r.ok) return this.reject(r.code, topic, r.reason);
      if (r.value.deviceId !== t.deviceId) return this.reject(REJECT.deviceMismatch, topic, `payload deviceId ${r.value.deviceId}`);
      this.queue.push({ deviceId: t.deviceId, payload: r.value });
      if (this.queue.length >= this.opts.maxBatch) this.kick();
      else if (!this.timer && !this.running) this.timer = setTimeout(() => this.kick(), this.opts.maxWaitMs);
      return;
    }
    if (t.kind === 'media') {
      const r = codecs.media.decode(payload);
      if (!r.ok) return this.reject(r.code, topic, r.reason);
      const m = checkMedia(r.value, t.deviceId);
      if (!m.ok) return this.reject(m.code, topic, m.reason);
      this.mediaQueue.push({ deviceId: t.deviceId, record: m.record });
      if (this.mediaQueue.length >= MEDIA_BATCH) this.kick();
      else if (!this.timer && !this.running) this.timer = setTimeout(() => this.kick(), this.opts.maxWaitMs);
      return;
    }
    if (t.kind === 'status') {
      const r = codecs.status.decode(payload);
      if (!r.ok) return this.reject(r.code, topic, r.reason);
      if (r.value.deviceId !== t.deviceId) return this.reject(REJECT.deviceMismatch, topic, `payload deviceId ${r.value.deviceId}`);
      this.opts.metrics.statusUpdates.inc({ kind: 'status' });
      this.opts.store.devices.touch(t.deviceId, r.value).catch((err: unknown) => this.log.warn({ err, deviceId: t.deviceId }, 'status not recorded'));
      this.opts.onStatus?.(t.deviceId, r.value);
      return;
    }
    if (t.kind === 'stats') {
      const r = codecs.stats.decode(payload);
      if (!r.ok) return this.reject(r.code, topic, r.reason);
      this.opts.metrics.statusUpdates.inc({ kind: 'stats' });
      this.opts.store.devices.touch(t.deviceId).catch((err: unknown) => this.log.warn({ err, deviceId: t.deviceId }, 'last seen not recorded'));
      return;
    }
    this.reject(REJECT.topic, topic, `the hub does not ingest ${t.kind}`);
  }

  private reject(code: string, topic: string, reason: string): void {
    this.opts.metrics.rejected.inc({ code });
    // At most 20 log lines per 10 s, so a flood of junk cannot flood the log too.
    const now = Date.now();
    const b = this.logBudget;
    if (now - b.windowStart > 10_000) {
      if (b.suppressed > 0) this.log.debug({ suppressed: b.suppressed }, 'malformed messages not logged');
      this.logBudget = { windowStart: now, used: 0, suppressed: 0 };
    }
    if (this.logBudget.used++ < 20) this.log.debug({ code, topic: topic.slice(0, 200), reason: reason.slice(0, 300) }, 'message rejected');
    else this.logBudget.suppressed++;
  }

  /** Start the commit loop unless it runs; it takes batches until the queue is empty. */
  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) return;
    this.running = (async () => {
      try {
        // Sightings first: a device's metadata never waits behind its pixels.
        while (this.queue.length > 0 || this.mediaQueue.length > 0) {
          if (this.queue.length > 0) await this.commit(this.queue.splice(0, this.opts.maxBatch));
          else await this.commitMedia(this.mediaQueue.splice(0, MEDIA_BATCH));
        }
      } finally {
        this.running = null;
      }
    })();
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let committed: Pending[];
    try {
      await this.opts.store.sightings.upsertMany(batch.map((p) => p.payload));
      committed = batch;
    } catch (err) {
      committed = await this.commitOneByOne(batch, err);
    }
    if (this.opts.onCommitted && committed.length > 0) {
      try {
        await this.opts.onCommitted(committed.map((p) => p.payload));
      } catch (err) {
        this.log.error({ err: (err as Error).message, size: committed.length }, 'gallery matching failed for a committed batch');
      }
    }
    this.opts.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    this.opts.metrics.ingested.inc({}, committed.length);
    const byDevice = new Map<string, Set<string>>();
    for (const p of committed) {
      let ids = byDevice.get(p.deviceId);
      if (!ids) byDevice.set(p.deviceId, (ids = new Set()));
      ids.add(p.payload.id);
    }
    const committedAt = new Date().toISOString();
    for (const [deviceId, ids] of byDevice) this.sendReceipt(deviceId, [...ids], committedAt);
  }

  /**
   * The batch failed. Find out whether one message is at fault (data the server refuses,
   * such as an impossible date): commit the rest one by one and drop only that one. If the
   * database itself is down, nothing commits and no receipt is sent.
   */
  private async commitOneByOne(batch: Pending[], batchErr: unknown): Promise<Pending[]> {
    this.log.warn({ err: (batchErr as Error).message, size: batch.length }, 'batch commit failed; retrying one by one');
    const ok: Pending[] = [];
    for (const p of batch) {
      try {
        await this.opts.store.sightings.upsertMany([p.payload]);
        ok.push(p);
      } catch (err) {
        const code = String((err as { code?: unknown }).code ?? '');
        if (code.startsWith('22')) this.reject(REJECT.storage, deviceTopic('sighting', p.deviceId, this.opts.prefix), (err as Error).message);
        else {
          this.opts.metrics.dbFailures.inc();
          this.log.error({ err: (err as Error).message, code, sightingId: p.payload.id, deviceId: p.deviceId }, 'sighting not committed; no receipt, the device will resend');
        }
      }
    }
    return ok;
  }

  /** Commit one batch of media (one transaction); receipts name the media ids, as for sightings. */
  private async commitMedia(batch: PendingMedia[]): Promise<void> {
    let committed: PendingMedia[] = [];
    try {
      await this.opts.store.media.upsertMany(batch.map((p) => p.record));
      committed = batch;
    } catch (batchErr) {
      this.log.warn({ err: (batchErr as Error).message, size: batch.length }, 'media batch commit failed; retrying one by one');
      for (const p of batch) {
        try {
          await this.opts.store.media.upsertMany([p.record]);
          committed.push(p);
        } catch (err) {
          const code = String((err as { code?: unknown }).code ?? '');
          if (code.startsWith('22')) this.reject(REJECT.storage, deviceTopic('media', p.deviceId, this.opts.prefix), (err as Error).message);
          else {
            this.opts.metrics.dbFailures.inc();
            this.log.error({ err: (err as Error).message, code, mediaId: p.record.payload.id, deviceId: p.deviceId }, 'media not committed; no receipt, the device will resend');
          }
        }
      }
    }
    this.opts.metrics.mediaIngested.inc({}, committed.length);
    this.opts.metrics.mediaBytes.inc({}, committed.reduce((n, p) => n + p.record.data.byteLength, 0));
    const byDevice = new Map<string, string[]>();
    for (const p of committed) byDevice.set(p.deviceId, [...(byDevice.get(p.deviceId) ?? []), p.record.payload.id]);
    const committedAt = new Date().toISOString();
    for (const [deviceId, ids] of byDevice) this.sendReceipt(deviceId, ids, committedAt);
  }

  private sendReceipt(deviceId: string, ids: string[], committedAt: string): void {
    const client = this.client;
    if (!client) return;
    const body = codecs.receipt.encode({ v: 1, ids, committedAt });
    client.publish(deviceTopic('receipt', deviceId, this.opts.prefix), body, { qos: TOPIC_QOS.receipt.qos, retain: false }, (err) => {
      if (err) this.log.warn({ err: err.message, deviceId, count: ids.length }, 'receipt not delivered; the device will resend and get another');
      else this.opts.metrics.receipts.inc();
    });
  }
}
