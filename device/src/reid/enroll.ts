import { basename } from 'node:path';
import { DeviceErrors } from '../errors.js';
import type { InferJob, InferResult } from '../pipeline/messages.js';
import type { Individual, IndividualStore } from '../store/individuals.js';
import type { Gallery } from './gallery.js';

export interface EnrollResult {
  individual: Individual;
  used: { file: string; bbox: [number, number, number, number] }[];
  rejected: { file: string; code: string; reason: string }[];
}

/**
 * Enroll a known individual from reference photos, through the same detect → embed path
 * that sightings take. From each photo the most confident animal is used (the whole frame
 * when the detector finds none, so tight crops work too).
 */
export async function enrollIndividual(
  deps: { infer: (job: InferJob) => Promise<InferResult>; individuals: IndividualStore; gallery: Gallery },
  input: { species: string; name: string; files: readonly string[] },
): Promise<EnrollResult> {
  const vectors: Float32Array[] = [];
  const used: EnrollResult['used'] = [];
  const rejected: EnrollResult['rejected'] = [];
  for (const file of input.files) {
    const result = await deps.infer({ blobPath: file, mode: 'enroll' });
    if (!result.ok) {
      rejected.push({ file: basename(file), code: result.code, reason: result.reason });
      continue;
    }
    const best = result.detections.filter((d) => d.embedding).sort((a, b) => b.confidence - a.confidence)[0];
    if (!best?.embedding) {
      rejected.push({ file: basename(file), code: 'SPOOR_E_ENROLL_NO_FEATURES', reason: 'no embedding could be computed (is an embedder configured?)' });
      continue;
    }
    vectors.push(best.embedding);
    used.push({ file: basename(file), bbox: best.bbox });
  }
  if (vectors.length === 0) {
    throw DeviceErrors.SPOOR_E_ENROLL_NO_FEATURES(`none of the ${input.files.length} photo(s) gave usable features`, {
      hint: 'Use clear photos of the animal; check `models.embedder` in the config.',
    });
  }
  const individual = deps.individuals.create(input.species, input.name, 'enrolled');
  deps.gallery.add(individual.id, input.species, vectors, 'enroll');
  deps.gallery.flush();
  return { individual: deps.individuals.require(individual.id), used, rejected };
}
