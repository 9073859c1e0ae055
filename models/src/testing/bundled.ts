import { dirname } from 'node:path';
import type { Logger } from '../logger.js';
import { bundledManifestPath, loadManifest, type ModelEntry } from '../manifest.js';
import { Classifier, Detector, Embedder } from '../runners.js';
import type { ProviderConfig } from '../session.js';

export interface BundledModels {
  detector: Detector;
  classifier: Classifier;
  embedder: Embedder;
  release(): Promise<void>;
}

/** Open the three bundled test models (cpu by default). */
export async function openBundledModels(opts: { providers?: ProviderConfig[]; logger?: Logger; threads?: number } = {}): Promise<BundledModels> {
  const path = bundledManifestPath();
  const manifest = loadManifest(path);
  const entry = (task: ModelEntry['task']): ModelEntry => {
    const e = manifest.models.find((m) => m.task === task);
    if (e === undefined) throw new Error(`bundled manifest has no ${task}`);
    return e;
  };
  const load = {
    modelDir: dirname(path),
    providers: opts.providers ?? ['cpu'],
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
  };
  const [detector, classifier, embedder] = await Promise.all([
    Detector.create(entry('detector'), load),
    Classifier.create(entry('classifier'), load),
    Embedder.create(entry('embedder'), load),
  ]);
  return {
    detector,
    classifier,
    embedder,
    release: async () => {
      await Promise.all([detector.release(), classifier.release(), embedder.release()]);
    },
  };
}
