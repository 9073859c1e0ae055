import { ModelErrors } from '../errors.js';
import type { SoftmaxOutput } from '../manifest.js';
import type { OutputTensor } from './types.js';

export const RANKS = ['species', 'genus', 'family', 'order', 'class', 'phylum', 'kingdom'] as const;
export type Rank = (typeof RANKS)[number];

export interface TaxonScore {
  label: string;
  p: number;
}

export interface Classification {
  /** Best labels first, probabilities after softmax and allow-list renormalisation. */
  top: TaxonScore[];
  /** The species, or the lowest higher taxon whose summed probability reaches rollupThreshold. */
  taxon: { label: string; rank: Rank; p: number };
}

export interface SoftmaxOptions {
  topK?: number;
  /** Species (or higher taxa, e.g. 'Felidae') allowed at this deployment; others get p = 0. */
  allowList?: readonly string[];
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] ?? -Infinity);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] ?? -Infinity) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}

export function decodeSoftmax(output: OutputTensor, spec: SoftmaxOutput, opts: SoftmaxOptions = {}): Classification {
  const C = spec.labels.length;
  if (output.data.length !== C) {
    throw ModelErrors.SPOOR_E_MODEL_OUTPUT(`expected ${C} class scores, got [${output.dims.join(', ')}]`);
  }
  const p = spec.logits ? softmax(output.data) : Float64Array.from(output.data);
  const allowed = opts.allowList === undefined ? undefined : restrict(p, spec, new Set(opts.allowList));

  const order = [...spec.labels.keys()].filter((i) => allowed?.[i] ?? true).sort((a, b) => (p[b] ?? 0) - (p[a] ?? 0));
  const top = order.slice(0, opts.topK ?? spec.topK).map((i) => ({ label: spec.labels[i] ?? '', p: p[i] ?? 0 }));
  const best = top[0] ?? { label: '', p: 0 };
  return { top, taxon: rollup(p, spec, best) };
}

/**
 * Zero the labels the allow-list does not cover and renormalise the rest. Returns which labels
 * are allowed; an allow-list that covers no label is ignored (all allowed).
 */
function restrict(p: Float64Array, spec: SoftmaxOutput, allow: Set<string>): boolean[] {
  const allowed = spec.labels.map((l) => allow.has(l) || (spec.taxonomy[l] ?? []).some((t) => allow.has(t)));
  if (!allowed.some(Boolean)) return allowed.map(() => true);
  let sum = 0;
  for (let i = 0; i < p.length; i++) if (allowed[i]) sum += p[i] ?? 0;
  for (let i = 0; i < p.length; i++) p[i] = allowed[i] && sum > 0 ? (p[i] ?? 0) / sum : 0;
  return allowed;
}

function rollup(p: Float64Array, spec: SoftmaxOutput, best: TaxonScore): Classification['taxon'] {
  if (best.p >= spec.rollupThreshold) return { label: best.label, rank: 'species', p: best.p };
  const depth = Math.max(0, ...spec.labels.map((l) => spec.taxonomy[l]?.length ?? 0));
  let last: Classification['taxon'] = { label: best.label, rank: 'species', p: best.p };
  for (let level = 0; level < depth; level++) {
    const sums = new Map<string, number>();
    spec.labels.forEach((l, i) => {
      const t = spec.taxonomy[l]?.[level];
      if (t !== undefined) sums.set(t, (sums.get(t) ?? 0) + (p[i] ?? 0));
    });
    let label = '';
    let sp = -1;
    for (const [t, s] of sums) if (s > sp) [label, sp] = [t, s];
    last = { label, rank: RANKS[level + 1] ?? 'kingdom', p: sp };
    if (sp >= spec.rollupThreshold) return last;
  }
  return last;
}
