import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { diel, overTime, perDevice } from './api.js';
import { barChart, dielChart, lineChart } from './charts.js';
import { shared } from './styles.js';
import { reportError } from './util.js';

/** Sightings over time per species, the diel activity pattern per species, detections per device. */
@customElement('spoor-plots')
export class SpoorPlots extends LitElement {
  static override styles = shared;

  @state() private bucket: 'day' | 'week' = 'day';
  /** Diel hours in UTC (0) or in this browser's time zone. */
  @state() private offset = 0;
  @state() private time: { t: string; species: string; count: number }[] = [];
  @state() private diels: { species: string; hours: number[] }[] = [];
  @state() private devices: { deviceId: string; detections: number; sightings: number }[] = [];
  @state() private error = '';

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    const errors: string[] = [];
    try {
      this.time = (await overTime(this.bucket)).items;
    } catch (err) {
      errors.push(reportError(this, err));
    }
    try {
      const species = [...new Set(this.time.map((x) => x.species))].slice(0, 6);
      this.diels = await Promise.all(species.map((s) => diel(s, this.offset)));
    } catch (err) {
      errors.push(reportError(this, err));
    }
    try {
      this.devices = (await perDevice()).items;
    } catch (err) {
      errors.push(reportError(this, err));
    }
    this.error = errors.join(' · ');
  }

  override render() {
    const buckets = [...new Set(this.time.map((x) => x.t))].sort();
    const species = [...new Set(this.time.map((x) => x.species))];
    const series = species.map((s) => ({ name: s, values: buckets.map((b) => this.time.find((x) => x.t === b && x.species === s)?.count ?? 0) }));
    return html`
      <h2>Plots</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <section class="card plot over-time">
        <div class="row"><h3 style="flex: 1">Sightings over time, per species</h3>
          <div style="flex: 0 0 140px"><label for="bucket">Per</label><select id="bucket" @change=${(e: Event) => ((this.bucket = (e.target as HTMLSelectElement).value as 'day' | 'week'), void this.load())}>
            <option value="day" ?selected=${this.bucket === 'day'}>day</option><option value="week" ?selected=${this.bucket === 'week'}>week</option></select></div></div>
        ${buckets.length ? lineChart(buckets, series, 'Sightings over time per species') : html`<p>No sightings yet.</p>`}
      </section>
      <section class="card plot diel" style="margin-top: 0.75rem">
        <div class="row"><h3 style="flex: 1">Diel activity per species (hour of day)</h3>
          <div style="flex: 0 0 220px"><label for="tz">Hours in</label><select id="tz" @change=${(e: Event) => ((this.offset = Number((e.target as HTMLSelectElement).value)), void this.load())}>
            <option value="0" ?selected=${this.offset === 0}>UTC</option>
            <option value=${-new Date().getTimezoneOffset()} ?selected=${this.offset !== 0}>this browser's time zone</option></select></div></div>
        ${this.diels.length ? this.diels.map((d, i) => dielChart(d.hours, d.species, i)) : html`<p>No sightings yet.</p>`}
      </section>
      <section class="card plot per-device" style="margin-top: 0.75rem">
        <h3>Detections per device</h3>
        ${this.devices.length
          ? barChart(this.devices.map((d) => ({ name: d.deviceId, a: d.detections, b: d.sightings })), ['detections', 'sightings'], 'Detections and sightings per device')
          : html`<p>No devices with sightings yet.</p>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-plots': SpoorPlots;
  }
}
