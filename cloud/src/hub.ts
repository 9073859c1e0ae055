import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildApp } from './http/app.js';
import { startBroker, type Broker } from './broker/broker.js';
import type { HubConfig } from './config.js';
import { Gallery } from './gallery/gallery.js';
import { FleetRepo } from './store/fleet.js';
import { Ingest } from './ingest/ingest.js';
import { openStore, type Store } from './store/store.js';
import { acquireLock, type HeldLock } from './system/lock.js';
import { createHubMetrics, type HubMetrics } from './system/metrics.js';

export interface Hub {
  httpPort: number;
  /** The embedded broker's MQTT port; null when the hub uses an external broker. */
  mqttPort: number | null;
  mqttWsPort: number | null;
  store: Store;
  metrics: HubMetrics;
  broker: Broker | null;
  ingest: Ingest;
  gallery: Gallery;
  /** The in-memory admin token written to hub.lock.json (PGlite data dirs only). */
  localAdminToken: string | null;
  stop(): Promise<void>;
}

/**
 * Start the hub in-process: lock the data dir (PGlite) → store (migrated) → broker
 * (embedded, unless mqttUrl) → ingest → HTTP. `stop()` undoes it in reverse order.
 */
export async function startHub(config: HubConfig, logger: Logger): Promise<Hub> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse().splice(0)) {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, 'error while stopping');
      }
    }
  };
  try {
    let lock: HeldLock | null = null;
    if (!config.databaseUrl) {
      lock = acquireLock(config.dataDir, 'hub');
      const held = lock;
      cleanups.push(() => held.release());
    }
    const store = await openStore(config);
    cleanups.push(() => store.close());
    logger.info({ store: store.sql.kind }, 'store open');
    const metrics = createHubMetrics();

    let broker: Broker | null = null;
    if (!config.mqttUrl) {
      // A fresh embedded broker has no device connected: stored statuses say offline until devices reconnect.
      await new FleetRepo(store.sql, store.devices).markAllOffline();
      broker = await startBroker({ ...config.mqtt, prefix: config.prefix, devices: store.devices, logger });
      const b = broker;
      cleanups.push(() => b.stop());
    }
    const gallery = new Gallery({ sql: store.sql, settings: config.gallery, prefix: config.prefix, logger, indexDir: join(config.dataDir, 'gallery-index') });
    await gallery.start();
    cleanups.push(() => gallery.stop());
    const loopback = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    const ingest = new Ingest({
      url: config.mqttUrl ?? `${config.mqtt.tls ? 'mqtts' : 'mqtt'}://${loopback(config.mqtt.host)}:${broker?.port}`,
      username: broker ? broker.hubCredentials.username : config.mqttUsername,
      password: broker ? broker.hubCredentials.password : config.mqttPassword,
      tlsInsecure: Boolean(broker && config.mqtt.tls),
      prefix: config.prefix,
      sharedGroup: config.mqttUrl ? config.sharedGroup : undefined,
      maxBatch: config.ingest.maxBatch,
      maxWaitMs: config.ingest.maxWaitMs,
      store,
      metrics,
      logger,
      onCommitted: (sightings) => gallery.onCommitted(sightings),
      onStatus: (deviceId, status) => gallery.onDeviceStatus(deviceId, status),
    });
    gallery.setPublisher(ingest);
    await ingest.start();
    cleanups.push(() => ingest.stop());

    const app = await buildApp({ logger, store, metrics, gallery, broker: broker ?? undefined, ingest, localAdminToken: lock?.info.token, prefix: config.prefix });
    await app.listen({ host: config.http.host, port: config.http.port });
    cleanups.push(() => app.close());
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    lock?.setHttpPort(httpPort);
    logger.info({ http: httpPort, mqtt: broker?.port ?? null, mqttWs: broker?.wsPort ?? null, external: config.mqttUrl ? true : undefined }, 'hub ready');

    return {
      httpPort,
      mqttPort: broker?.port ?? null,
      mqttWsPort: broker?.wsPort ?? null,
      store,
      metrics,
      broker,
      ingest,
      gallery,
      localAdminToken: lock?.info.token ?? null,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
