import { describe, expect, it } from 'vitest';
import { MAX_MEDIA_BYTES, MAX_PAYLOAD_BYTES, codecs } from '../index.js';
import { sampleMedia } from '../testing/payloads.js';

describe('media payload', () => {
  const media = sampleMedia(Buffer.alloc(300 * 1024, 7).toString('base64'));

  it('round-trips an image larger than any other payload may be, and refuses what breaks the contract', () => {
    const wire = codecs.media.encode(media);
    expect(wire.byteLength).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(codecs.media.decode(wire)).toEqual({ ok: true, value: media });
    expect(codecs.sighting.decode(wire)).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_TOO_LARGE' });
    expect(codecs.media.decode(JSON.stringify({ ...media, kind: 'thumbnail' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.media.decode(JSON.stringify({ ...media, contentType: 'image/png' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.media.decode(JSON.stringify({ ...media, bytes: 'not base64!' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    const huge = JSON.stringify({ ...media, bytes: Buffer.alloc(MAX_MEDIA_BYTES + 200_000).toString('base64') });
    expect(codecs.media.decode(huge)).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_TOO_LARGE' });
  });
});
