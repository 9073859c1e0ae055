import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { sighting, type Sighting } from './api.js';
import { boxedPhoto, detectionLabel, photoStyles } from './photo.js';
import { shared } from './styles.js';

/** One sighting: every frame of the burst with its boxes, and each detection's label and confidence. */
@customElement('spoor-sighting-detail')
export class SpoorSightingDetail extends LitElement {
  static override styles = [
    shared,
    photoStyles,
    css`
      .frames { display: grid; gap: 0.75rem; grid-template-columns: 1fr; }
      @media (min-width: 900px) { .frames { grid-template-columns: 1fr 1fr; } }
      figure { margin: 0; }
      figcaption { margin-top: 0.4rem; }
      ul { margin: 0.25rem 0 0; padding-left: 1.2rem; }
      a.back { display: inline-block; min-height: 44px; line-height: 44px; font-weight: 700; color: #000; }
    `,
  ];

  @property() sightingId = '';
  @state() private s: Sighting | null = null;
  @state() private error = '';

  override updated(changed: Map<string, unknown>) {
    if (changed.has('sightingId') && this.sightingId) void this.load();
  }

  private async load() {
    try {
      this.s = await sighting(this.sightingId);
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
      this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
    }
  }

  override render() {
    const back = html`<a class="back" href="#sightings">← All sightings</a>`;
    const s = this.s;
    if (!s) return html`${back}<p class=${this.error ? 'error' : ''}>${this.error || 'Loading…'}</p>`;
    const names = [...new Set(s.detections.filter((d) => d.label !== 'frame').map((d) => d.taxon?.label ?? d.label))];
    return html`
      ${back}
      <h2>${names.join(', ') || 'Nothing detected'}</h2>
      <p class="hint">
        ${new Date(s.takenAt).toLocaleString()} · ${s.frames.length} frame${s.frames.length === 1 ? '' : 's'}
        ${s.individuals.length ? html` · ${s.individuals.map((i) => `${i.name ?? (i.id ? i.id.slice(0, 8) : 'unknown')} (${i.decision})`).join(', ')}` : ''}
      </p>
      <div class="frames">
        ${s.frames.map((f, i) => {
          const dets = s.detections.filter((d) => d.captureId === f.captureId && d.label !== 'frame');
          return html`<figure class="card frame" data-capture=${f.captureId}>
            ${boxedPhoto(f, dets, 1280, `Frame ${i + 1}: ${dets.map(detectionLabel).join(', ') || 'nothing detected'}`)}
            <figcaption>
              <strong>Frame ${i + 1} of ${s.frames.length}</strong> · ${f.originalName}
              ${dets.length
                ? html`<ul>
                    ${dets.map((d) => html`<li class="detection">${detectionLabel(d)} — ${d.category}, ${Math.round(d.confidence * 100)}%${d.taxon ? ` · ${d.taxon.label} ${Math.round(d.taxon.p * 100)}%` : ''}</li>`)}
                  </ul>`
                : html`<p class="hint">Nothing detected in this frame.</p>`}
            </figcaption>
          </figure>`;
        })}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-sighting-detail': SpoorSightingDetail;
  }
}
