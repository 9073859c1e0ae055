import { describe, expect, it } from 'vitest';
import { codecs, decodeCropFeatures, encodeCropFeatures, keypointCount, matchKeypoints } from './index.js';
import { randomKeypoints, rng, secondView } from './testing/keypoints.js';
import { sampleMedia } from './testing/payloads.js';

describe('crop keypoints on the wire', () => {
  it('round-trip to 1/16 px and ride on a crop media message', () => {
    const k = randomKeypoints(400, rng(1));
    const wire = encodeCropFeatures(k);
    const back = decodeCropFeatures(wire);
    if (!back.ok) throw new Error(back.reason);
    expect(keypointCount(back.keypoints)).toBe(400);
    expect(Buffer.from(back.keypoints.descriptors).equals(Buffer.from(k.descriptors))).toBe(true);
    for (let i = 0; i < 800; i++) expect(Math.abs((back.keypoints.points[i] as number) - (k.points[i] as number))).toBeLessThanOrEqual(1 / 32);
    // 400 keypoints cost 400 × 36 bytes, base64: about 19 KB per crop.
    expect(JSON.stringify(wire).length).toBeLessThan(19_500);

    const media = { ...sampleMedia(), features: wire };
    expect(codecs.media.decode(codecs.media.encode(media))).toEqual({ ok: true, value: media });
    expect(codecs.media.decode(JSON.stringify({ ...media, features: { ...wire, w: 0 } }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
    expect(codecs.media.decode(JSON.stringify({ ...media, features: { ...wire, extra: 1 } }))).toMatchObject({ ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA' });
  });

  it('features whose parts disagree are refused with the reason', () => {
    const wire = encodeCropFeatures(randomKeypoints(10, rng(2)));
    expect(decodeCropFeatures({ ...wire, descriptors: Buffer.alloc(9 * 32).toString('base64') })).toEqual({ ok: false, reason: '10 keypoints but 9 descriptors' });
    expect(decodeCropFeatures({ ...wire, descriptors: Buffer.alloc(33).toString('base64') })).toMatchObject({ ok: false, reason: expect.stringContaining('not a multiple of 32') });
    expect(decodeCropFeatures({ ...wire, keypoints: Buffer.alloc(41).toString('base64') })).toMatchObject({ ok: false, reason: expect.stringContaining('not a multiple of 4') });
    expect(decodeCropFeatures({ ...wire, w: 10 })).toMatchObject({ ok: false, reason: expect.stringContaining('outside the 10×240 crop') });
    expect(decodeCropFeatures({ ...wire, region: [0.5, 0, 0.6, 1] })).toMatchObject({ ok: false, reason: expect.stringContaining('not inside the image') });
    expect(() => encodeCropFeatures({ ...randomKeypoints(3, rng(3)), points: new Float32Array(4) })).toThrow(RangeError);
  });
});

describe('matching the keypoints of two crops', () => {
  it('finds the pairs one affine map explains, mapped into each image, and nothing between unrelated crops', () => {
    const rand = rng(7);
    const a = randomKeypoints(300, rand);
    const { b, truth } = secondView(a, 120, 180, rand);
    const m = matchKeypoints(a, b);
    expect(m.counts).toEqual({ a: 300, b: keypointCount(b) });
    expect(m.inliers.length).toBeGreaterThanOrEqual(100);
    expect(m.tentative).toBeGreaterThanOrEqual(m.inliers.length);
    // Every inlier is a true pair: its point in b is where the map sends the point in a.
    let wrong = 0;
    for (const p of m.inliers) {
      // a's region is [0.1, 0.1, 0.8, 0.8]: back to crop px.
      const ax = ((p.a[0] - 0.1) / 0.8) * 320;
      const ay = ((p.a[1] - 0.1) / 0.8) * 240;
      const near = [...truth.entries()].find(([k]) => Math.abs((b.points[2 * k] as number) / 320 - p.b[0]) < 1e-3 && Math.abs((b.points[2 * k + 1] as number) / 240 - p.b[1]) < 1e-3);
      const i = near?.[1];
      if (i === undefined || Math.abs((a.points[2 * i] as number) - ax) > 0.5 || Math.abs((a.points[2 * i + 1] as number) - ay) > 0.5) wrong++;
    }
    expect(wrong).toBe(0);
    expect(m.inliers.every((p, k) => k === 0 || p.distance >= (m.inliers[k - 1] as { distance: number }).distance)).toBe(true);

    const unrelated = matchKeypoints(a, randomKeypoints(300, rng(99)));
    expect(unrelated.inliers.length).toBeLessThan(5);
    expect(matchKeypoints(a, randomKeypoints(0, rand)).inliers).toEqual([]);
  });
});
