import { describe, expect, it } from 'vitest';
import { codecs } from './index.js';

describe('gallery delta payload', () => {
  const delta = {
    v: 1 as const,
    fleetId: 'north',
    version: 3,
    ops: [
      {
        op: 'upsert' as const,
        individualId: '01890a5d-ac96-774b-bcce-b302099a8057',
        species: 'Lynx lynx',
        name: null,
        links: [{ deviceId: 'trap-a', localId: '01890a5d-ac96-774b-bcce-b302099a8058' }],
        refs: [{ dim: 4, scale: 0.01, data: 'AQIDBA==' }],
      },
      { op: 'remove' as const, individualId: '01890a5d-ac96-774b-bcce-b302099a8059', mergedInto: '01890a5d-ac96-774b-bcce-b302099a8057' },
    ],
  };

  it('round-trips and refuses unknown ops or bad ids', () => {
    expect(codecs.gallery.decode(codecs.gallery.encode(delta))).toEqual({ ok: true, value: delta });
    expect(codecs.gallery.decode(JSON.stringify({ ...delta, ops: [{ op: 'drop', individualId: 'x' }] }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.gallery.decode(JSON.stringify({ ...delta, fleetId: 'a/b' }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
  });
});
