import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { SAMPLE_SHOT, takeTestShot } from './test-shot.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('test shot', () => {
  it('without a camera, puts the bundled sample in the watch folder with new bytes each time (ingest skips duplicates)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-shot-'));
    const { gpio } = parseConfig({ dataDir: dir, inbox: dir });
    const a = await takeTestShot({ gpio, inbox: join(dir, 'inbox'), now: new Date('2026-05-01T10:00:00Z') });
    const b = await takeTestShot({ gpio, inbox: join(dir, 'inbox'), now: new Date('2026-05-01T10:00:05Z') });
    expect(a).toEqual({ ok: true, source: 'sample', file: 'test-shot-20260501T100000Z.jpg', at: '2026-05-01T10:00:00.000Z' });
    expect(b.ok && b.file).toBe('test-shot-20260501T100005Z.jpg');
    const files = (await readdir(join(dir, 'inbox'))).sort();
    expect(files).toEqual(['test-shot-20260501T100000Z.jpg', 'test-shot-20260501T100005Z.jpg']); // no temp file left
    const [x, y] = await Promise.all(files.map((f) => readFile(join(dir, 'inbox', f))));
    expect(sha(x as Buffer)).not.toBe(sha(y as Buffer));
    expect((x as Buffer).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((x as Buffer).length).toBeGreaterThan((await readFile(SAMPLE_SHOT)).length);
  });

  it('with the PIR camera set up, runs its capture command; a failing camera says what to check', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-shot-'));
    const cam = join(dir, 'fake-camera.sh');
    await writeFile(cam, `#!/bin/sh\ncp "${SAMPLE_SHOT}" "$2"\n`);
    await chmod(cam, 0o755);
    const { gpio } = parseConfig({ dataDir: dir, inbox: dir, gpio: { enabled: true, captureCommand: [cam, '-o', '{out}'] } });
    const r = await takeTestShot({ gpio, inbox: join(dir, 'inbox') });
    expect(r).toMatchObject({ ok: true, source: 'camera' });
    expect(await readFile(join(dir, 'inbox', r.ok ? r.file : ''))).toEqual(await readFile(SAMPLE_SHOT));

    const broken = parseConfig({ dataDir: dir, inbox: dir, gpio: { enabled: true, captureCommand: ['/bin/sh', '-c', 'echo "no camera on CSI port" >&2; exit 3', '{out}'] } });
    const f = await takeTestShot({ gpio: broken.gpio, inbox: join(dir, 'inbox2') });
    expect(f).toMatchObject({ ok: false, source: 'camera', message: expect.stringMatching(/no camera on CSI port/), hint: expect.stringMatching(/captureCommand/) });
    expect(await readdir(join(dir, 'inbox2'))).toEqual([]);
  });
});
