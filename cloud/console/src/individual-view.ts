import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  decisions,
  devices,
  individual,
  individualDuplicates,
  individualSightings,
  individuals,
  keypointMatches,
  merge,
  rename,
  split,
  undo,
  type DecisionRecord,
  type Device,
  type DuplicatePair,
  type Individual,
  type KeypointMatches,
  type Role,
  type SightingRef,
} from './api.js';
import { deviceMap, timeline } from './individual-map.js';
import { agreement } from './keypoint-match.js';
import './sighting-tile.js';
import { shared } from './styles.js';
import { reportError, short, typing, when } from './util.js';

/** One individual: gallery, timeline, map of devices, rename / merge / split, the audit history with undo. */
@customElement('spoor-individual')
export class SpoorIndividual extends LitElement {
  static override styles = [
    shared,
    css`
      .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 0.75rem; }
      .pick { display: flex; gap: 0.3rem; align-items: center; font-weight: 700; margin-top: 0.2rem; }
      .pick input { width: 22px; min-height: 22px; }
      .two { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
      @media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
      .undone { text-decoration: line-through; color: #555; }
    `,
  ];

  @property() role: Role = 'viewer';
  @property() individualId = '';
  @state() private ind: Individual | null = null;
  @state() private items: SightingRef[] = [];
  @state() private history: DecisionRecord[] = [];
  @state() private fleet: Device[] = [];
  @state() private others: Individual[] = [];
  @state() private similar: DuplicatePair[] = [];
  @state() private picked = new Set<string>();
  /** Up to two sightings whose crops' matching keypoints are drawn. */
  @state() private comparing: string[] = [];
  @state() private comparison: KeypointMatches | null = null;
  @state() private message = '';
  @state() private error = '';
  private readonly onKey = (e: KeyboardEvent) => {
    if (typing(e) || this.role === 'viewer') return;
    if (e.key === 'u' || (e.ctrlKey && e.key === 'z')) {
      e.preventDefault();
      const last = this.history.find((h) => !h.undoneBy && h.kind !== 'undo');
      if (last) void this.undo(last);
    }
  };

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    devices().then((r) => (this.fleet = r.items), () => undefined);
    void this.load();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
  }

  override updated(changed: Map<string, unknown>) {
    if (changed.has('individualId') && changed.get('individualId') !== undefined) void this.load();
  }

  private async load() {
    try {
      const ind = await individual(this.individualId);
      this.ind = ind;
      this.items = await individualSightings(this.individualId).catch(() =>
        // Older hubs: the reference list (no file names, no boxes).
        ((ind as { refs?: { sightingId: string; deviceId: string; createdAt: string }[] }).refs ?? []).map((r) => ({
          id: r.sightingId, takenAt: r.createdAt, deviceId: r.deviceId, cameraId: '', originalName: '', bbox: null, mediaIds: [], width: 1920, height: 1080, crop: null,
        })),
      );
      // Newest first, whichever route answered.
      const history = await decisions(this.individualId).then((r) => r.items, () => ind.history ?? []);
      this.history = [...history].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
      this.others = (await individuals(ind.species)).items.filter((o) => o.id !== ind.id && o.fleetId === ind.fleetId);
      this.similar = await individualDuplicates(ind.id).then((r) => r.items, () => []);
      this.picked = new Set();
      this.comparing = this.comparing.filter((id) => this.items.some((s) => s.id === id));
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  override render() {
    const ind = this.ind;
    if (!ind) return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p>Loading…</p>`}`;
    const canDecide = this.role !== 'viewer';
    const seen = new Map<string, number>();
    for (const s of this.items) seen.set(s.deviceId, (seen.get(s.deviceId) ?? 0) + 1);
    return html`
      <p><a href="#/individuals">← All individuals</a></p>
      <h2 class="ind-name">${ind.name ?? `Unnamed ${short(ind.id)}`} <span class="hint"><em>${ind.species}</em> · ${ind.status} · fleet ${ind.fleetId} · version ${ind.version}</span></h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.message ? html`<p class="ok status">${this.message}</p>` : ''}
      ${canDecide ? this.tools(ind) : ''}
      ${this.similar.length ? this.similarView(ind, canDecide) : ''}
      <h3>Sightings (${this.items.length})</h3>
      <div class="gallery">
        ${this.items.map(
          (s) => html`<div class="sighting" data-id=${s.id}>
            <spoor-sighting-tile .ref=${s}></spoor-sighting-tile>
            ${canDecide
              ? html`<label class="pick"><input type="checkbox" .checked=${this.picked.has(s.id)} @change=${(e: Event) => this.toggle(s.id, (e.target as HTMLInputElement).checked)} /> split off</label>`
              : ''}
            ${s.crop?.keypoints
              ? html`<label class="pick"><input type="checkbox" class="compare" .checked=${this.comparing.includes(s.id)} @change=${(e: Event) => this.compare(s.id, (e.target as HTMLInputElement).checked)} /> compare</label>`
              : ''}
          </div>`,
        )}
      </div>
      ${this.comparisonView()}
      <div class="two">
        <section><h3>Timeline</h3>${timeline(this.items)}</section>
        <section><h3>Where it was seen</h3>${deviceMap(this.fleet, seen)}</section>
      </div>
      <h3>History (audit)</h3>
      <div class="scroll"><table class="history cards">
        <tr><th>When</th><th>Who</th><th>What</th><th>Individuals</th><th></th></tr>
        ${this.history.map(
          (h) => html`<tr class=${h.undoneBy ? 'undone' : ''} data-kind=${h.kind}>
            <td data-label="When">${when(h.at)}</td><td data-label="Who">${h.actor}</td><td data-label="What">${h.kind}${h.undoneBy ? ' (undone)' : ''}</td>
            <td data-label="Individuals">${h.targetIds.map((t) => html`<a href="#/individual/${t}">${short(t)}</a> `)}</td>
            <td data-label="">${canDecide && !h.undoneBy && h.kind !== 'undo' ? html`<button class="secondary" @click=${() => this.undo(h)}>Undo</button>` : ''}</td>
          </tr>`,
        )}
      </table></div>
    `;
  }

  /** Individuals that may be this animal too (possible duplicates), each with a merge into this one. */
  private similarView(ind: Individual, canDecide: boolean) {
    return html`<section class="card similar" style="margin-bottom: 0.75rem">
      <h3>Possibly the same animal</h3>
      <ul>
        ${this.similar.map((p) => {
          const id = p.a === ind.id ? p.b : p.a;
          const other = this.others.find((o) => o.id === id);
          return html`<li data-id=${id}>
            <a href="#/individual/${id}">${other?.name ?? `unnamed ${short(id)}`}</a> (${other ? [...new Set(other.links.map((l) => l.deviceId))].join(', ') : ''}) · score ${p.score.toFixed(2)}
            ${canDecide && other ? html`<button class="secondary" @click=${() => this.mergeIn(other)}>Merge it into this one</button>` : ''}
          </li>`;
        })}
      </ul>
    </section>`;
  }

  private mergeIn(other: Individual) {
    const ind = this.ind;
    if (ind) void this.run(`Merged ${other.name ?? short(other.id)} into this one`, () => merge([other.id], ind.id, { [ind.id]: ind.version, [other.id]: other.version }));
  }

  private tools(ind: Individual) {
    return html`<div class="card" style="margin-bottom: 0.75rem">
      <div class="row">
        <form class="row" style="flex: 2 1 320px" @submit=${this.rename}>
          <div><label for="name">Name</label><input id="name" name="name" .value=${ind.name ?? ''} placeholder="e.g. Rusty" /></div>
          <button type="submit">Rename</button>
        </form>
        <form class="row" style="flex: 2 1 320px" @submit=${this.merge}>
          <div><label for="merge">Merge into this one</label>
            <select id="merge" name="other"><option value="">choose an individual…</option>${this.others.map((o) => html`<option value=${o.id}>${o.name ?? short(o.id)} (${o.links.map((l) => l.deviceId).join(', ')})</option>`)}</select></div>
          <button type="submit">Merge</button>
        </form>
        <button class="secondary" ?disabled=${this.picked.size === 0 || this.picked.size >= this.items.length} @click=${this.split}>Split ${this.picked.size || ''} selected into a new individual</button>
      </div>
    </div>`;
  }

  /** Tick two sightings with keypoints: their matching keypoints are drawn (the newest two ticks count). */
  private async compare(id: string, on: boolean) {
    this.comparing = on ? [...this.comparing.filter((x) => x !== id), id].slice(-2) : this.comparing.filter((x) => x !== id);
    this.comparison = null;
    const [a, b] = this.comparing.map((x) => this.items.find((s) => s.id === x)?.crop);
    if (!a || !b) return;
    try {
      this.comparison = await keypointMatches(a.id, b.id);
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private comparisonView() {
    const [a, b] = this.comparing.map((x) => this.items.find((s) => s.id === x));
    const m = this.comparison;
    if (!a?.crop || !b?.crop) {
      return this.items.some((s) => s.crop?.keypoints) ? html`<p class="hint">Tick <strong>compare</strong> on two sightings to draw their matching keypoints.</p>` : '';
    }
    return html`<section class="card compare-keypoints" style="margin-top: 0.75rem">
      <h3>Matching keypoints</h3>
      ${m
        ? html`<spoor-keypoint-match .a=${a.crop} .b=${b.crop} .result=${m} label="${m.inliers.length} matching keypoints between the sightings of ${when(a.takenAt)} and ${when(b.takenAt)}"></spoor-keypoint-match>
            <p class="hint">Left: ${when(a.takenAt)} (${a.deviceId}); right: ${when(b.takenAt)} (${b.deviceId}). ${agreement(m)}. Few matches between two sightings of one individual can mean a wrong link: split it off.</p>`
        : html`<p class="hint">Matching keypoints…</p>`}
    </section>`;
  }

  private toggle(id: string, on: boolean) {
    const next = new Set(this.picked);
    if (on) next.add(id);
    else next.delete(id);
    this.picked = next;
  }

  private async run(label: string, f: () => Promise<{ createdId?: string }>) {
    this.error = '';
    this.message = '';
    try {
      const r = await f();
      this.message = r.createdId ? `${label}: new individual ${short(r.createdId)}.` : `${label}.`;
    } catch (err) {
      this.error = reportError(this, err);
      if ((err as { status?: number }).status === 409) this.error = 'This individual changed meanwhile: reloaded, try again.';
    }
    await this.load();
  }

  private rename(e: Event) {
    e.preventDefault();
    const ind = this.ind;
    const name = String(new FormData(e.target as HTMLFormElement).get('name') ?? '').trim();
    if (ind) void this.run(`Renamed to ${name || '(no name)'}`, () => rename(ind.id, name || null, ind.version));
  }

  private merge(e: Event) {
    e.preventDefault();
    const other = this.others.find((o) => o.id === String(new FormData(e.target as HTMLFormElement).get('other') ?? ''));
    if (other) this.mergeIn(other);
  }

  private split() {
    const ind = this.ind;
    if (ind) void this.run(`Split ${this.picked.size} sighting(s) off`, () => split(ind.id, [...this.picked], ind.version));
  }

  private undo(h: DecisionRecord) {
    void this.run(`Undid ${h.kind}`, () => undo(h.id));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-individual': SpoorIndividual;
  }
}
