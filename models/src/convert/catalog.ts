import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { ModelErrors } from '../errors.js';
import { fieldManifestPath, loadFieldManifest, PIN_ON_FIRST_DOWNLOAD, type FieldEntry } from '../manifest.js';
import { sha256File } from '../sha.js';

/** Where field models are installed: models/cache/field (gitignored). */
export function fieldModelsDir(): string {
  return fileURLToPath(new URL('../../cache/field/', import.meta.url));
}

export interface CatalogOptions {
  /** Field manifest to read (default: the bundled one). */
  manifestPath?: string;
  /** Install folder (default: models/cache/field). */
  dir?: string;
}

interface Pin {
  sha256: string;
  pinnedAt: string;
  from: string;
}

/** Local pins of field models whose publisher gives no sha256: <dir>/overrides.json. */
function overridesPath(dir: string): string {
  return join(dir, 'overrides.json');
}

export function readPins(dir = fieldModelsDir()): Record<string, Pin> {
  const p = overridesPath(dir);
  if (!existsSync(p)) return {};
  return JSON.parse(readFileSync(p, 'utf8')) as Record<string, Pin>;
}

function writePin(dir: string, id: string, pin: Pin): void {
  const pins = { ...readPins(dir), [id]: pin };
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${overridesPath(dir)}.tmp`, `${JSON.stringify(pins, null, 2)}\n`);
  renameSync(`${overridesPath(dir)}.tmp`, overridesPath(dir));
}

export function findFieldEntry(id: string, opts: CatalogOptions = {}): FieldEntry {
  const manifestPath = opts.manifestPath ?? fieldManifestPath();
  const entry = loadFieldManifest(manifestPath).models.find((m) => m.id === id);
  if (entry === undefined) throw ModelErrors.SPOOR_E_MODEL_MISSING(`${id} is not in ${manifestPath}`);
  return entry;
}

/** The sha256 a field model must have: published in the manifest, or pinned locally, or null. */
export function expectedSha(entry: FieldEntry, dir = fieldModelsDir()): string | null {
  if (entry.sha256 !== PIN_ON_FIRST_DOWNLOAD) return entry.sha256;
  return readPins(dir)[entry.id]?.sha256 ?? null;
}

export interface AddResult {
  id: string;
  path: string;
  sha256: string;
  /**
   * 'verified': matched a published or pinned sha256; 'pinned': first copy, sha256 now
   * recorded; 'downloaded': the url serves a checkpoint to export, not the model file.
   */
  check: 'verified' | 'pinned' | 'downloaded';
}

async function install(entry: FieldEntry, file: string, dir: string, from: string): Promise<AddResult> {
  const actual = await sha256File(file);
  const want = expectedSha(entry, dir);
  if (want !== null && want !== actual) {
    throw ModelErrors.SPOOR_E_MODEL_SHA(`${entry.id} (${file}): expected ${want}, actual ${actual}`);
  }
  const dest = join(dir, entry.file);
  mkdirSync(dirname(dest), { recursive: true });
  if (resolve(file) !== resolve(dest)) copyFileSync(file, dest);
  if (want === null) writePin(dir, entry.id, { sha256: actual, pinnedAt: new Date().toISOString(), from });
  return { id: entry.id, path: dest, sha256: actual, check: want === null ? 'pinned' : 'verified' };
}

/** Side-load a model file obtained elsewhere (USB stick, another machine) as field model `id`. */
export async function addModel(file: string, id: string, opts: CatalogOptions = {}): Promise<AddResult> {
  if (!existsSync(file)) throw ModelErrors.SPOOR_E_MODEL_MISSING(`${file} does not exist`);
  return install(findFieldEntry(id, opts), file, opts.dir ?? fieldModelsDir(), `add ${basename(file)}`);
}

export interface FetchOptions extends CatalogOptions {
  /** Time allowed until the server answers with headers; offline fails after this. Default 5000 ms. */
  connectTimeoutMs?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

/**
 * Download a field model: resumes a partial `.part` file with a Range request, then checks
 * (or pins) its sha256. Offline it fails within `connectTimeoutMs`, naming the URL and how to
 * side-load the file instead.
 */
export async function fetchModel(id: string, opts: FetchOptions = {}): Promise<AddResult & { note?: string }> {
  const entry = findFieldEntry(id, opts);
  const dir = opts.dir ?? fieldModelsDir();
  const target = entry.source === undefined ? join(dir, entry.file) : join(dir, 'downloads', basename(new URL(entry.url).pathname));
  const part = `${target}.part`;
  mkdirSync(dirname(part), { recursive: true });
  const have = existsSync(part) ? statSync(part).size : 0;

  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error(`no answer within ${opts.connectTimeoutMs ?? 5000} ms`)), opts.connectTimeoutMs ?? 5000);
  let res: Response;
  try {
    res = await fetch(entry.url, { signal: ctrl.signal, redirect: 'follow', headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  } catch (err) {
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw ModelErrors.SPOOR_E_MODEL_MISSING(`${id}: cannot download ${entry.url} (${cause})`, {
      cause: err,
      hint: `Offline? Download ${entry.url} on another machine${entry.source ? ` (${entry.source})` : ''}, copy it here and run \`spoor-models add <file> --as ${id}\`.`,
    });
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok || res.body === null) {
    throw ModelErrors.SPOOR_E_MODEL_MISSING(`${id}: ${entry.url} answered HTTP ${res.status}`, {
      hint: `Download it by hand and run \`spoor-models add <file> --as ${id}\`.`,
    });
  }
  const resumed = res.status === 206;
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? length + (resumed ? have : 0) : undefined;
  let received = resumed ? have : 0;
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    opts.onProgress?.(received, total);
  });
  await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  renameSync(part, target);
  if (entry.source !== undefined) {
    return { id, path: target, sha256: await sha256File(target), check: 'downloaded', note: `${entry.url} is not the ONNX file: ${entry.source}` };
  }
  return install(entry, target, dir, `fetch ${entry.url}`);
}
