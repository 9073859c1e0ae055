/** Test fixtures for sync: sightings shaped like `SightingBuilder` output (used by the payload and relay tests). */
import { createHash } from 'node:crypto';
import { uuidv7 } from '@spoor/protocol';
import type { Sighting } from '../store/sightings.js';


export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A sighting shaped like `SightingBuilder` output: `frames` frames, `animals` animals in each, top-5 taxa. */
export function typicalSighting(seed: number, frames = 3, animals = 1 + (seed % 2)): Sighting {
  const r = rng(seed);
  const species = ['Panthera pardus', 'Giraffa camelopardalis', 'Loxodonta africana', 'Syncerus caffer', 'Crocuta crocuta'];
  const t0 = Date.parse('2026-05-01T04:12:09.000Z') + seed * 60_000;
  const fr = Array.from({ length: frames }, (_, i) => ({
    captureId: uuidv7(),
    takenAt: new Date(t0 + i * 2000).toISOString(),
    sha256: createHash('sha256').update(`${seed}-${i}`).digest('hex'),
    originalName: `IMG_${String(seed * 10 + i).padStart(4, '0')}.JPG`,
    width: 1920,
    height: 1080,
  }));
  const individuals = Array.from({ length: animals }, (_, a) => ({
    species: species[a] as string,
    id: uuidv7(),
    name: `${species[a]} #${1 + Math.floor(r() * 40)}`,
    decision: (r() < 0.2 ? 'new' : r() < 0.5 ? 'uncertain' : 'known') as 'new' | 'uncertain' | 'known',
    score: Math.round(r() * 1e4) / 1e4,
    frames,
  }));
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const detections = fr.flatMap((f) =>
    individuals.map((ind, a) => {
      const top = species.map((label, k) => ({ label, p: k === a ? 0.6 + r() * 0.3 : r() * 0.05 })).sort((x, y) => y.p - x.p);
      return {
        captureId: f.captureId,
        category: 'animal',
        label: 'animal',
        bbox: [round(r() * 0.5), round(r() * 0.5), round(0.1 + r() * 0.3), round(0.1 + r() * 0.3)] as [number, number, number, number],
        confidence: round(0.5 + r() * 0.5),
        taxon: { label: ind.species, rank: 'species', p: round(top[0]?.p ?? 0) },
        top,
        individual: { id: ind.id, name: ind.name, decision: ind.decision, score: ind.score },
      };
    }),
  );
  return { id: uuidv7(), eventId: uuidv7(), deviceId: 'trap-07', cameraId: 'cam-north', takenAt: fr[0]?.takenAt ?? '', endAt: fr.at(-1)?.takenAt ?? '', frames: fr, detections, individuals };
}

