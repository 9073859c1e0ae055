import { statfsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from './config/load.js';
import { buildApp } from './http/app.js';
import { DEFAULT_PANEL_DIR } from './http/panel.js';
import { filePasswordStore } from './http/password.js';
import { enrollIndividual } from './reid/enroll.js';
import { SettingsFile, SettingsService, withOverlay } from './http/settings.js';
import { openRuntime, type DeviceRuntime } from './runtime.js';
import { SyncRelay } from './sync/relay.js';
import { GallerySync } from './sync/gallery-sync.js';
import { GlobalGallery } from './reid/global-gallery.js';
import { openLine } from '@spoor/native';
import { GpioTrigger } from './triggers/gpio.js';
import { WatchFolder } from './triggers/watch-folder.js';
import { HealthMonitor } from './system/health.js';
import { panelTools } from './system/tools.js';
import type { Session } from './http/auth.js';

export interface Daemon {
  runtime: DeviceRuntime;
  /** Store-and-forward to the hub; null when `cloud.mqttUrl` is not set. */
  relay: SyncRelay | null;
  /** The fleet's global gallery applied on this device; null without `cloud.mqttUrl`. */
  gallerySync: GallerySync | null;
  /** The PIR trigger; null unless `gpio.enabled`. */
  gpio: GpioTrigger | null;
  app: FastifyInstance;
  port: number;
  stop(): Promise<void>;
}

/**
 * Wire the daemon by hand: config → logger → store + models → pipeline → sync → triggers → http.
 * Parts stop in reverse order.
 */
export async function startDaemon(fileConfig: ResolvedConfig, logger: Logger): Promise<Daemon> {
  // The panel's restart button stops every part and starts them again in this process, on the same
  // port, re-reading the saved settings: it works under systemd, Docker and `npm start` alike.
  let current: Daemon;
  let restarting: Promise<void> | null = null;
  // Panel sessions outlive a restart, so the technician stays logged in.
  const sessions = new Map<string, Session>();
  const restart = () => {
    restarting ??= (async () => {
      logger.warn('restarting on request from the panel');
      const port = current.port;
      await current.stop();
      current = await startParts({ ...fileConfig, http: { ...fileConfig.http, port } }, logger, restart, sessions);
      logger.info({ port }, 'restarted');
    })()
      .catch((err: unknown) => {
        logger.fatal({ err }, 'restart failed; exiting so that the service manager starts the daemon again');
        process.exit(1);
      })
      .finally(() => (restarting = null));
  };
  current = await startParts(fileConfig, logger, restart, sessions);
  // Callers keep this object across restarts: every field reads the parts running now.
  return new Proxy({} as Daemon, {
    get: (_t, key) =>
      key === 'stop'
        ? async () => {
            await restarting;
            await current.stop();
          }
        : current[key as keyof Daemon],
  });
}

async function startParts(fileConfig: ResolvedConfig, logger: Logger, restart: () => void, sessions: Map<string, Session>): Promise<Daemon> {
  const startedAt = Date.now();
  // Settings saved from the panel (<dataDir>/settings.json) lie over the config file.
  const overlaid = withOverlay(fileConfig);
  if (overlaid.error) logger.warn({ err: overlaid.error }, 'panel settings ignored: they no longer validate');
  // A shallow mutable copy: parts that read `config.<section>.<key>` at call time see live settings.
  const config: { -readonly [K in keyof ResolvedConfig]: ResolvedConfig[K] } = { ...overlaid.config };
  // The relay is built once the DB is open; the processor's hooks reach it late-bound.
  let relay: SyncRelay | null = null;
  const frameMs: number[] = [];
  const health = new HealthMonitor({ health: config.health });
  let pokeLive: (() => void) | null = null;
  const runtime = await openRuntime(config, logger, {
    onSighting: () => {
      relay?.kick();
      pokeLive?.();
    },
    onFrame: (e) => {
      if (e.timings) frameMs.push(e.timings.wallMs);
      if (e.timings) health.recordFrame(e.timings.wallMs);
      if (frameMs.length > 256) frameMs.shift();
    },
  });
  const { processor, ingestor, captures } = runtime;
  let lastTrigger: string | null = null;
  let lastTriggerSource: 'gpio' | 'watch' | 'api' | null = null;
  const triggered = (source: 'gpio' | 'watch' | 'api') => {
    lastTrigger = new Date().toISOString();
    lastTriggerSource = source;
    pokeLive?.();
  };
  // The PIR line opens first: a GPIO that cannot be used fails the start with its code and hint.
  const gpio = config.gpio.enabled
    ? new GpioTrigger({ gpio: config.gpio, inbox: config.inbox, logger: logger.child({ mod: 'gpio' }), openLine: (o) => openLine(o), onTrigger: () => triggered('gpio') })
    : null;
  try {
    await gpio?.start();
  } catch (err) {
    await runtime.close();
    throw err;
  }
  let gallerySync: GallerySync | null = null;
  if (config.cloud.mqttUrl) {
    const global = new GlobalGallery(runtime.db, runtime.gallery, config.deviceId, config.cloud.fleetId, logger.child({ mod: 'gallery-sync' }));
    gallerySync = new GallerySync({ global, prefix: config.cloud.prefix, logger: logger.child({ mod: 'gallery-sync' }) });
    relay = new SyncRelay({
      gallery: gallerySync,
      config,
      db: runtime.db,
      logger: logger.child({ mod: 'sync' }),
      describe: () => ({
        pending: captures.counts().pending,
        models: runtime.pool.loadedModels().map((m) => ({ id: m.id, provider: m.provider })),
        versions: { device: DEVICE_VERSION, node: process.versions.node },
      }),
      metrics: () => ({ captures: total(captures.counts()), sightings: runtime.sightings.count(), inferenceMs: { p50: quantile(frameMs, 0.5), p95: quantile(frameMs, 0.95) } }),
    });
  }
  let ready = false;

  const watch = config.watch.enabled
    ? new WatchFolder({
        dir: config.inbox,
        stableMs: config.watch.stableMs,
        pollMs: config.watch.pollMs,
        logger: logger.child({ mod: 'watch' }),
        onFile: async (path) => {
          triggered('watch');
          const outcome = await ingestor.ingestFile(path, { source: 'watch', removeSource: true });
          logger.info({ file: path, outcome: outcome.kind, ...(outcome.kind === 'quarantined' ? { code: outcome.code } : {}) }, 'file ingested');
          processor.kick();
        },
      })
    : null;

  const app = await buildApp({
    logger,
    ingestor,
    sightings: runtime.sightings,
    individuals: runtime.individuals,
    maxUploadBytes: config.http.maxUploadBytes,
    isReady: () => ready,
    passwords: filePasswordStore(config.dataDir, config.panel.passwordHash),
    panelDir: DEFAULT_PANEL_DIR,
    live: { status: () => status(), onPoke: (poke) => (pokeLive = poke) },
    sessions,
    tools: panelTools({
      config,
      saved: () => withOverlay(fileConfig).config,
      db: runtime.db,
      logger,
      restart,
      relay: () => (relay ? { connected: relay.status().connection === 'connected', since: relay.status().lastConnectedAt } : null),
    }),
    panel: {
      settings: new SettingsService(overlaid.config, overlaid.overlay, new SettingsFile(config.dataDir), (next, changed) => {
        config.name = next.name;
        config.pipeline = next.pipeline;
        config.reid = next.reid;
        config.deployment = next.deployment;
        logger.info({ changed }, 'settings applied live');
      }),
      captureBlob: (id) => captures.get(id)?.blobPath ?? null,
    },
    individualAdmin: {
      enroll: (input) => enrollIndividual({ infer: (job) => runtime.pool.infer(job), individuals: runtime.individuals, gallery: runtime.gallery }, input),
      remove: (id) => {
        runtime.gallery.removeIndividual(id);
        runtime.gallery.flush();
      },
      tmpDir: config.dataDir,
    },
    onIngested: () => {
      triggered('api');
      processor.kick();
    },
    status: () => status(),
  });
  function status() {
    return {
      deviceId: config.deviceId,
      name: config.name,
      uptimeSec: Math.round((Date.now() - startedAt) / 1000),
      models: runtime.pool.loadedModels(),
      queue: captures.counts(),
      sightings: runtime.sightings.count(),
      lastTrigger,
      disk: diskOf(config.dataDir),
      sync: relay ? relay.status() : { connection: 'off' },
      lastTriggerSource,
      ...health.snapshot(),
    };
  }

  await health.start();
  processor.start();
  gallerySync?.start();
  relay?.start();
  await watch?.start();
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  ready = true;
  logger.info({ port, inbox: config.inbox, dataDir: config.dataDir }, 'spoor-device ready');

  return {
    runtime,
    relay,
    gallerySync,
    gpio,
    app,
    port,
    async stop() {
      ready = false;
      await app.close();
      await gpio?.stop();
      await watch?.stop();
      await relay?.stop(); // sends the retained `offline`; unacknowledged rows stay due first
      gallerySync?.stop();
      await health.stop();
      await runtime.close();
      logger.info('spoor-device stopped');
    },
  };
}

const DEVICE_VERSION = '0.1.0';

function diskOf(dir: string): { freeBytes: number; totalBytes: number } | null {
  try {
    const s = statfsSync(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}
