/**
 * Durable ingest: one file or buffer in, one outcome out.
 *
 * Order: read and hash → probe (bad input is quarantined, never thrown) → duplicate
 * check → blob stored and fsynced → capture row inserted → only then is the source
 * removed. A crash at any step leaves the source in the inbox, and a retry is safe:
 * the blob store and the duplicate check make every step idempotent.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { isSpoorError } from '@spoor/protocol';
import { DeviceErrors } from '../errors.js';
import type { BlobStore } from './blobstore.js';
import { readCaptureMeta } from './exif.js';
import { probeImage, type ImageProbe } from './image.js';
import type { CaptureRepo, CaptureSource, IngestOutcome } from './types.js';

export interface IngestorOptions {
  blobs: BlobStore;
  repo: CaptureRepo;
  quarantineDir: string;
  maxInputPixels: number;
  logger: Logger;
}

interface Item {
  buf: Buffer;
  originalName: string;
  source: CaptureSource;
  mtime: Date;
  /** The inbox file, when there is one. */
  srcPath?: string;
  removeSource: boolean;
}

export class Ingestor {
  readonly #opts: IngestorOptions;
  readonly #log: Logger;

  constructor(opts: IngestorOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ module: 'ingest' });
  }

  /** Ingest a file; with `removeSource` it leaves its folder once the outcome is durable. */
  async ingestFile(path: string, opts: { source: CaptureSource; removeSource: boolean }): Promise<IngestOutcome> {
    let buf: Buffer;
    let mtime: Date;
    try {
      [buf, { mtime }] = await Promise.all([readFile(path), stat(path)]);
    } catch (err) {
      throw DeviceErrors.SPOOR_E_IO(`reading ${path}: ${(err as Error).message}`, { cause: err });
    }
    return this.#ingest({ buf, originalName: basename(path), source: opts.source, mtime, srcPath: path, removeSource: opts.removeSource });
  }

  /** Ingest bytes received some other way (HTTP upload); `mtime` defaults to now. */
  async ingestBuffer(buf: Buffer, opts: { originalName: string; source: CaptureSource; mtime?: Date }): Promise<IngestOutcome> {
    return this.#ingest({ buf, originalName: basename(opts.originalName), source: opts.source, mtime: opts.mtime ?? new Date(), removeSource: false });
  }

  async #ingest(item: Item): Promise<IngestOutcome> {
    const { blobs, repo, maxInputPixels } = this.#opts;
    const sha256 = createHash('sha256').update(item.buf).digest('hex');

    // Seen before, accepted or not: the same bytes are a duplicate, so a re-run over a
    // folder accounts for every file exactly once and creates nothing new.
    const existing = repo.findBySha(sha256);
    if (existing !== undefined) {
      if (!blobs.has(sha256)) await blobs.put(item.buf); // heal a blob lost behind the row's back
      await this.#removeSource(item);
      this.#log.info({ captureId: existing.id, sha256, name: item.originalName }, 'duplicate capture skipped');
      return { kind: 'duplicate', captureId: existing.id, sha256 };
    }
    const rejected = repo.findQuarantinedBySha(sha256);
    if (rejected !== undefined) {
      await this.#removeSource(item);
      this.#log.info({ quarantineId: rejected.id, sha256, name: item.originalName }, 'duplicate of a quarantined file skipped');
      return { kind: 'duplicate', captureId: null, quarantineId: rejected.id, sha256 };
    }

    let probe: ImageProbe;
    try {
      probe = await probeImage(item.buf, { maxInputPixels });
    } catch (err) {
      if (!isSpoorError(err)) throw err;
      return this.#quarantine(item, sha256, err.code, err.message);
    }

    const meta = await readCaptureMeta(item.buf, { mtime: item.mtime });
    const blob = await blobs.put(item.buf);
    const row = repo.insertCapture({
      sha256,
      blobPath: blob.path,
      bytes: blob.bytes,
      originalName: item.originalName,
      source: item.source,
      takenAt: meta.takenAt,
      takenAtSource: meta.takenAtSource,
      cameraId: meta.cameraId,
      width: probe.width,
      height: probe.height,
      format: probe.format,
    });
    await this.#removeSource(item);
    this.#log.info({ captureId: row.id, eventId: row.eventId, sha256, name: item.originalName }, 'capture ingested');
    return { kind: 'capture', captureId: row.id, eventId: row.eventId, sha256 };
  }

  /** Keep the bad file under `quarantineDir/<UTC date>/` and record why. */
  async #quarantine(item: Item, sha256: string, code: string, reason: string): Promise<IngestOutcome> {
    const dir = join(this.#opts.quarantineDir, new Date().toISOString().slice(0, 10));
    const path = join(dir, `${sha256.slice(0, 12)}-${safeName(item.originalName)}`);
    try {
      await mkdir(dir, { recursive: true });
      if (item.srcPath === undefined) await writeFile(path, item.buf);
      else if (item.removeSource) await move(item.srcPath, path);
      else await copyFile(item.srcPath, path);
    } catch (err) {
      throw DeviceErrors.SPOOR_E_IO(`quarantining ${item.originalName} to ${path}: ${(err as Error).message}`, { cause: err });
    }
    const { id } = this.#opts.repo.insertQuarantine({ originalName: item.originalName, sha256, code, reason, path, source: item.source });
    this.#log.warn({ quarantineId: id, code, name: item.originalName, path }, `quarantined: ${reason}`);
    return { kind: 'quarantined', code, reason, quarantineId: id };
  }

  async #removeSource(item: Item): Promise<void> {
    if (!item.removeSource || item.srcPath === undefined) return;
    try {
      await unlink(item.srcPath);
    } catch (err) {
      // The outcome is already durable; a file left behind comes back as a duplicate.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn({ err, path: item.srcPath }, 'could not remove ingested source file');
    }
  }
}

/** Rename, or copy and unlink when the quarantine dir is on another file system. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}

const safeName = (name: string): string => name.replace(/[^\w.-]+/g, '_').slice(-120) || 'unnamed';
