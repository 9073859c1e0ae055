import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exifTime, readCaptureMeta } from './exif.js';

const mtime = new Date('2023-01-02T03:04:05.000Z');

function jpegWithExif(ifd0: Record<string, string>, exif: Record<string, string>): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } })
    .jpeg()
    .withExif({ IFD0: ifd0, IFD2: exif }) // libvips calls the EXIF sub-IFD "IFD2"
    .toBuffer();
}

describe('readCaptureMeta', () => {
  it('reads a camera-trap JPEG: naive DateTimeOriginal as UTC, serial as camera id', async () => {
    const buf = await jpegWithExif({ Make: 'RECONYX', Model: 'HF2X' }, { DateTimeOriginal: '2024:05:01 21:45:09', BodySerialNumber: 'H5000123' });
    expect(await readCaptureMeta(buf, { mtime })).toEqual({
      takenAt: '2024-05-01T21:45:09.000Z',
      takenAtSource: 'exif',
      cameraId: 'H5000123',
      make: 'RECONYX',
      model: 'HF2X',
      serial: 'H5000123',
    });
  });

  it('applies OffsetTimeOriginal when the camera writes one', async () => {
    const buf = await jpegWithExif({}, { DateTimeOriginal: '2024:05:01 01:30:00', OffsetTimeOriginal: '+02:00' });
    const meta = await readCaptureMeta(buf, { mtime });
    expect(meta.takenAt).toBe('2024-04-30T23:30:00.000Z');
    expect(meta.cameraId).toBeNull();
  });

  it('falls back to "Make Model" as camera id without a serial', async () => {
    const buf = await jpegWithExif({ Make: 'Browning', Model: 'BTC-8E' }, { DateTimeOriginal: '2024:05:01 21:45:09' });
    expect((await readCaptureMeta(buf, { mtime })).cameraId).toBe('Browning BTC-8E');
  });

  it('falls back to mtime when there is no EXIF', async () => {
    const buf = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } }).png().toBuffer();
    expect(await readCaptureMeta(buf, { mtime })).toEqual({ takenAt: mtime.toISOString(), takenAtSource: 'mtime', cameraId: null });
  });

  it('falls back to mtime on a zeroed clock and never throws on garbage bytes', async () => {
    const zeroed = await jpegWithExif({ Make: 'Bushnell' }, { DateTimeOriginal: '0000:00:00 00:00:00' });
    expect(await readCaptureMeta(zeroed, { mtime })).toMatchObject({ takenAtSource: 'mtime', cameraId: 'Bushnell' });
    expect((await readCaptureMeta(Buffer.from('not an image'), { mtime })).takenAtSource).toBe('mtime');
    expect((await readCaptureMeta(Buffer.alloc(0), { mtime })).takenAtSource).toBe('mtime');
  });
});

describe('exifTime', () => {
  it('rejects impossible dates instead of rolling them over', () => {
    expect(exifTime('2024:02:31 10:00:00', undefined, undefined)).toBeUndefined();
    expect(exifTime('2024:02:29 10:00:00', '-05:30', '25')).toBe('2024-02-29T15:30:00.250Z');
  });
});
