import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ResolvedConfig } from './config/load.js';
import { BlobStore } from './ingest/blobstore.js';
import { Ingestor } from './ingest/ingest.js';
import type { WorkerInit } from './pipeline/messages.js';
import { InferencePool } from './pipeline/pool.js';
import { Processor, type ProcessorDeps } from './pipeline/processor.js';
import { SightingBuilder } from './pipeline/sightings.js';
import { Gallery } from './reid/gallery.js';
import { CaptureStore } from './store/captures.js';
import { openDb, type Db } from './store/db.js';
import { IndividualStore } from './store/individuals.js';
import { SightingStore } from './store/sightings.js';

export interface DeviceRuntime {
  config: ResolvedConfig;
  logger: Logger;
  db: Db;
  captures: CaptureStore;
  sightings: SightingStore;
  individuals: IndividualStore;
  gallery: Gallery;
  blobs: BlobStore;
  ingestor: Ingestor;
  pool: InferencePool;
  processor: Processor;
  close(): Promise<void>;
}

export const dataPaths = (dataDir: string) => ({
  db: join(dataDir, 'spoor.db'),
  blobs: join(dataDir, 'blobs'),
  quarantine: join(dataDir, 'quarantine'),
  gallery: join(dataDir, 'gallery'),
});

export function workerInit(config: ResolvedConfig): WorkerInit {
  return {
    manifest: config.models.manifest ?? null,
    detector: config.models.detector,
    classifier: config.models.classifier,
    embedder: config.models.embedder,
    providers: config.models.providers.map((name) =>
      name === 'tensorrt' ? { name, engineCacheDir: config.models.tensorrt.engineCacheDir ?? join(config.dataDir, 'trt-engines'), fp16: config.models.tensorrt.fp16 } : name,
    ),
    threads: config.models.threads,
    maxInputPixels: config.pipeline.maxInputPixels,
    minDetectionConfidence: config.pipeline.minDetectionConfidence,
    topK: config.pipeline.topK,
    speciesAllowList: config.pipeline.speciesAllowList,
    reidSpecies: config.reid.species,
    localFeatures: config.reid.localFeatures ? { maxKeypoints: config.reid.maxKeypoints } : null,
  };
}

/**
 * Build the device's parts in dependency order: store → models → pipeline. The daemon adds
 * triggers and HTTP on top; CLI commands use it as is. Loading the models can fail with a
 * coded error (missing file, bad sha256) — the caller reports it.
 */
export async function openRuntime(config: ResolvedConfig, logger: Logger, hooks: Pick<ProcessorDeps, 'onFrame' | 'onSighting'> = {}): Promise<DeviceRuntime> {
  const paths = dataPaths(config.dataDir);
  const db = openDb(paths.db);
  const captures = new CaptureStore(db, () => config.pipeline.burstWindowSec);
  const sightings = new SightingStore(db);
  const individuals = new IndividualStore(db);
  const gallery = new Gallery(db, paths.gallery, logger.child({ mod: 'gallery' }));
  const blobs = new BlobStore(paths.blobs);
  const ingestor = new Ingestor({ blobs, repo: captures, quarantineDir: paths.quarantine, maxInputPixels: config.pipeline.maxInputPixels, logger: logger.child({ mod: 'ingest' }) });
  const pool = new InferencePool(workerInit(config), (delayMs) => logger.warn({ delayMs }, 'inference worker died; restarting'));
  try {
    const models = await pool.start();
    for (const m of models) logger.info({ model: m.id, provider: m.provider, skipped: m.skipped }, 'model loaded');
  } catch (err) {
    db.close();
    throw err;
  }
  const builder = new SightingBuilder({
    db,
    sightings,
    individuals,
    gallery,
    deviceId: config.deviceId,
    thresholds: () => ({ accept: config.reid.acceptThreshold, reject: config.reid.rejectThreshold }),
  });
  const processor = new Processor({
    captures,
    infer: (blobPath) => pool.infer({ blobPath, mode: 'sighting' }),
    sightings: builder,
    logger: logger.child({ mod: 'pipeline' }),
    ...hooks,
  });
  return {
    config, logger, db, captures, sightings, individuals, gallery, blobs, ingestor, pool, processor,
    async close() {
      await processor.stop();
      await pool.stop();
      gallery.flush();
      db.close();
    },
  };
}
