import { describe, expect, it } from 'vitest';
import { decodeEmbedding, encodeEmbedding } from './embedding.js';
import { uuidv7 } from './ids.js';
import { codecs } from './payloads/index.js';
import { deviceTopic, fleetTopic, parseTopic } from './topics.js';

const sighting = () => ({
  v: 1 as const,
  id: uuidv7(),
  eventId: uuidv7(),
  deviceId: 'trap-07',
  cameraId: null,
  takenAt: '2026-06-01T04:00:00.000Z',
  endAt: '2026-06-01T04:00:04.000Z',
  frames: [{ captureId: uuidv7(), takenAt: '2026-06-01T04:00:00.000Z', sha256: 'a'.repeat(64), originalName: 'IMG_1.JPG', width: 1920, height: 1080 }],
  detections: [],
  individuals: [],
});

describe('topics', () => {
  it('builds and parses the contract topics', () => {
    expect(deviceTopic('sighting', 'trap-07')).toBe('spoor/v1/d/trap-07/sighting');
    expect(parseTopic('spoor/v1/d/trap-07/receipt')).toEqual({ scope: 'd', deviceId: 'trap-07', kind: 'receipt' });
    expect(parseTopic(fleetTopic('north', 'x/y'), 'x/y')).toEqual({ scope: 'f', fleetId: 'north', kind: 'gallery' });
  });

  it('refuses topics outside the contract', () => {
    for (const t of ['spoor/v1/d/+/sighting', 'spoor/v1/d/a/b/sighting', 'spoor/v1/d/a/unknown', 'other/v1/d/a/status', 'spoor/v1/f/a/status']) expect(parseTopic(t)).toBeNull();
  });
});

describe('codecs', () => {
  it('round-trips a valid sighting', () => {
    const s = sighting();
    expect(codecs.sighting.decode(codecs.sighting.encode(s))).toEqual({ ok: true, value: s });
  });

  it('rejects malformed payloads with a stable code and never throws', () => {
    expect(codecs.sighting.decode(Buffer.from('{not json'))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_JSON' });
    expect(codecs.sighting.decode(JSON.stringify({ ...sighting(), v: 2 }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.sighting.decode(JSON.stringify({ ...sighting(), takenAt: 'yesterday' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.sighting.decode(Buffer.alloc(300_000, 32))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_TOO_LARGE' });
    expect(codecs.receipt.decode('null')).toMatchObject({ ok: false });
    expect(() => codecs.sighting.encode({ ...sighting(), deviceId: 'bad/id' })).toThrow(/invalid payload/);
  });
});

describe('embeddings on the wire', () => {
  it('int8 keeps cosine similarity within 1% and is 4× smaller than f32', () => {
    const v = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37));
    const i8 = encodeEmbedding(v, 'i8');
    const back = decodeEmbedding(i8);
    let dot = 0, a = 0, b = 0;
    for (let i = 0; i < v.length; i++) {
      dot += (v[i] as number) * (back[i] as number);
      a += (v[i] as number) ** 2;
      b += (back[i] as number) ** 2;
    }
    expect(dot / Math.sqrt(a * b)).toBeGreaterThan(0.99);
    expect(Buffer.from(i8.data, 'base64').byteLength * 4).toBe(Buffer.from(encodeEmbedding(v, 'f32').data, 'base64').byteLength);
    expect(decodeEmbedding(encodeEmbedding(v, 'f32'))).toEqual(v);
  });
});
