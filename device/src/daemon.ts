import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from './config/load.js';
import { buildApp } from './http/app.js';
import { openRuntime, type DeviceRuntime } from './runtime.js';
import { WatchFolder } from './triggers/watch-folder.js';

export interface Daemon {
  runtime: DeviceRuntime;
  app: FastifyInstance;
  port: number;
  stop(): Promise<void>;
}

/**
 * Wire the daemon by hand: config → logger → store + models → pipeline → triggers → http.
 * Parts stop in reverse order.
 */
export async function startDaemon(config: ResolvedConfig, logger: Logger): Promise<Daemon> {
  const startedAt = Date.now();
  const runtime = await openRuntime(config, logger);
  const { processor, ingestor, captures } = runtime;
  let lastTrigger: string | null = null;
  let ready = false;

  const watch = config.watch.enabled
    ? new WatchFolder({
        dir: config.inbox,
        stableMs: config.watch.stableMs,
        pollMs: config.watch.pollMs,
        logger: logger.child({ mod: 'watch' }),
        onFile: async (path) => {
          lastTrigger = new Date().toISOString();
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
    onIngested: () => {
      lastTrigger = new Date().toISOString();
      processor.kick();
    },
    status: () => ({
      deviceId: config.deviceId,
      name: config.name,
      uptimeSec: Math.round((Date.now() - startedAt) / 1000),
      models: runtime.pool.loadedModels(),
      queue: captures.counts(),
      sightings: runtime.sightings.count(),
      lastTrigger,
    }),
  });

  processor.start();
  await watch?.start();
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  ready = true;
  logger.info({ port, inbox: config.inbox, dataDir: config.dataDir }, 'spoor-device ready');

  return {
    runtime,
    app,
    port,
    async stop() {
      ready = false;
      await app.close();
      await watch?.stop();
      await runtime.close();
      logger.info('spoor-device stopped');
    },
  };
}
