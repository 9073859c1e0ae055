import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSpoorError } from '@spoor/protocol';
import { BlobStore } from './blobstore.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'spoor-blobs-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('BlobStore', () => {
  it('stores bytes under ab/cd/<sha256> and finds them again', async () => {
    const store = new BlobStore(root);
    const bytes = Buffer.from('a camera trap photo');
    const put = await store.put(bytes);
    expect(put).toEqual({ sha256: sha(bytes), path: join(root, put.sha256.slice(0, 2), put.sha256.slice(2, 4), put.sha256), bytes: bytes.length, existed: false });
    expect(await readFile(put.path)).toEqual(bytes);
    expect(store.has(put.sha256)).toBe(true);
    expect(store.path(put.sha256)).toBe(put.path);
  });

  it('streams a file path (2.5 MB) with the same hash, and recognises it as existing', async () => {
    const big = Buffer.alloc(2_500_000, 7);
    const src = join(root, 'in.jpg');
    await writeFile(src, big);
    const store = new BlobStore(join(root, 'blobs'));
    const first = await store.put(src);
    expect(first).toMatchObject({ sha256: sha(big), bytes: big.length, existed: false });
    expect(await store.put(big)).toMatchObject({ sha256: sha(big), existed: true });
    expect(await store.put(src)).toMatchObject({ sha256: sha(big), existed: true });
    expect(await readdir(join(root, 'blobs', '.tmp'))).toEqual([]);
  });

  it('refuses a name that is not a sha256 instead of building a path from it', () => {
    const store = new BlobStore(root);
    expect(store.has('../../etc/passwd')).toBe(false);
    expect(() => store.path('../../etc/passwd')).toThrow(/not found/i);
  });

  it('reports a missing source as SPOOR_E_IO and leaves no temp file', async () => {
    const store = new BlobStore(root);
    const err = await store.put(join(root, 'gone.jpg')).catch((e: unknown) => e);
    expect(isSpoorError(err, 'SPOOR_E_IO')).toBe(true);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });
});
