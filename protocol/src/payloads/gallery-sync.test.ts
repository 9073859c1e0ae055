import { describe, expect, it } from 'vitest';
import { calibrate, DEFAULT_CALIBRATION, predict } from '../calibration.js';
import { codecs } from './index.js';

const G = '01890a5d-ac96-774b-bcce-b302099a8057';

describe('global gallery sync on the wire (additive fields)', () => {
  it('a catch-up delta may be addressed to one device and come in parts; bad parts are refused', () => {
    const d = { v: 1 as const, fleetId: 'north', version: 9, snapshot: true, to: 'trap-b', part: { n: 2, of: 3 }, ops: [] };
    expect(codecs.gallery.decode(codecs.gallery.encode(d))).toEqual({ ok: true, value: d });
    expect(codecs.gallery.decode(JSON.stringify({ ...d, part: { n: 0, of: 3 } }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.gallery.decode(JSON.stringify({ ...d, to: 'a/b' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
  });

  it('the status reports the gallery version applied; a sighting may carry the global id; old payloads stay valid', () => {
    const status = { v: 1 as const, deviceId: 'trap-b', state: 'online' as const, at: '2026-12-03T07:00:00Z', gallery: { fleetId: 'north', version: 4 } };
    expect(codecs.status.decode(codecs.status.encode(status))).toEqual({ ok: true, value: status });
    expect(codecs.status.decode(JSON.stringify({ ...status, gallery: { fleetId: 'north', version: -1 } }))).toMatchObject({ ok: false });
    const { gallery: _g, ...old } = status;
    expect(codecs.status.decode(JSON.stringify(old))).toMatchObject({ ok: true });

    const captureId = '01890a5d-ac96-774b-bcce-b302099a8058';
    const sighting = {
      v: 1,
      id: '01890a5d-ac96-774b-bcce-b302099a8059',
      eventId: '01890a5d-ac96-774b-bcce-b302099a805a',
      deviceId: 'trap-b',
      cameraId: null,
      takenAt: '2026-12-03T07:00:00Z',
      endAt: '2026-12-03T07:00:04Z',
      frames: [{ captureId, takenAt: '2026-12-03T07:00:00Z' }],
      detections: [
        {
          captureId,
          category: 'animal',
          label: 'animal',
          bbox: [0.1, 0.1, 0.2, 0.2],
          confidence: 0.9,
          taxon: null,
          top: null,
          individual: { id: captureId, name: null, decision: 'known', score: 0.9, globalId: G },
        },
      ],
      individuals: [{ species: 'Panthera pardus', id: captureId, name: 'Zawadi', decision: 'known', score: 0.9, frames: 1, globalId: G }],
    };
    expect(codecs.sighting.decode(JSON.stringify(sighting))).toMatchObject({ ok: true });
    expect(codecs.sighting.decode(JSON.stringify({ ...sighting, individuals: [{ ...sighting.individuals[0], globalId: 'not-a-uuid' }] }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
  });

  it('calibration is shared: embedding-only with no fitted model is the clamped cosine; a fitted one is a logistic', () => {
    expect(calibrate(DEFAULT_CALIBRATION, null, 0.8)).toBe(0.8);
    expect(calibrate(DEFAULT_CALIBRATION, null, 1.2)).toBe(1);
    const fitted = { ...DEFAULT_CALIBRATION, embedding: { w: [20], b: -15 } };
    expect(calibrate(fitted, null, 0.75)).toBeCloseTo(0.5, 6);
    expect(calibrate(fitted, null, 0.9)).toBeCloseTo(predict({ w: [20], b: -15 }, [0.9]), 9);
    expect(calibrate(DEFAULT_CALIBRATION, { lnbnn: 3, inliers: 20 }, 0.9)).toBeGreaterThan(calibrate(DEFAULT_CALIBRATION, { lnbnn: 3, inliers: 20 }, null));
  });
});
