import { basename } from 'node:path';
import { DeviceErrors } from '../errors.js';
import type { InferJob, InferResult } from '../pipeline/messages.js';
import type { Individual, IndividualStore } from '../store/individuals.js';
import type { LocalFeatures } from './features.js';
import type { Gallery } from './gallery.js';

export interface EnrollResult {
  individual: Individual;
  used: { file: string; bbox: [number, number, number, number] }[];
  rejected: { file: string; code: string; reason: string }[];
}

/**
 * Enroll a known individual from reference photos, through the same detect → embed path
 * that sightings take
 * (embedding and ORB local features). From each photo the most confident animal is used (the whole frame
 * when the detector finds none, so tight crops work too).
 */
export async function enrollIndividual(
  deps: { infer: (job: InferJob) => Promise<InferResult>; individuals: IndividualStore; gallery: Gallery },
  input: { species: string; name: string; files: readonly string[] },
): Promise<EnrollResult> {
  const vectors: Float32Array[] = [];
  const features: LocalFeatures[] = [];
  const used: EnrollResult['used'] = [];
  const rejected: EnrollResult['rejected'] = [];
  for (const file of input.files) {
    const result = await deps.infer({ blobPath: file, mode: 'enroll' });
    if (!result.ok) {
      rejected.push({ file: basename(file), code: result.code, reason: result.reason });
      continue;
    }
    const best = result.detections.filter((d) => d.embedding || d.features?.descriptors.length).sort((a, b) => b.confidence - a.confidence)[0];
    if (!best) {
      rejected.push({ file: basename(file), code: 'SPOOR_E_ENROLL_NO_FEATURES', reason: 'neither an embedding nor local features could be computed' });
      continue;
    }
    if (best.embedding) vectors.push(best.embedding);
    if (best.features?.descriptors.length) features.push(best.features);
    used.push({ file: basename(file), bbox: best.bbox });
  }
  if (vectors.length === 0 && features.length === 0) {
    throw DeviceErrors.SPOOR_E_ENROLL_NO_FEATURES(`none of the ${input.files.length} photo(s) gave usable features`, {
      hint: 'Use clear photos of the animal; check `models.embedder` in the config.',
    });
  }
  const individual = deps.individuals.create(input.species, input.name, 'enrolled');
  deps.gallery.add(individual.id, input.species, vectors, 'enroll');
  deps.gallery.addFeatures(individual.id, input.species, features, 'enroll');
  deps.gallery.flush();
  return { individual: deps.individuals.require(individual.id), used, rejected };
}
