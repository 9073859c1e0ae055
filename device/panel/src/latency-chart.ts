import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LatencyPoint } from './api.js';

const W = 320;
const H = 120;
const PAD = { l: 40, r: 8, t: 8, b: 22 };

/** Inference latency p50/p95 over time as a small inline SVG (no chart library, readable in sunlight). */
@customElement('spoor-latency-chart')
export class LatencyChart extends LitElement {
  static override styles = css`
    :host { display: block; }
    svg { width: 100%; height: auto; max-width: 640px; display: block; }
    .legend { display: flex; gap: 1rem; font-size: 0.9rem; font-weight: 700; margin-top: 0.25rem; }
    .swatch { display: inline-block; width: 1.5rem; height: 0; border-top: 4px solid #000; vertical-align: middle; margin-right: 0.3rem; }
    .swatch.p95 { border-top: 4px dashed #0047ff; }
  `;

  @property({ attribute: false }) points: LatencyPoint[] = [];

  override render() {
    const pts = this.points;
    if (pts.length === 0) return html`<p class="hint">No frames processed yet: the chart fills in as photos come in.</p>`;
    const t0 = Date.parse(pts[0]?.t ?? '');
    const t1 = Date.parse(pts[pts.length - 1]?.t ?? '');
    const span = Math.max(1, t1 - t0);
    const max = niceMax(Math.max(...pts.map((p) => p.p95), 1));
    const x = (t: string) => PAD.l + (pts.length === 1 ? (W - PAD.l - PAD.r) / 2 : ((Date.parse(t) - t0) / span) * (W - PAD.l - PAD.r));
    const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
    const line = (k: 'p50' | 'p95') => pts.map((p) => `${x(p.t).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
    const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return html`
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Inference latency p50 and p95 over time, up to ${max} ms">
        ${svg`
          <rect x=${PAD.l} y=${PAD.t} width=${W - PAD.l - PAD.r} height=${H - PAD.t - PAD.b} fill="#fff" stroke="#000" stroke-width="1.5" />
          ${[0, 0.5, 1].map((f) => svg`<line x1=${PAD.l} x2=${W - PAD.r} y1=${y(max * f)} y2=${y(max * f)} stroke="#000" stroke-opacity="0.25" />
            <text x=${PAD.l - 4} y=${y(max * f) + 4} text-anchor="end" font-size="13" font-weight="700" fill="#000">${Math.round(max * f)}</text>`)}
          <text x=${PAD.l} y=${H - 5} font-size="13" font-weight="700" fill="#000">${time(t0)}</text>
          <text x=${W - PAD.r} y=${H - 5} text-anchor="end" font-size="13" font-weight="700" fill="#000">${time(t1)}</text>
          <text x=${(W + PAD.l) / 2} y=${H - 5} text-anchor="middle" font-size="13" fill="#000">ms per frame</text>
          <polyline class="p95" points=${line('p95')} fill="none" stroke="#0047ff" stroke-width="3" stroke-dasharray="6 4" stroke-linejoin="round" />
          <polyline class="p50" points=${line('p50')} fill="none" stroke="#000" stroke-width="3" stroke-linejoin="round" />
          ${pts.map((p) => svg`<rect x=${x(p.t) - 3} y=${y(p.p95) - 3} width="6" height="6" fill="#0047ff" /><circle cx=${x(p.t)} cy=${y(p.p50)} r="3.5" fill="#000" />`)}
        `}
      </svg>
      <div class="legend"><span><span class="swatch"></span>p50</span><span><span class="swatch p95"></span>p95</span></div>
    `;
  }
}

/** 1, 2 or 5 × a power of ten, at or above v. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p);
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-latency-chart': LatencyChart;
  }
}
