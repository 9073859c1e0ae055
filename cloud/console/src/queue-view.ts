import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { devices, media, review, sighting, sightings, undo, mediaUrl, type Detection, type Media, type Review, type Role, type Sighting, type SightingFilter } from './api.js';
import './frame-view.js';
import './queue-filters.js';
import { shared } from './styles.js';
import './taxon-search.js';
import type { PickedTaxon } from './taxon-search.js';
import { reportError, short, typing, when } from './util.js';

const PAGE = 50;
const speciesOf = (d: Detection) => d.taxon?.label ?? d.label;
const mainSpecies = (s: Sighting) => [...new Set(s.detections.filter((d) => d.category !== 'blank').map(speciesOf))].join(', ') || 'blank';
/** Detections as sent may lack `idx` (older hubs): their position is the index. */
const withIdx = (s: Sighting): Sighting => ({ ...s, detections: s.detections.map((d, i) => ({ ...d, idx: d.idx ?? i })) });

/** The sighting queue: filters, one sighting at a time with every frame of its burst boxed, species confirm/correct and frame marks. */
@customElement('spoor-queue')
export class SpoorQueue extends LitElement {
  static override styles = [
    shared,
    css`
      .layout { display: grid; grid-template-columns: minmax(240px, 320px) 1fr; gap: 1rem; margin-top: 0.75rem; }
      @media (max-width: 800px) { .layout { grid-template-columns: 1fr; } .list { max-height: 220px; } }
      .list { list-style: none; margin: 0; padding: 0; border: 2px solid #000; border-radius: 8px; overflow: auto; max-height: 75vh; }
      .list li { padding: 0.4rem 0.6rem; border-bottom: 1px solid #000; cursor: pointer; }
      .list li[aria-selected='true'] { background: #ffd400; }
      .list .sp { font-weight: 700; font-style: italic; }
      .frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 0.5rem; margin-top: 0.5rem; }
      .frames button { all: unset; cursor: pointer; display: block; }
      .frames button[aria-pressed='true'] spoor-frame { outline: 4px solid #0047ff; }
      .frames .name { font-size: 0.75rem; display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .detail { display: grid; grid-template-columns: 1fr; gap: 0 1rem; }
      @media (min-width: 1100px) { .detail { grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); } }
      .list .hint { font-size: 0.8rem; }
      .list li.pager { display: flex; gap: 0.5rem; align-items: center; justify-content: space-between; cursor: default; }
      tr.det { cursor: pointer; }
      tr.det[aria-selected='true'] { background: #e6fbff; }
      .species { font-style: italic; font-weight: 700; }
      .status { min-height: 1.5rem; }
    `,
  ];

  @property() role: Role = 'viewer';
  @state() private filter: SightingFilter = { reviewed: false };
  @state() private items: Sighting[] = [];
  @state() private total = 0;
  @state() private offset = 0;
  @state() private deviceIds: string[] = [];
  @state() private current = 0;
  @state() private frame = 0;
  @state() private selIdx = 0;
  @state() private mediaItems: Media[] = [];
  @state() private correcting = false;
  @state() private message = '';
  @state() private error = '';
  private last: { decisionId: string; sightingId: string } | null = null;
  private readonly onKey = (e: KeyboardEvent) => this.key(e);

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    void this.load();
    devices().then((r) => (this.deviceIds = r.items.map((d) => d.deviceId)), () => undefined);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
  }

  private get sighting(): Sighting | undefined {
    return this.items[this.current];
  }
  private get canReview() {
    return this.role !== 'viewer';
  }

  private async load(keep?: string) {
    try {
      const r = await sightings({ ...this.filter, limit: PAGE, offset: this.offset });
      this.items = r.items.map(withIdx);
      this.total = r.total;
      const at = keep ? this.items.findIndex((s) => s.id === keep) : -1;
      this.select(at >= 0 ? at : Math.min(this.current, Math.max(0, this.items.length - 1)), at >= 0);
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private select(i: number, keepFrame = false) {
    const changed = this.items[i]?.id !== this.sighting?.id || !keepFrame;
    this.current = i;
    const s = this.sighting;
    if (!s || !changed) return;
    this.frame = 0;
    this.selIdx = s.detections.find((d) => d.category === 'animal')?.idx ?? s.detections[0]?.idx ?? 0;
    this.correcting = false;
    this.mediaItems = [];
    media(s.id).then(
      (r) => s.id === this.sighting?.id && (this.mediaItems = r.items),
      () => undefined, // no media route or no media: boxes on a neutral frame
    );
  }

  override render() {
    const s = this.sighting;
    return html`
      <h2>Sighting queue <span class="hint">(${this.total} matching · press <kbd>?</kbd> for shortcuts)</span></h2>
      <spoor-queue-filters .devices=${this.deviceIds} .value=${this.filter} @filter-change=${(e: CustomEvent<SightingFilter>) => this.applyFilter(e.detail)}></spoor-queue-filters>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <div class="layout">
        <ul class="list" role="listbox" aria-label="Sightings">
          ${this.items.map(
            (x, i) => html`<li role="option" class="sighting" data-id=${x.id} aria-selected=${i === this.current} @click=${() => this.select(i)}>
              <span class="sp">${mainSpecies(x)}</span> ${x.review?.state === 'reviewed' ? html`<span class="pill on">reviewed</span>` : ''}<br />
              <span class="hint">${when(x.takenAt)} · ${x.deviceId}/${x.cameraId} · ${x.frames.length} frame${x.frames.length === 1 ? '' : 's'}</span>
            </li>`,
          )}
          ${this.items.length === 0 ? html`<li>Nothing to show with these filters.</li>` : ''}
          ${this.total > PAGE
            ? html`<li class="pager">
                <button class="secondary" ?disabled=${this.offset === 0} @click=${() => this.page(-1)}>← Newer</button>
                <span class="hint">${this.offset + 1}–${Math.min(this.offset + PAGE, this.total)} of ${this.total}</span>
                <button class="secondary" ?disabled=${this.offset + PAGE >= this.total} @click=${() => this.page(1)}>Older →</button>
              </li>`
            : ''}
        </ul>
        <section aria-live="polite">${s ? this.detail(s) : html`<p>No sighting selected.</p>`}</section>
      </div>
    `;
  }

  private detail(s: Sighting) {
    const frame = s.frames[this.frame] ?? s.frames[0];
    const src = (captureId: string) => {
      const m = this.mediaItems.find((x) => x.captureId === captureId && x.kind === 'frame');
      return m ? mediaUrl(m.id) : null;
    };
    const boxes = (captureId: string, big: boolean) =>
      s.detections
        .filter((d) => d.captureId === captureId && d.category !== 'blank')
        .map((d) => ({ bbox: d.bbox, label: big ? `${speciesOf(d)} ${Math.round(d.confidence * 100)}%` : '', selected: d.idx === this.selIdx, kind: d.category }));
    return html`
      <div class="card current-sighting" data-id=${s.id}>
        <div class="row" style="align-items:center">
          <div style="flex: 1 1 300px">
            <div class="species current-species">${mainSpecies(s)}</div>
            <div class="hint">${when(s.takenAt)} · device <strong>${s.deviceId}</strong> · camera ${s.cameraId} · ${frame?.originalName ?? 'no file name'} · id ${short(s.id)}</div>
            <div class="hint">${s.review?.state === 'reviewed' ? html`Reviewed by ${s.review.by ?? '?'} ${when(s.review.at)}` : 'Not reviewed yet'}</div>
          </div>
        </div>
        <div class="detail"><div>
        ${frame
          ? html`<div style="margin-top:0.5rem"><spoor-frame .width=${frame.width ?? 1920} .height=${frame.height ?? 1080} .src=${src(frame.captureId)} .boxes=${boxes(frame.captureId, true)} .mark=${frame.mark ?? null} alt="Frame ${frame.originalName ?? this.frame + 1}"></spoor-frame></div>`
          : ''}
        <div class="frames" aria-label="Frames of the burst">
          ${s.frames.map(
            (f, i) => html`<button aria-pressed=${i === this.frame} title=${f.originalName ?? ''} @click=${() => (this.frame = i)}>
              <spoor-frame compact .width=${f.width ?? 1920} .height=${f.height ?? 1080} .src=${src(f.captureId)} .boxes=${boxes(f.captureId, false)} .mark=${f.mark ?? null} alt=${f.originalName ?? `frame ${i + 1}`}></spoor-frame>
              <span class="name">${i + 1}. ${f.originalName ?? '—'} · ${new Date(f.takenAt).toLocaleTimeString()}</span>
            </button>`,
          )}
        </div>
        </div><div>
        <h3>Detections</h3>
        <div class="scroll"><table>
          <tr><th>#</th><th>Species</th><th>Individual</th></tr>
          ${s.detections.map((d) => {
            const fi = s.frames.findIndex((f) => f.captureId === d.captureId);
            return html`<tr class="det" aria-selected=${d.idx === this.selIdx} @click=${() => ((this.selIdx = d.idx), fi >= 0 && (this.frame = fi))}>
              <td>${d.idx}</td>
              <td><span class="species">${speciesOf(d)}</span>${d.taxon?.rank ? html` <span class="hint">${d.taxon.rank}</span>` : ''}
                <br /><span class="hint">${d.category} · ${Math.round(d.confidence * 100)}% · frame ${fi + 1}</span>
                ${d.reviewed && d.deviceTaxon?.label !== d.taxon?.label ? html`<br /><span class="hint">device said ${d.deviceTaxon?.label ?? 'nothing'}</span>` : ''}</td>
              <td>${d.individual
                ? html`${d.globalIndividualId
                      ? html`<a href="#/individual/${d.globalIndividualId}">${d.individual.name ?? short(d.globalIndividualId)}</a>`
                      : (d.individual.name ?? (d.individual.id ? short(d.individual.id) : '—'))}<br /><span class="hint">${d.individual.decision}</span>`
                : '—'}</td>
            </tr>`;
          })}
        </table></div>
        ${this.canReview ? this.actions() : html`<p class="hint">Read only: viewers cannot change reviews.</p>`}
        <p class="status">${this.message ? html`<span class="ok">${this.message}</span>` : ''}</p>
        </div></div>
      </div>
    `;
  }

  private actions() {
    return html`
      <div class="actions">
        <button @click=${this.confirm} title="c">Confirm species (c)</button>
        <button class="secondary" @click=${() => (this.correcting = !this.correcting)} title="t">Correct species… (t)</button>
        <button class="secondary" @click=${() => this.markFrame('blank')} title="b">Frame is blank (b)</button>
        <button class="secondary" @click=${() => this.markFrame('human')} title="h">Frame shows a human (h)</button>
        <button class="secondary" @click=${this.undoLast} ?disabled=${!this.last} title="u">Undo (u)</button>
      </div>
      ${this.correcting
        ? html`<div class="card" style="max-width: 480px"><spoor-taxon-search @taxon-picked=${(e: CustomEvent<PickedTaxon>) => this.correct(e.detail)} @cancel=${() => (this.correcting = false)}></spoor-taxon-search>
            <p class="hint">Applies to detection #${this.selIdx}${this.sameAnimal().length > 1 ? ` and the ${this.sameAnimal().length - 1} other ${speciesOf(this.sameAnimal()[0]!)} box(es) of this burst` : ''} (click a row to choose another).</p></div>`
        : ''}
    `;
  }

  private page(dir: 1 | -1) {
    this.offset = Math.max(0, this.offset + dir * PAGE);
    this.current = 0;
    void this.load();
  }

  private applyFilter(f: SightingFilter) {
    this.filter = f;
    this.offset = 0;
    this.current = 0;
    void this.load();
  }

  private async submit(body: Omit<Review, 'expectedVersion'>, done: string, next: boolean) {
    const s = this.sighting;
    if (!s) return;
    this.message = '';
    this.error = '';
    try {
      const r = await review(s.id, { expectedVersion: s.version ?? 1, ...body });
      this.last = r.decisionId ? { decisionId: r.decisionId, sightingId: s.id } : null;
      this.message = done;
      this.correcting = false;
      await this.refresh(s.id);
      if (next) this.select(Math.min(this.current + 1, this.items.length - 1));
    } catch (err) {
      this.error = reportError(this, err);
      if ((err as { status?: number }).status === 409) {
        this.error = 'Someone else changed this sighting meanwhile: it was reloaded, check and try again.';
        await this.refresh(s.id).catch(() => this.load());
      }
    }
  }

  /** Reload one sighting in place: it stays in the list (even if the filter would now hide it) until you move on. */
  private async refresh(id: string) {
    const fresh = withIdx(await sighting(id));
    this.items = this.items.map((x) => (x.id === id ? fresh : x));
  }

  private confirm() {
    const s = this.sighting;
    if (!s) return;
    const detections = s.detections
      .filter((d) => d.category !== 'blank')
      .map((d) => (d.taxon ? { idx: d.idx, taxon: { label: d.taxon.label, rank: d.taxon.rank ?? 'species' } } : { idx: d.idx, category: d.category as 'animal' | 'person' | 'vehicle' }));
    void this.submit({ detections }, `Confirmed ${mainSpecies(s)}.`, true);
  }

  /** The selected box and every other box of the burst with the same label (the same animal, frame after frame). */
  private sameAnimal(): Detection[] {
    const s = this.sighting;
    const sel = s?.detections.find((d) => d.idx === this.selIdx);
    return s && sel ? s.detections.filter((d) => d.category === sel.category && speciesOf(d) === speciesOf(sel)) : [];
  }

  private correct(t: PickedTaxon) {
    const dets = this.sameAnimal();
    const what = dets.length > 1 ? `${dets.length} boxes` : `Detection #${this.selIdx}`;
    void this.submit({ detections: dets.map((d) => ({ idx: d.idx, taxon: t, category: 'animal' as const })) }, `${what} ${dets.length > 1 ? 'are' : 'is'} now ${t.label}.`, false);
  }

  private markFrame(mark: 'blank' | 'human') {
    const f = this.sighting?.frames[this.frame];
    if (f) void this.submit({ detections: [], frames: [{ captureId: f.captureId, mark }] }, `Frame ${this.frame + 1} marked ${mark}.`, false);
  }

  private async undoLast() {
    if (!this.last) return;
    try {
      await undo(this.last.decisionId);
      this.message = 'Undone.';
      const id = this.last.sightingId;
      this.last = null;
      await this.refresh(id);
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private key(e: KeyboardEvent) {
    if (typing(e) || e.altKey || e.metaKey) return;
    const k = e.ctrlKey ? (e.key === 'z' ? 'u' : '') : e.key;
    const s = this.sighting;
    const act: Record<string, () => void> = {
      j: () => this.select(Math.min(this.current + 1, this.items.length - 1)),
      ArrowDown: () => this.select(Math.min(this.current + 1, this.items.length - 1)),
      k: () => this.select(Math.max(0, this.current - 1)),
      ArrowUp: () => this.select(Math.max(0, this.current - 1)),
      ']': () => s && (this.frame = Math.min(this.frame + 1, s.frames.length - 1)),
      '[': () => (this.frame = Math.max(0, this.frame - 1)),
    };
    if (this.canReview) {
      Object.assign(act, { c: () => this.confirm(), t: () => (this.correcting = true), b: () => this.markFrame('blank'), h: () => this.markFrame('human'), u: () => void this.undoLast() });
    }
    const f = act[k];
    if (!f) return;
    e.preventDefault();
    f();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-queue': SpoorQueue;
  }
}
