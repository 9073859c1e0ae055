import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SightingFilter } from './api.js';
import { shared } from './styles.js';

/** The queue's filters; fires `filter-change` with the whole filter on every change. */
@customElement('spoor-queue-filters')
export class SpoorQueueFilters extends LitElement {
  static override styles = [
    shared,
    css`
      form { display: grid; gap: 0.4rem 0.5rem; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); align-items: end; }
      input, select { min-height: 36px; }
      summary { font-weight: 700; cursor: pointer; min-height: 32px; }
    `,
  ];

  @property({ attribute: false }) devices: string[] = [];
  @property({ attribute: false }) value: SightingFilter = {};

  override render() {
    const v = this.value;
    // On a phone the filters fold away; on a desktop they stay open.
    return html`<details ?open=${window.innerWidth > 700}><summary>Filters${this.active(v)}</summary><form @change=${this.changed} @submit=${(e: Event) => e.preventDefault()} aria-label="Filters">
      <div><label for="f-device">Device</label><select id="f-device" name="deviceId"><option value="">All</option>${this.devices.map((d) => html`<option ?selected=${d === v.deviceId}>${d}</option>`)}</select></div>
      <div><label for="f-camera">Camera</label><input id="f-camera" name="cameraId" .value=${v.cameraId ?? ''} placeholder="any" /></div>
      <div><label for="f-species">Species</label><input id="f-species" name="species" .value=${v.species ?? ''} placeholder="any" /></div>
      <div><label for="f-min">Min conf.</label><input id="f-min" name="minConfidence" type="number" min="0" max="1" step="0.05" .value=${v.minConfidence?.toString() ?? ''} /></div>
      <div><label for="f-max">Max conf.</label><input id="f-max" name="maxConfidence" type="number" min="0" max="1" step="0.05" .value=${v.maxConfidence?.toString() ?? ''} /></div>
      <div><label for="f-decision">ID decision</label><select id="f-decision" name="decision">${['', 'known', 'new', 'uncertain'].map((d) => html`<option value=${d} ?selected=${d === (v.decision ?? '')}>${d || 'any'}</option>`)}</select></div>
      <div><label for="f-reviewed">Reviewed</label><select id="f-reviewed" name="reviewed">${[['', 'any'], ['false', 'to review'], ['true', 'reviewed']].map(([k, l]) => html`<option value=${k ?? ''} ?selected=${k === (v.reviewed === undefined ? '' : String(v.reviewed))}>${l}</option>`)}</select></div>
      <div><label for="f-from">From</label><input id="f-from" name="from" type="date" .value=${v.from?.slice(0, 10) ?? ''} /></div>
      <div><label for="f-to">To</label><input id="f-to" name="to" type="date" .value=${v.to?.slice(0, 10) ?? ''} /></div>
    </form></details>`;
  }

  private active(v: SightingFilter): string {
    const n = Object.values(v).filter((x) => x !== undefined && x !== '').length;
    return n ? ` (${n} set)` : '';
  }

  private changed(e: Event) {
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const s = (k: string) => String(form.get(k) ?? '').trim();
    const n = (k: string) => (s(k) === '' ? undefined : Number(s(k)));
    const f: SightingFilter = {};
    if (s('deviceId')) f.deviceId = s('deviceId');
    if (s('cameraId')) f.cameraId = s('cameraId');
    if (s('species')) f.species = s('species');
    const min = n('minConfidence');
    const max = n('maxConfidence');
    if (min !== undefined) f.minConfidence = min;
    if (max !== undefined) f.maxConfidence = max;
    const d = s('decision');
    if (d === 'known' || d === 'new' || d === 'uncertain') f.decision = d;
    if (s('reviewed')) f.reviewed = s('reviewed') === 'true';
    if (s('from')) f.from = new Date(`${s('from')}T00:00:00`).toISOString();
    if (s('to')) f.to = new Date(`${s('to')}T23:59:59.999`).toISOString();
    this.dispatchEvent(new CustomEvent<SightingFilter>('filter-change', { detail: f }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-queue-filters': SpoorQueueFilters;
  }
}
