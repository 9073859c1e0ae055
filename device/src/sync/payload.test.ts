import { describe, expect, it } from 'vitest';
import { codecs, decodeEmbedding } from '@spoor/protocol';
import { CaptureStore } from '../store/captures.js';
import { openDb } from '../store/db.js';
import { rng, typicalSighting } from './fixtures.js';
import { buildSightingPayload, sqliteEmbeddings, type EmbeddingLookup } from './payload.js';

/** The bundled test embedder's size (14×14 pooled grid). */
const DIM = 196;

const randomEmbeddings: EmbeddingLookup = (s, species) => {
  const r = rng(s.id.length + species.length);
  const v = Float32Array.from({ length: DIM }, () => r() * 2 - 1);
  let n = 0;
  for (const x of v) n += x * x;
  return v.map((x) => x / Math.sqrt(n));
};

describe('buildSightingPayload', () => {
  it('metadata mode: a typical sighting (3 frames, 1–2 animals) is a compact summary with int8 embeddings and top-3 taxa', () => {
    const median = (animals: number): number => {
      const sizes: number[] = [];
      for (let seed = 1; seed <= 21; seed++) {
        const s = typicalSighting(seed, 3, animals);
        const built = buildSightingPayload(s, 'metadata', randomEmbeddings);
        if (!built.ok) throw new Error(built.reason);
        sizes.push(built.bytes.byteLength);
        expect(codecs.sighting.decode(built.bytes).ok).toBe(true);
        // A frame is its id and time; file names, hashes and sizes stay on the device.
        expect(built.payload.frames.map((f) => f.captureId)).toEqual(s.frames.map((f) => f.captureId));
        expect(built.payload.frames.every((f) => Object.keys(f).sort().join() === 'captureId,takenAt')).toBe(true);
        // One detection per taxon: the most confident one, with at most 3 taxa at 3 decimals.
        expect(built.payload.detections).toHaveLength(animals);
        for (const d of built.payload.detections) {
          const best = Math.max(...s.detections.filter((x) => x.taxon?.label === d.taxon?.label).map((x) => x.confidence));
          expect(d.confidence).toBe(Math.round(best * 1000) / 1000);
          expect(d.top?.length).toBe(3);
          expect(d.top?.every((t) => Math.round(t.p * 1000) / 1000 === t.p)).toBe(true);
        }
        for (const i of built.payload.individuals) expect(i.embedding).toMatchObject({ dtype: 'i8', dim: DIM });
      }
      sizes.sort((a, b) => a - b);
      return sizes[Math.floor(sizes.length / 2)] as number;
    };
    const one = median(1);
    const two = median(2);
    console.log(`metadata sighting, 3 frames, ${DIM}-d int8 embedding: median ${one} B with 1 animal, ${two} B with 2 animals`);
    // The target: at most 1.5 KB for a typical sighting (3 frames, one animal).
    expect(one).toBeLessThanOrEqual(1536);
    expect(two).toBeLessThanOrEqual(2300);
  });

  it('int8 embeddings keep the direction of the vector (cosine > 0.99 after decoding)', () => {
    const s = typicalSighting(3, 3, 1);
    const built = buildSightingPayload(s, 'metadata', randomEmbeddings);
    if (!built.ok) throw new Error(built.reason);
    const wire = built.payload.individuals[0]?.embedding;
    if (!wire) throw new Error('no embedding');
    const a = randomEmbeddings(s, s.individuals[0]?.species ?? '', null) as Float32Array;
    const b = decodeEmbedding(wire);
    let dot = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += (a[i] as number) * (b[i] as number);
      nb += (b[i] as number) ** 2;
    }
    expect(dot / Math.sqrt(nb)).toBeGreaterThan(0.99);
  });

  it('crops/full mode sends f32 embeddings and the original file names', () => {
    const built = buildSightingPayload(typicalSighting(4), 'full', randomEmbeddings);
    if (!built.ok) throw new Error(built.reason);
    expect(built.payload.individuals[0]?.embedding?.dtype).toBe('f32');
    expect(built.payload.frames[0]?.originalName).toMatch(/^IMG_/);
  });

  it('returns a contract break instead of throwing (the relay parks the row)', () => {
    const s = typicalSighting(5);
    (s.detections[0] as { category: string }).category = 'ufo';
    const built = buildSightingPayload(s, 'metadata', randomEmbeddings);
    expect(built).toMatchObject({ ok: false, reason: expect.stringContaining('/detections/0/category') });
  });

  it('finds the embedding of the highest-confidence detection of the species in SQLite', () => {
    const db = openDb(':memory:');
    const captures = new CaptureStore(db, () => 60);
    const base = { bytes: 1, source: 'import' as const, takenAtSource: 'exif' as const, width: 10, height: 10, format: 'jpeg', cameraId: 'c', takenAt: '2026-05-01T10:00:00.000Z' };
    const c1 = captures.insertCapture({ ...base, sha256: 'a', blobPath: '/a', originalName: 'a.jpg' });
    const det = (confidence: number, v: number[]) => ({
      category: 'animal',
      label: 'animal',
      bbox: [0.1, 0.1, 0.2, 0.2] as const,
      confidence,
      taxon: { label: 'Panthera pardus', rank: 'species', p: 0.9 },
      top: null,
      embedding: new Float32Array(v),
    });
    captures.completeCapture(c1.id, [det(0.6, [1, 0]), det(0.9, [0, 1])]);
    const lookup = sqliteEmbeddings(db);
    const s = { ...typicalSighting(6, 1, 1), eventId: c1.eventId };
    expect([...(lookup(s, 'Panthera pardus', null) ?? [])]).toEqual([0, 1]);
    expect(lookup(s, 'Crocuta crocuta', null)).toBeNull();
  });
});
