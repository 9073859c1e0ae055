import { randomUUID } from 'node:crypto';
import { codecs, encodeEmbedding, uuidv7, type SightingPayload } from '@spoor/protocol';

/** A valid sighting as a device would send it (checked against the wire schema). */
export function makeSighting(deviceId: string, opts: { species?: string; takenAt?: Date; individualId?: string | null } = {}): SightingPayload {
  const taken = opts.takenAt ?? new Date();
  const captureId = randomUUID();
  const species = opts.species ?? 'Vulpes vulpes';
  const individualId = opts.individualId === undefined ? randomUUID() : opts.individualId;
  const p: SightingPayload = {
    v: 1,
    id: uuidv7(),
    eventId: uuidv7(),
    deviceId,
    cameraId: 'cam-1',
    takenAt: taken.toISOString(),
    endAt: new Date(taken.getTime() + 4000).toISOString(),
    frames: [{ captureId, takenAt: taken.toISOString(), sha256: 'a'.repeat(64), originalName: 'IMG_0001.JPG', width: 1920, height: 1080 }],
    detections: [
      {
        captureId,
        category: 'animal',
        label: 'animal',
        bbox: [0.1, 0.2, 0.3, 0.4],
        confidence: 0.91,
        taxon: { label: species, rank: 'species', p: 0.88 },
        top: [{ label: species, p: 0.88 }],
        individual: { id: individualId, name: null, decision: individualId ? 'known' : 'uncertain', score: 0.7 },
      },
    ],
    individuals: [{ species, id: individualId, name: 'Rusty', decision: 'known', score: 0.7, frames: 1, embedding: { dtype: 'i8', dim: 4, scale: 0.01, data: 'AQIDBA==' } }],
  };
  const check = codecs.sighting.decode(JSON.stringify(p));
  if (!check.ok) throw new Error(`fixture is invalid: ${check.reason}`);
  return p;
}

/** A sighting whose one individual is the device's local `localId` with `decision` and this embedding (int8 on the wire). */
export function makeReidSighting(deviceId: string, localId: string, decision: 'new' | 'known', vector: Float32Array, opts: { species?: string; takenAt?: Date } = {}): SightingPayload {
  const p = makeSighting(deviceId, { individualId: localId, ...opts });
  const ind = p.individuals[0];
  const det = p.detections[0];
  if (!ind || !det?.individual) throw new Error('fixture shape changed');
  ind.decision = decision;
  ind.embedding = encodeEmbedding(vector, 'i8');
  det.individual.decision = decision;
  return p;
}

/** A unit vector with a fixed pseudo-random direction per seed; `noise` moves it a little. */
export function vectorFor(seed: number, dim = 64, noise = 0): Float32Array {
  let x = seed * 9301 + 49297;
  const rnd = () => ((x = (x * 9301 + 49297) % 233280) / 233280) * 2 - 1;
  const v = Float32Array.from({ length: dim }, () => rnd());
  if (noise > 0) for (let i = 0; i < dim; i++) v[i] = (v[i] as number) + noise * Math.sin(i * 7.1 + seed);
  const n = Math.hypot(...v);
  return v.map((y) => y / n);
}
