import type { OutputSpec } from '../manifest.js';

export interface DetectionTaxonResult {
  label: string;
  rank: string;
  /** The detection's confidence (the detector's score is the only evidence there is). */
  p: number;
  /** Upward lineage, for rollup. */
  lineage: string[];
}

/**
 * The coarse taxon a detector label stands for (from the manifest's `taxonomy`), e.g.
 * zebra -> Equus (genus); null when the detector has no taxonomy or the label has none
 * (persons, vehicles). For filling `taxon` when no classifier is configured.
 */
export function detectionTaxon(spec: OutputSpec, label: string, confidence = 1): DetectionTaxonResult | null {
  if (spec.decoder !== 'gfl' || spec.taxonomy === undefined) return null;
  const t = spec.taxonomy[label];
  return t === undefined ? null : { label: t.label, rank: t.rank, p: confidence, lineage: [...t.lineage] };
}
