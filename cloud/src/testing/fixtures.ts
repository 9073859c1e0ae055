import { randomUUID } from 'node:crypto';
import { codecs, uuidv7, type SightingPayload } from '@spoor/protocol';

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
