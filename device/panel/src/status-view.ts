import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { Status } from './api.js';
import './latency-chart.js';
import { LiveStatus, type LiveMode } from './live.js';
import { shared } from './styles.js';
import { ago, bytes, duration } from './util.js';

const UPLINK: Record<string, string> = {
  connected: 'connected',
  connecting: 'connecting…',
  waiting: 'offline, retrying',
  stopped: 'stopped',
  off: 'off (no cloud URL set)',
};
const SOURCE: Record<string, string> = { watch: 'watch folder', gpio: 'PIR sensor', api: 'upload' };

/** The unit at a glance: pushed live over a WebSocket, polled while the socket is down. */
@customElement('spoor-status')
export class SpoorStatus extends LitElement {
  static override styles = [
    shared,
    css`
      th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.4rem; border-bottom: 1px solid #000; }
      tr:last-child th, tr:last-child td { border-bottom: none; }
      th { white-space: nowrap; width: 1%; }
      .live { display: inline-block; padding: 0 0.5rem; border: 2px solid #000; border-radius: 4px; font-weight: 700; font-size: 0.9rem; }
      .live[data-mode='live'] { background: #ffd400; }
      .bad { color: #b00000; font-weight: 700; }
      h3 { font-size: 1.05rem; margin: 1rem 0 0.5rem; }
    `,
  ];

  @state() private s: Status | null = null;
  @state() private mode: LiveMode = 'connecting';
  @state() private updates = 0;
  @state() private error = '';
  private readonly live = new LiveStatus({
    onStatus: (s) => {
      this.s = s;
      this.updates++;
      this.error = '';
    },
    onMode: (m) => (this.mode = m),
    onError: (err) => {
      this.error = (err as Error).message;
      this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
    },
  });

  override connectedCallback() {
    super.connectedCallback();
    this.live.start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.live.stop();
  }

  override render() {
    const s = this.s;
    if (!s) return html`<p>${this.error || 'Loading…'}</p>`;
    const row = (k: string, v: unknown) => html`<tr><th scope="row">${k}</th><td data-field=${k}>${v}</td></tr>`;
    const disk = s.disk ? s.disk.freeBytes / s.disk.totalBytes : 1;
    const outbox = s.sync.outbox;
    return html`
      <h2>${s.name} <small>(${s.deviceId})</small></h2>
      <p>
        <span class="live" data-mode=${this.mode} data-updates=${this.updates}>${this.mode === 'live' ? '● Live' : this.mode === 'polling' ? 'Reconnecting… (polling every 2 s)' : 'Connecting…'}</span>
      </p>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <table class="card" style="width: 100%; border-collapse: collapse">
        ${row('Uptime', duration(s.uptimeSec))}
        ${row('Models', s.models.map((m) => `${m.id} (${m.provider})`).join(', ') || 'none')}
        ${row('Inference', s.inferenceMs && s.inferenceMs.p50 > 0 ? `p50 ${s.inferenceMs.p50} ms · p95 ${s.inferenceMs.p95} ms` : 'no frames yet')}
        ${row('Queue', `${s.queue.pending} pending · ${s.queue.done} done · ${s.queue.quarantined} quarantined`)}
        ${row('Sightings', s.sightings)}
        ${row('Uplink', html`<span class=${s.sync.connection === 'connected' || s.sync.connection === 'off' ? '' : 'bad'}>${UPLINK[s.sync.connection] ?? s.sync.connection}</span>${s.sync.lastError ? html`<br /><small>${s.sync.lastError}</small>` : ''}`)}
        ${row('Outbox', outbox ? `${outbox.depth} waiting (${bytes(outbox.bytes)})${outbox.oldestAt ? `, oldest ${ago(outbox.oldestAt)}` : ''}` : '—')}
        ${row('Last sync', s.sync.lastSyncAt ? ago(s.sync.lastSyncAt) : 'never')}
        ${row('Disk', html`<span class=${disk < 0.1 ? 'bad' : ''}>${s.disk ? `${bytes(s.disk.freeBytes)} free of ${bytes(s.disk.totalBytes)}` : 'unknown'}</span>`)}
        ${s.cpuTempC !== undefined ? row('CPU temperature', html`<span class=${s.cpuTempC >= 80 ? 'bad' : ''}>${s.cpuTempC.toFixed(1)} °C</span>`) : ''}
        ${s.batteryV !== undefined ? row('Battery', `${s.batteryV.toFixed(2)} V`) : ''}
        ${row('Last trigger', s.lastTrigger ? `${ago(s.lastTrigger)}${s.lastTriggerSource ? ` · ${SOURCE[s.lastTriggerSource] ?? s.lastTriggerSource}` : ''}` : 'none yet')}
      </table>
      <h3>Inference latency</h3>
      <div class="card"><spoor-latency-chart .points=${s.inferenceMs?.series ?? []}></spoor-latency-chart></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-status': SpoorStatus;
  }
}
