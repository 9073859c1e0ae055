import { describe, expect, it } from 'vitest';
import { UUID_RE, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('makes valid, unique ids that sort in creation order within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000));
    for (const id of ids) expect(id).toMatch(UUID_RE);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('encodes the timestamp in the first 48 bits', () => {
    const id = uuidv7(0x0193456789ab);
    expect(id.replace(/-/g, '').slice(0, 12)).toBe('0193456789ab');
  });
});
