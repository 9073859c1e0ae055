import { describe, expect, it } from 'vitest';
import { voteBurst } from './vote.js';

const t = { accept: 0.85, reject: 0.6 };

describe('voteBurst', () => {
  it('calls a consistent strong match known', () => {
    const v = voteBurst([[{ individualId: 'a', score: 0.95 }], [{ individualId: 'a', score: 0.9 }], [{ individualId: 'a', score: 0.92 }]], t);
    expect(v).toMatchObject({ decision: 'known', individualId: 'a', frames: 3 });
    expect(v.score).toBeCloseTo(0.92);
  });

  it('lets the burst outvote one bad frame that matched someone else', () => {
    const v = voteBurst(
      [
        [{ individualId: 'a', score: 0.93 }],
        [{ individualId: 'b', score: 0.97 }, { individualId: 'a', score: 0.2 }],
        [{ individualId: 'a', score: 0.9 }],
      ],
      t,
    );
    expect(v).toMatchObject({ decision: 'known', individualId: 'a' });
  });

  it('proposes a new individual when nothing in the gallery is close', () => {
    expect(voteBurst([[{ individualId: 'a', score: 0.3 }], [{ individualId: 'a', score: 0.4 }]], t)).toMatchObject({ decision: 'new', individualId: null });
    expect(voteBurst([[], []], t)).toMatchObject({ decision: 'new', individualId: null });
  });

  it('flags the band between the thresholds as uncertain, keeping the best candidate', () => {
    expect(voteBurst([[{ individualId: 'a', score: 0.7 }]], t)).toMatchObject({ decision: 'uncertain', individualId: 'a' });
  });
});
