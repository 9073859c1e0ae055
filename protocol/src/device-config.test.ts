import { describe, expect, it } from 'vitest';
import { checkConfigPush } from './device-config.js';

describe('a config push checked against the device schema (what the hub does before publishing)', () => {
  it('accepts valid partial settings and names the path of the first bad one', () => {
    expect(checkConfigPush({})).toEqual({ ok: true });
    expect(checkConfigPush({ sync: { bandwidth: 'crops', sendKeypoints: false }, deployment: { latitude: 46.5, longitude: 7.9 } })).toEqual({ ok: true });
    expect(checkConfigPush({ sync: { bandwidth: 'everything' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^\/sync\/bandwidth: /) });
    expect(checkConfigPush({ pipeline: { burstWindowSec: -1 } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^\/pipeline\/burstWindowSec: /) });
    expect(checkConfigPush({ sync: { unknownSetting: 1 } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^\/sync/) });
    expect(checkConfigPush({ inbox: '/tmp/x' })).toEqual({ ok: false, reason: '/inbox: set on the device only, not by the hub' });
  });
});
