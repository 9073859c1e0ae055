import { svg, html, type TemplateResult } from 'lit';

/** Hand-made inline SVG charts (no chart library, no CDN). High-contrast colours, one per series. */
export const COLORS = ['#0047ff', '#d40000', '#008a00', '#8a00c4', '#b35900', '#007a8a', '#c4007a', '#555500'] as const;
export const color = (i: number) => COLORS[i % COLORS.length] as string;

const W = 720;

/** Lines per series over time buckets (x = bucket index). */
export function lineChart(buckets: string[], series: { name: string; values: number[] }[], title: string): TemplateResult {
  const H = 260;
  const pad = { l: 40, r: 30, t: 10, b: 40 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => pad.l + (buckets.length <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (buckets.length - 1));
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const ticks = niceTicks(max);
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  return html`<figure>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${title} style="width:100%;height:auto">
      ${ticks.map((t) => svg`<line x1=${pad.l} x2=${W - pad.r} y1=${y(t)} y2=${y(t)} stroke="#bbb" /><text x=${pad.l - 6} y=${y(t) + 4} text-anchor="end" font-size="12">${t}</text>`)}
      <line x1=${pad.l} x2=${W - pad.r} y1=${H - pad.b} y2=${H - pad.b} stroke="#000" stroke-width="2" />
      ${buckets.map((b, i) => (i % every === 0 ? svg`<text x=${x(i)} y=${H - pad.b + 16} text-anchor="middle" font-size="12">${b.slice(5, 10)}</text>` : ''))}
      ${series.map(
        (s, si) => svg`<polyline fill="none" stroke=${color(si)} stroke-width="3" points=${s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
          ${s.values.map((v, i) => svg`<circle cx=${x(i)} cy=${y(v)} r="3.5" fill=${color(si)}><title>${s.name} ${buckets[i]}: ${v}</title></circle>`)}`,
      )}
    </svg>
    ${legend(series.map((s) => s.name))}
  </figure>`;
}

/** The diel activity pattern: a 24-hour histogram and, beside it, the same counts as a rose (hour 0 at the top). */
export function dielChart(hours: number[], name: string, index: number): TemplateResult {
  const H = 190;
  const pad = { l: 34, r: 8, t: 10, b: 28 };
  const max = Math.max(1, ...hours);
  const bw = (W * 0.62 - pad.l - pad.r) / 24;
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const R = 70;
  const cx = W * 0.62 + 140;
  const cy = H / 2;
  const wedge = (h: number, v: number) => {
    const r = (v / max) * R;
    const a0 = ((h - 0.5) / 24) * 2 * Math.PI;
    const a1 = ((h + 0.5) / 24) * 2 * Math.PI;
    const p = (a: number) => `${cx + r * Math.sin(a)},${cy - r * Math.cos(a)}`;
    return `M${cx},${cy} L${p(a0)} A${r},${r} 0 0 1 ${p(a1)} Z`;
  };
  return html`<figure>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Activity by hour of day for ${name}" style="width:100%;height:auto">
      ${niceTicks(max).map((t) => svg`<line x1=${pad.l} x2=${W * 0.62 - pad.r} y1=${y(t)} y2=${y(t)} stroke="#bbb" /><text x=${pad.l - 5} y=${y(t) + 4} text-anchor="end" font-size="11">${t}</text>`)}
      ${hours.map((v, h) => v === 0 ? '' : svg`<rect class="bar" x=${pad.l + h * bw + 1} y=${y(v)} width=${bw - 2} height=${H - pad.b - y(v)} fill=${color(index)}><title>${h}:00–${h + 1}:00: ${v}</title></rect>`)}
      ${[0, 6, 12, 18, 23].map((h) => svg`<text x=${pad.l + h * bw + bw / 2} y=${H - pad.b + 16} text-anchor="middle" font-size="12">${h}h</text>`)}
      <line x1=${pad.l} x2=${W * 0.62 - pad.r} y1=${H - pad.b} y2=${H - pad.b} stroke="#000" stroke-width="2" />
      <circle cx=${cx} cy=${cy} r=${R} fill="none" stroke="#bbb" />
      <circle cx=${cx} cy=${cy} r=${R / 2} fill="none" stroke="#ddd" />
      ${hours.map((v, h) => (v > 0 ? svg`<path d=${wedge(h, v)} fill=${color(index)} fill-opacity="0.85" stroke="#000" stroke-width="0.5" />` : ''))}
      ${[
        [0, '0h'],
        [6, '6h'],
        [12, '12h'],
        [18, '18h'],
      ].map(([h, l]) => {
        const a = ((h as number) / 24) * 2 * Math.PI;
        return svg`<text x=${cx + (R + 14) * Math.sin(a)} y=${cy - (R + 12) * Math.cos(a) + 4} text-anchor="middle" font-size="12">${l}</text>`;
      })}
    </svg>
    <figcaption><em>${name}</em> · ${hours.reduce((a, b) => a + b, 0)} sightings</figcaption>
  </figure>`;
}

/** Horizontal bars, two values per row (e.g. detections and sightings per device). */
export function barChart(rows: { name: string; a: number; b: number }[], labels: [string, string], title: string): TemplateResult {
  const rowH = 34;
  const left = 150;
  const H = Math.max(60, rows.length * rowH + 30);
  const max = Math.max(1, ...rows.flatMap((r) => [r.a, r.b]));
  const w = (v: number) => (v / max) * (W - left - 60);
  return html`<figure>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${title} style="width:100%;height:auto">
      ${rows.map(
        (r, i) => svg`<text x=${left - 8} y=${i * rowH + 22} text-anchor="end" font-size="13" font-weight="700">${r.name}</text>
          <rect class="bar" x=${left} y=${i * rowH + 6} width=${w(r.a)} height="12" fill=${color(0)}><title>${labels[0]}: ${r.a}</title></rect>
          <text x=${left + w(r.a) + 5} y=${i * rowH + 17} font-size="12">${r.a}</text>
          <rect x=${left} y=${i * rowH + 19} width=${w(r.b)} height="12" fill=${color(1)}><title>${labels[1]}: ${r.b}</title></rect>
          <text x=${left + w(r.b) + 5} y=${i * rowH + 30} font-size="12">${r.b}</text>`,
      )}
      <line x1=${left} x2=${left} y1="0" y2=${rows.length * rowH + 4} stroke="#000" stroke-width="2" />
    </svg>
    ${legend([...labels])}
  </figure>`;
}

function legend(names: string[]): TemplateResult {
  return html`<figcaption style="display:flex;flex-wrap:wrap;gap:0.25rem 1rem">
    ${names.map((n, i) => html`<span><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill=${color(i)} /></svg> <em>${n}</em></span>`)}
  </figcaption>`;
}

function niceTicks(max: number): number[] {
  const step = Math.max(1, Math.pow(10, Math.floor(Math.log10(max))) * (max / Math.pow(10, Math.floor(Math.log10(max))) > 5 ? 2 : 1));
  const out: number[] = [];
  for (let t = 0; t <= max; t += step) out.push(t);
  return out;
}
