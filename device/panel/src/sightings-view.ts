import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { sightings, type Sighting } from './api.js';
import { boxedPhoto, photoStyles } from './photo.js';
import { shared } from './styles.js';
import { Poller } from './util.js';

/** Recent sightings, newest first, with the animals boxed on a downscaled photo; filter by species. */
@customElement('spoor-sightings')
export class SpoorSightings extends LitElement {
  static override styles = [
    shared,
    photoStyles,
    css`
      a.open { display: block; color: inherit; text-decoration: none; }
      .more { font-weight: 700; text-decoration: underline; }
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
        <a class="open" href="#sighting/${encodeURIComponent(s.id)}" aria-label="Open this sighting: ${names.join(', ')}">
          ${frame ? boxedPhoto(frame, dets, 640, names.join(', ')) : ''}
        </a>
        <p class="meta"><strong class="species">${names.join(', ')}</strong></p>
        ${s.individuals.length
          ? html`<p class="meta">${s.individuals.map((i) => `${i.name ?? (i.id ? i.id.slice(0, 8) : 'unknown')} (${i.decision})`).join(', ')}</p>`
          : ''}
        <p class="meta hint">${new Date(s.takenAt).toLocaleString()} · <a class="more" href="#sighting/${encodeURIComponent(s.id)}">${s.frames.length} frame${s.frames.length === 1 ? '' : 's'}</a></p>
      </article>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-sightings': SpoorSightings;
  }
}
