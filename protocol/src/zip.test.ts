import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, unzipStore, zipStore } from './zip.js';

describe('store-only zip', () => {
  it('writes a store-only zip that unzip(1)-style readers accept', async () => {
    const zip = zipStore({ 'a.txt': 'hello\n', 'dir/b.csv': 'x,y\r\n1,"2"\r\n', 'ünï.json': '{}' });
    const back = unzipStore(zip);
    expect(Object.keys(back)).toEqual(['a.txt', 'dir/b.csv', 'ünï.json']);
    expect(back['dir/b.csv']?.toString()).toBe('x,y\r\n1,"2"\r\n');
    // Python's zipfile checks the CRCs and the directory independently of our reader.
    const dir = await mkdtemp(join(tmpdir(), 'spoor-zip-'));
    await writeFile(join(dir, 'x.zip'), zip);
    const listed = execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(",".join(z.namelist()))', join(dir, 'x.zip')]).toString().trim();
    expect(listed).toBe('a.txt,dir/b.csv,ünï.json');
    const broken = Buffer.from(zip);
    broken[31 + 'a.txt'.length] ^= 0xff; // flip a byte of a.txt's data
    expect(() => unzipStore(broken)).toThrow(/CRC/);
  });


  it('computes the standard CRC-32 (IEEE)', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
