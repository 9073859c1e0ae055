import { readFileSync } from 'node:fs';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { codecs, deviceTopic, type DeviceKind } from '@spoor/protocol';
import type { ResolvedConfig } from '../config/load.js';
import { OutboxStore } from '../store/outbox.js';
import { backoffDelay } from './backoff.js';
import { HubControl } from './control.js';
import { MediaMaker, mediaIdsOf } from './media-maker.js';
import { sqliteEmbeddings } from './payload.js';
import { iso, OutboxSender, utcDay } from './sender.js';
import { countMetrics, redactUrl, statsPayload, statusPayload, withTimeout } from './status.js';
import type { ConnectionState, SyncRelayDeps, SyncStatus } from './types.js';

export type { ConfigState } from './control.js';
export type { ConnectionState, RelayMetrics, SyncRelayDeps, SyncStatus } from './types.js';

/**
 * Store-and-forward to the hub. Publishes outbox rows at QoS 1 and deletes them only when
 * the hub's `receipt` names them; rows without a receipt after `receiptTimeoutSec` go
 * again (the hub upserts by id). It owns its reconnect loop (exponential backoff, full
 * jitter) and a persistent session (`clean: false`), so receipts sent while the unit was
 * offline arrive when it returns. What to publish, within the in-flight window and the daily
 * budget, is `OutboxSender`'s (sender.ts); this class owns the connection and the hub's messages.
 */
export class SyncRelay {
  private readonly outbox: OutboxStore;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly topics: Record<DeviceKind, string>;
  private cfg: ResolvedConfig;
  private running = false;
  private client: MqttClient | null = null;
  private state: ConnectionState = 'stopped';
  private attempt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private retryTimer: NodeJS.Timeout | null = null;
  private nextRetryAt: string | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private draining = false;
  private drainAgain = false;
  private readonly media: MediaMaker;
  private readonly sender: OutboxSender;
  private lastSyncAt: string | null = null;
  private lastConnectedAt: string | null = null;
  private lastError: string | null = null;
  private dropped = 0;
  private readonly control: HubControl;
  private readonly startedAt: number;

  constructor(private readonly deps: SyncRelayDeps) {
    this.cfg = deps.config;
    this.outbox = deps.outbox ?? new OutboxStore(deps.db);
    this.log = deps.logger;
    this.clock = deps.clock ?? Date.now;
    const { deviceId } = deps.config;
    const prefix = deps.config.cloud.prefix;
    this.topics = Object.fromEntries((['status', 'sighting', 'media', 'stats', 'receipt', 'config', 'cmd'] as const).map((k) => [k, deviceTopic(k, deviceId, prefix)])) as Record<
      DeviceKind,
      string
    >;
    this.control = new HubControl({
      fileConfig: deps.config,
      outbox: this.outbox,
      log: this.log,
      clock: this.clock,
      applySync: (config) => {
        this.cfg = { ...this.cfg, sync: config.sync };
        this.media.kick();
        this.scheduleDrain();
      },
      changed: () => this.publishStatus(),
      requeued: () => this.kick(),
      ...(deps.onConfig ? { onConfig: deps.onConfig } : {}),
    });
    deps.gallery?.setRequester(() => this.publishStatus());
    this.startedAt = this.clock();
    this.sender = new OutboxSender({
      db: deps.db,
      outbox: this.outbox,
      log: this.log,
      clock: this.clock,
      settings: () => this.cfg.sync,
      embeddings: deps.embeddings ?? sqliteEmbeddings(deps.db),
      mediaIds: mediaIdsOf(deps.db),
      topics: this.topics,
      batch: deps.batch,
      window: deps.window,
    });
    this.media = new MediaMaker({
      db: deps.db,
      logger: this.log.child({ part: 'media' }),
      settings: () => this.cfg.sync,
      render: { maxInputPixels: this.cfg.pipeline.maxInputPixels },
      onMade: () => this.kick(),
    });
  }

  start(): void {
    if (this.running) return;
    if (!this.cfg.cloud.mqttUrl) throw new Error('sync needs cloud.mqttUrl');
    this.running = true;
    this.checkQuota();
    this.every(Math.min(5000, Math.max(200, (this.cfg.sync.receiptTimeoutSec * 1000) / 4)), () => this.scheduleDrain());
    this.every(60_000, () => this.checkQuota());
    this.media.start();
    this.connectNow();
  }

  /** New outbox rows (a sighting was committed): enforce the quota and send promptly. */
  kick(): void {
    if (!this.running) return;
    this.checkQuota();
    this.media.kick();
    this.scheduleDrain();
  }

  /** Say goodbye (retained `offline`), disconnect cleanly and leave unacknowledged rows due first. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.media.stop();
    const client = this.client;
    const wasConnected = this.state === 'connected';
    this.client = null;
    this.state = 'stopped';
    if (client) {
      if (wasConnected) await withTimeout(new Promise<void>((r) => client.publish(this.topics.status, this.statusBytes('offline'), { qos: 1, retain: true }, () => r())), 2000);
      await withTimeout(new Promise<void>((r) => client.end(false, {}, () => r())), 2000);
      client.end(true);
    }
    this.sender.release();
    this.log.info({ depth: this.outbox.depth() }, 'sync stopped');
  }

  status(): SyncStatus {
    const now = this.clock();
    const day = utcDay(now);
    return {
      connection: this.state,
      broker: redactUrl(this.cfg.cloud.mqttUrl ?? ''),
      outbox: {
        depth: this.outbox.depth(),
        bytes: this.outbox.bytes(),
        oldestAt: this.outbox.oldest(),
        inFlight: this.outbox.inFlight(iso(now - this.cfg.sync.receiptTimeoutSec * 1000)),
        parked: this.outbox.parked().length,
      },
      lastSyncAt: this.lastSyncAt,
      lastConnectedAt: this.lastConnectedAt,
      nextRetryAt: this.state === 'waiting' ? this.nextRetryAt : null,
      lastError: this.lastError,
      bytesSentToday: this.outbox.sentOn(day),
      budget: { dailyBytes: this.cfg.sync.dailyBudgetBytes, exhausted: this.sender.budgetExhausted(day) },
      dropped: this.dropped,
      config: { ...this.control.configState },
      lastCommand: this.control.lastCommand,
      ...(this.deps.gallery ? { gallery: this.deps.gallery.state() } : {}),
    };
  }

  // ---- connection -------------------------------------------------------------------

  private connectNow(): void {
    this.retryTimer = null;
    if (!this.running) return;
    const { cloud } = this.cfg;
    this.state = 'connecting';
    const opts: IClientOptions = {
      clientId: this.cfg.deviceId,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 60,
      protocolVersion: 4,
      will: { topic: this.topics.status, payload: this.statusBytes('offline'), qos: 1, retain: true },
      // MQTT 3.1.1 has no password without a user name; per-device credentials use the device id.
      ...(cloud.username === null && cloud.password === null ? {} : { username: cloud.username ?? this.cfg.deviceId }),
      ...(cloud.password === null ? {} : { password: cloud.password }),
    };
    try {
      if (cloud.tls?.ca) opts.ca = readFileSync(cloud.tls.ca);
      const client = (this.deps.connect ?? mqttConnect)(cloud.mqttUrl as string, opts);
      this.client = client;
      client.on('connect', () => this.onConnect(client));
      client.on('message', (topic, payload) => this.onMessage(topic, payload));
      client.on('close', () => this.onClose(client));
      client.on('error', (err) => {
        if (err.message !== this.lastError) this.log.warn({ broker: redactUrl(cloud.mqttUrl ?? ''), err: err.message }, 'mqtt error');
        this.lastError = err.message;
      });
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log.error({ err }, 'cannot start the mqtt client');
      this.scheduleReconnect();
    }
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    this.state = 'connected';
    this.attempt = 0;
    this.lastError = null;
    this.lastConnectedAt = iso(this.clock());
    this.log.info({ broker: redactUrl(this.cfg.cloud.mqttUrl ?? ''), depth: this.outbox.depth() }, 'connected to the hub');
    client.subscribe([this.topics.receipt, this.topics.config, this.topics.cmd, ...(this.deps.gallery ? [this.deps.gallery.topic] : [])], { qos: 1 }, (err) => {
      if (err) this.log.warn({ err: err.message }, 'subscribe failed');
    });
    this.publishStatus();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.publishStats(), this.cfg.sync.statsIntervalSec * 1000);
    this.scheduleDrain();
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    const wasConnected = this.state === 'connected';
    this.client = null;
    client.end(true);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.sender.release();
    if (wasConnected) this.log.warn({ depth: this.outbox.depth() }, 'lost the hub connection');
    else if (this.lastError === null) {
      this.lastError = 'the connection closed before the broker accepted it (refused, unreachable or bad credentials)';
      this.log.warn({ broker: redactUrl(this.cfg.cloud.mqttUrl ?? '') }, this.lastError);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer) return;
    this.state = 'waiting';
    const delay = backoffDelay(this.attempt++, { ...this.deps.backoff, ...(this.deps.random ? { random: this.deps.random } : {}) });
    this.nextRetryAt = iso(this.clock() + delay);
    this.log.debug({ delayMs: delay, attempt: this.attempt }, 'reconnecting later');
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  // ---- sending -----------------------------------------------------------------------

  private scheduleDrain(): void {
    if (this.state !== 'connected') return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    setImmediate(() => {
      try {
        do {
          this.drainAgain = false;
          this.sender.drain(() => (this.state === 'connected' ? this.client : null));
        } while (this.drainAgain && this.state === 'connected');
      } catch (err) {
        this.log.error({ err }, 'sync drain failed; will retry');
      } finally {
        this.draining = false;
      }
    });
  }

  private checkQuota(): void {
    for (const d of this.outbox.enforceQuota(this.cfg.sync.outboxQuotaBytes)) {
      this.dropped++;
      const what = d.topic === 'media' ? { mediaId: d.refId } : { sightingId: d.refId };
      this.log.warn({ ...what, seq: d.seq, priority: d.priority, bytes: d.bytes, createdAt: d.createdAt, reason: d.reason }, `outbox row dropped; the hub will not get this ${d.topic === 'media' ? 'image' : 'sighting'}`);
    }
  }

  // ---- status and stats ----------------------------------------------------------------

  private statusBytes(state: 'online' | 'offline'): Buffer {
    return codecs.status.encode(
      statusPayload({
        deviceId: this.cfg.deviceId,
        state,
        at: iso(this.clock()),
        facts: state === 'online' ? (this.deps.describe?.() ?? {}) : {},
        outbox: this.outbox,
        lastSyncAt: this.lastSyncAt,
        config: this.control.configState,
        ...(this.deps.gallery ? { gallery: this.deps.gallery.state() } : {}),
      }),
    );
  }

  private publishStatus(): void {
    if (this.state !== 'connected' || !this.client) return;
    try {
      this.client.publish(this.topics.status, this.statusBytes('online'), { qos: 1, retain: true });
    } catch (err) {
      this.log.error({ err }, 'cannot build the status payload');
    }
  }

  private publishStats(): void {
    if (this.state !== 'connected' || !this.client) return;
    try {
      const now = this.clock();
      const m = this.deps.metrics?.() ?? countMetrics(this.deps.db);
      const bytes = codecs.stats.encode(
        statsPayload({ at: iso(now), uptimeSec: (now - this.startedAt) / 1000, metrics: m, outboxDepth: this.outbox.depth(), bytesSentToday: this.outbox.sentOn(utcDay(now)) }),
      );
      this.client.publish(this.topics.stats, bytes, { qos: 0 });
      this.publishStatus(); // keep the retained outbox depth fresh
    } catch (err) {
      this.log.error({ err }, 'cannot publish stats');
    }
  }

  // ---- downstream: receipt, config, cmd -------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    try {
      if (topic === this.topics.receipt) this.onReceipt(payload);
      else if (topic === this.topics.config) this.control.onConfigPush(payload);
      else if (topic === this.topics.cmd) this.control.onCommand(payload);
      else if (this.deps.gallery && topic === this.deps.gallery.topic) this.deps.gallery.onMessage(payload);
    } catch (err) {
      this.log.error({ err, topic }, 'handling a hub message failed');
    }
  }

  private onReceipt(payload: Buffer): void {
    const r = codecs.receipt.decode(payload);
    if (!r.ok) {
      this.log.warn({ code: r.code, reason: r.reason }, 'malformed receipt ignored');
      return;
    }
    const ids = r.value.ids;
    // Media still owed for a receipted sighting stay owed after its row goes.
    const deleted = this.deps.db.transaction(() => {
      this.media.keepOwed(ids);
      return this.outbox.ackByRefIds(ids);
    })();
    this.lastSyncAt = iso(this.clock());
    this.log.debug({ ids: ids.length, deleted, committedAt: r.value.committedAt }, 'receipt from the hub');
    this.scheduleDrain();
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.add(t);
  }
}
