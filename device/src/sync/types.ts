import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import type { OutboxStore } from '../store/outbox.js';
import type { CommandOutcome, ConfigState } from './control.js';
import type { EmbeddingLookup } from './payload.js';
import type { GalleryChannel } from './gallery-sync.js';

export type ConnectionState = 'stopped' | 'connecting' | 'connected' | 'waiting';

export interface SyncStatus {
  connection: ConnectionState;
  broker: string;
  outbox: { depth: number; bytes: number; oldestAt: string | null; inFlight: number; parked: number };
  /** When the hub last confirmed a commit (a receipt). */
  lastSyncAt: string | null;
  lastConnectedAt: string | null;
  nextRetryAt: string | null;
  lastError: string | null;
  bytesSentToday: number;
  budget: { dailyBytes: number; exhausted: boolean };
  /** Outbox rows dropped by the disk quota since start (spoor_outbox_dropped). */
  dropped: number;
  config: ConfigState;
  lastCommand: CommandOutcome | null;
  /** The fleet gallery version applied here (with cloud.mqttUrl). */
  gallery?: { fleetId: string; version: number };
}


export interface RelayMetrics {
  captures: number;
  sightings: number;
  inferenceMs: { p50: number; p95: number };
  diskFreeBytes?: number;
}

export interface SyncRelayDeps {
  config: ResolvedConfig;
  db: Db;
  logger: Logger;
  outbox?: OutboxStore;
  /** Milliseconds since the epoch; tests move it to roll the UTC day. */
  clock?: () => number;
  random?: () => number;
  /** `mqtt.connect` unless a test wraps it. */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
  backoff?: { baseMs?: number; maxMs?: number };
  /** Publishes per batch and the most sightings awaiting a receipt at once. */
  batch?: number;
  window?: number;
  /** Facts for the retained status beyond the outbox: pending captures, loaded models, versions. */
  describe?: () => { pending?: number; models?: { id: string; provider: string }[]; versions?: Record<string, string> };
  metrics?: () => RelayMetrics;
  embeddings?: EmbeddingLookup;
  /** A valid config push was saved; `sync.*` already applies, the rest after a restart. */
  onConfig?: (config: ResolvedConfig, version: number) => void;
  /** The fleet gallery (gallery-sync.ts): its topic is subscribed, its messages dispatched, its version in the status. */
  gallery?: GalleryChannel;
}
