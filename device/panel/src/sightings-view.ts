import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { imageUrl, sightings, type Sighting } from './api.js';
import { shared } from './styles.js';
import { Poller } from './util.js';

/** Recent sightings, newest first, with the animals boxed on a downscaled photo; filter by species. */
@customElement('spoor-sightings')
export class SpoorSightings extends LitElement {
  static override styles = [
    shared,
    css`
      .photo { position: relative; line-height: 0; background: #000; overflow: hidden; }
      .photo img { width: 100%; height: auto; }
      .box { position: absolute; border: 3px solid #ffd400; box-shadow: 0 0 0 2px #000; }
      .tag { position: absolute; max-width: 100%; overflow: hidden; text-overflow: ellipsis; background: #ffd400; color: #000; font: 700 0.8rem/1.4 system-ui; padding: 0 4px; white-space: nowrap; }
      .meta { margin: 0.5rem 0 0; }
      .filter { display: flex; gap: 0.5rem; align-items: end; margin-bottom: 0.75rem; }
    `,
  ];

  @state() private items: Sighting[] = [];
  @state() private species = '';
  @state() private known: string[] = [];
  @state() private error = '';
  private readonly poller = new Poller(2000, () => this.load());

  override connectedCallback() {
    super.connectedCallback();
    this.poller.start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.poller.stop();
  }

  private async load() {
    try {
      const { items } = await sightings(this.species || undefined);
      this.items = items;
      const labels = items.flatMap((s) => s.detections.map((d) => d.taxon?.label ?? d.label));
      this.known = [...new Set([...this.known, ...labels])].sort();
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
      this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
    }
  }

  override render() {
    return html`
      <h2>Sightings</h2>
      <div class="filter">
        <div style="flex: 1">
          <label for="species">Species</label>
          <select id="species" @change=${(e: Event) => this.filter((e.target as HTMLSelectElement).value)}>
            <option value="">All species</option>
            ${this.known.map((s) => html`<option value=${s} ?selected=${s === this.species}>${s}</option>`)}
          </select>
        </div>
      </div>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.items.length === 0 ? html`<p>No sightings yet.</p>` : ''}
      <div class="grid">${this.items.map((s) => this.card(s))}</div>
    `;
  }

  private filter(species: string) {
    this.species = species;
    void this.load();
  }

  private card(s: Sighting) {
    const frame = s.frames[0];
    const dets = s.detections.filter((d) => d.captureId === frame?.captureId && d.label !== 'frame');
    const names = [...new Set(s.detections.map((d) => d.taxon?.label ?? d.label))];
    return html`
      <article class="card sighting" data-id=${s.id}>
        ${frame
          ? html`<div class="photo">
              <img src=${imageUrl(frame.captureId, 640)} alt=${names.join(', ')} width=${frame.width} height=${frame.height} loading="lazy" />
              ${dets.map((d) => {
                const [x, y, w, h] = d.bbox;
                const who = d.individual?.name ?? (d.individual?.decision === 'new' ? 'new individual' : '');
                return html`<div class="box" style="left:${x * 100}%;top:${y * 100}%;width:${w * 100}%;height:${h * 100}%"></div>
                  <span class="tag" style="left:${x * 100}%;top:${y * 100}%;max-width:${(1 - x) * 100}%">${who || d.taxon?.label || d.label}</span>`;
              })}
            </div>`
          : ''}
        <p class="meta"><strong class="species">${names.join(', ')}</strong></p>
        ${s.individuals.length
          ? html`<p class="meta">${s.individuals.map((i) => `${i.name ?? (i.id ? i.id.slice(0, 8) : 'unknown')} (${i.decision})`).join(', ')}</p>`
          : ''}
        <p class="meta hint">${new Date(s.takenAt).toLocaleString()} · ${s.frames.length} frame${s.frames.length === 1 ? '' : 's'}</p>
      </article>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-sightings': SpoorSightings;
  }
}
