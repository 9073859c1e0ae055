import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The hub's gallery index parts on disk, so a restart loads them instead of building HNSW
 * graphs from every reference again (minutes at 100k). Postgres stays the source of truth:
 * a part is loaded only when its sidecar's fingerprint (sha256 of the reference ids it holds)
 * equals what the store holds now and the file's sha256 checks out; else it is rebuilt.
 */
export interface Sidecar {
  v: 1;
  dims: number;
  count: number;
  /** sha256 of the part's reference ids, ascending, comma separated. */
  fingerprint: string;
  /** sha256 of the index file, checked before native code reads it. */
  sha256: string;
}

export function fingerprint(keys: Iterable<bigint>): string {
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(sorted.join(',')).digest('hex');
}

export function fileFor(dir: string, partKey: string): string {
  const safe = partKey.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const tag = createHash('sha256').update(partKey).digest('hex').slice(0, 12);
  return join(dir, `${safe.slice(0, 80)}-${tag}.usearch`);
}

/** The file to load for this part, or null when it is missing, corrupt or behind the store. */
export function usableFile(dir: string, partKey: string, dims: number, want: string): string | null {
  const file = fileFor(dir, partKey);
  if (!existsSync(file) || !existsSync(`${file}.json`)) return null;
  try {
    const side = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Sidecar;
    if (side.v !== 1 || side.dims !== dims || side.fingerprint !== want) return null;
    if (createHash('sha256').update(readFileSync(file)).digest('hex') !== side.sha256) return null;
    return file;
  } catch {
    return null;
  }
}

/** Write the index through `save` to a temp file, rename it into place, then its sidecar. */
export function writePart(dir: string, partKey: string, dims: number, keys: Iterable<bigint>, save: (path: string) => void): void {
  mkdirSync(dir, { recursive: true });
  const file = fileFor(dir, partKey);
  const list = [...keys];
  save(`${file}.tmp`);
  renameSync(`${file}.tmp`, file);
  const side: Sidecar = { v: 1, dims, count: list.length, fingerprint: fingerprint(list), sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
  writeFileSync(`${file}.json`, JSON.stringify(side));
}
