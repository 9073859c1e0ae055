import { describe, expect, it } from 'vitest';
import type { SoftmaxOutput } from '../manifest.js';
import { decodeSoftmax } from './softmax.js';

const spec: SoftmaxOutput = {
  decoder: 'softmax',
  labels: ['Panthera pardus', 'Lynx lynx', 'Equus quagga', 'Giraffa camelopardalis'],
  taxonomy: {
    'Panthera pardus': ['Panthera', 'Felidae', 'Carnivora', 'Mammalia'],
    'Lynx lynx': ['Lynx', 'Felidae', 'Carnivora', 'Mammalia'],
    'Equus quagga': ['Equus', 'Equidae', 'Perissodactyla', 'Mammalia'],
    'Giraffa camelopardalis': ['Giraffa', 'Giraffidae', 'Artiodactyla', 'Mammalia'],
  },
  logits: false,
  topK: 2,
  rollupThreshold: 0.8,
};
const probs = (...p: number[]) => ({ data: Float32Array.from(p), dims: [1, p.length] });

describe('decodeSoftmax', () => {
  it('returns the species when it is sure', () => {
    const r = decodeSoftmax(probs(0.9, 0.05, 0.03, 0.02), spec);
    expect(r.taxon).toEqual({ label: 'Panthera pardus', rank: 'species', p: expect.closeTo(0.9, 6) });
    expect(r.top.map((t) => t.label)).toEqual(['Panthera pardus', 'Lynx lynx']);
  });

  it('rolls up to Felidae when leopard and lynx split 0.5 / 0.45', () => {
    const r = decodeSoftmax(probs(0.5, 0.45, 0.03, 0.02), spec);
    expect(r.taxon.label).toBe('Felidae');
    expect(r.taxon.rank).toBe('family');
    expect(r.taxon.p).toBeCloseTo(0.95, 6);
  });

  it('applies softmax to logits', () => {
    const r = decodeSoftmax(probs(2, 0, 0, 0), { ...spec, logits: true });
    const e = Math.exp(2);
    expect(r.top[0]?.p).toBeCloseTo(e / (e + 3), 6);
  });

  it('restricts to the allow-list and renormalises', () => {
    const r = decodeSoftmax(probs(0.5, 0.2, 0.2, 0.1), spec, { allowList: ['Equus quagga', 'Giraffa camelopardalis'], topK: 4 });
    expect(r.top.map((t) => [t.label, Number(t.p.toFixed(4))])).toEqual([
      ['Equus quagga', 0.6667],
      ['Giraffa camelopardalis', 0.3333],
    ]);
    expect(r.taxon.label).toBe('Mammalia');
  });

  it('accepts a higher taxon in the allow-list', () => {
    const r = decodeSoftmax(probs(0.1, 0.2, 0.6, 0.1), spec, { allowList: ['Felidae'] });
    expect(r.top[0]).toEqual({ label: 'Lynx lynx', p: expect.closeTo(2 / 3, 6) });
    expect(r.taxon).toMatchObject({ label: 'Felidae', rank: 'family' });
  });
});
