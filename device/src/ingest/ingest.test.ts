import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSpoorError } from '@spoor/protocol';
import { BlobStore } from './blobstore.js';
import { makeBadInputs, makeJpeg, REJECTED_INPUTS, type BadInputName, type RejectedInputName } from './fixtures.js';
import { Ingestor } from './ingest.js';
import type { CaptureRepo, NewCapture, NewQuarantine } from './types.js';

/** In-memory CaptureRepo; the SQLite one is tested in store/. */
class FakeRepo implements CaptureRepo {
  captures = new Map<string, NewCapture & { id: string }>();
  quarantined: NewQuarantine[] = [];
  onInsert: (c: NewCapture) => void = () => {};

  findBySha(sha256: string): { id: string; eventId: string } | undefined {
    const c = this.captures.get(sha256);
    return c && { id: c.id, eventId: 'evt-1' };
  }
  findQuarantinedBySha(sha256: string): { id: string } | undefined {
    const i = this.quarantined.findIndex((q) => q.sha256 === sha256);
    return i < 0 ? undefined : { id: `q-${i + 1}` };
  }
  insertCapture(c: NewCapture): { id: string; eventId: string } {
    this.onInsert(c);
    const id = `cap-${this.captures.size + 1}`;
    this.captures.set(c.sha256, { ...c, id });
    return { id, eventId: 'evt-1' };
  }
  insertQuarantine(q: NewQuarantine): { id: string } {
    this.quarantined.push(q);
    return { id: `q-${this.quarantined.length}` };
  }
}

let fixtures: string;
let bad: Record<BadInputName, string>;
let jpeg: Buffer;
let dir: string;
let inbox: string;
let blobs: BlobStore;
let repo: FakeRepo;
let ingestor: Ingestor;

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'spoor-ingest-fx-'));
  bad = await makeBadInputs(fixtures);
  jpeg = await makeJpeg({ width: 320, height: 240 });
});
afterAll(() => rm(fixtures, { recursive: true, force: true }));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spoor-ingest-'));
  inbox = join(dir, 'inbox');
  await mkdir(inbox);
  blobs = new BlobStore(join(dir, 'blobs'));
  repo = new FakeRepo();
  ingestor = new Ingestor({ blobs, repo, quarantineDir: join(dir, 'quarantine'), maxInputPixels: 50_000_000, logger: pino({ level: 'silent' }) });
  return () => rm(dir, { recursive: true, force: true });
});

async function drop(name: string, bytes: Buffer): Promise<string> {
  const path = join(inbox, name);
  await writeFile(path, bytes);
  return path;
}

describe('Ingestor', () => {
  it('turns a JPEG into a capture and removes it from the inbox only after blob and row exist', async () => {
    const src = await drop('IMG_0001.JPG', jpeg);
    repo.onInsert = (c) => {
      expect(blobs.has(c.sha256)).toBe(true);
      expect(existsSync(src)).toBe(true);
    };
    const out = await ingestor.ingestFile(src, { source: 'watch', removeSource: true });
    expect(out).toMatchObject({ kind: 'capture', captureId: 'cap-1', eventId: 'evt-1' });
    expect(existsSync(src)).toBe(false);
    const row = repo.captures.get(out.kind === 'capture' ? out.sha256 : '');
    expect(row).toMatchObject({ originalName: 'IMG_0001.JPG', source: 'watch', width: 320, height: 240, format: 'jpeg', takenAtSource: 'mtime', bytes: jpeg.length });
    expect(await readFile(row?.blobPath ?? '')).toEqual(jpeg);
  });

  it('recognises the same bytes under another name as a duplicate and clears it from the inbox', async () => {
    await ingestor.ingestFile(await drop('a.jpg', jpeg), { source: 'watch', removeSource: true });
    const again = await drop('copy-of-a.jpg', jpeg);
    expect(await ingestor.ingestFile(again, { source: 'watch', removeSource: true })).toMatchObject({ kind: 'duplicate', captureId: 'cap-1' });
    expect(existsSync(again)).toBe(false);
    expect(repo.captures.size).toBe(1);
  });

  it.each(Object.keys(REJECTED_INPUTS) as RejectedInputName[])('quarantines %s with its code, moving it out of the inbox', async (name) => {
    const src = join(inbox, `x-${name}.jpg`);
    await copyFile(bad[name], src);
    const out = await ingestor.ingestFile(src, { source: 'watch', removeSource: true });
    expect(out).toMatchObject({ kind: 'quarantined', code: REJECTED_INPUTS[name], quarantineId: 'q-1' });
    expect(existsSync(src)).toBe(false);
    const q = repo.quarantined[0];
    expect(q).toMatchObject({ code: REJECTED_INPUTS[name], originalName: `x-${name}.jpg`, source: 'watch' });
    expect(await readFile(q?.path ?? '')).toEqual(await readFile(bad[name]));
    expect(repo.captures.size).toBe(0);
  });

  it('copies a bad file to quarantine but leaves the source when removeSource is false', async () => {
    const src = await drop('notes.jpg', await readFile(bad.textAsJpeg));
    expect(await ingestor.ingestFile(src, { source: 'import', removeSource: false })).toMatchObject({ kind: 'quarantined', code: 'SPOOR_E_IMAGE_DECODE' });
    expect(existsSync(src)).toBe(true);
    expect((await readdir(join(dir, 'quarantine'))).length).toBe(1);
  });

  it('leaves the source in place when the store fails, and a retry then succeeds', async () => {
    const src = await drop('IMG_0002.JPG', jpeg);
    repo.onInsert = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    await expect(ingestor.ingestFile(src, { source: 'watch', removeSource: true })).rejects.toThrow(/SQLITE_FULL/);
    expect(existsSync(src)).toBe(true);
    repo.onInsert = () => {};
    expect(await ingestor.ingestFile(src, { source: 'watch', removeSource: true })).toMatchObject({ kind: 'capture' });
    expect(existsSync(src)).toBe(false);
  });

  it('ingests an uploaded buffer with its EXIF time and quarantines a bad upload', async () => {
    const sharp = (await import('sharp')).default;
    const shot = await sharp(jpeg).withExif({ IFD0: { Make: 'RECONYX', Model: 'HF2X' }, IFD2: { DateTimeOriginal: '2024:06:01 04:05:06' } }).toBuffer();
    const out = await ingestor.ingestBuffer(shot, { originalName: '../../evil/IMG.JPG', source: 'api' });
    expect(out.kind).toBe('capture');
    expect([...repo.captures.values()][0]).toMatchObject({ originalName: 'IMG.JPG', takenAt: '2024-06-01T04:05:06.000Z', takenAtSource: 'exif', cameraId: 'RECONYX HF2X', source: 'api' });
    expect(await ingestor.ingestBuffer(Buffer.alloc(0), { originalName: 'empty.jpg', source: 'api' })).toMatchObject({ kind: 'quarantined', code: 'SPOOR_E_EMPTY_FILE' });
  });

  it('throws SPOOR_E_IO for a source that cannot be read', async () => {
    const err = await ingestor.ingestFile(join(inbox, 'vanished.jpg'), { source: 'watch', removeSource: true }).catch((e: unknown) => e);
    expect(isSpoorError(err, 'SPOOR_E_IO')).toBe(true);
  });
});
