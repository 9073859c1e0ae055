import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { status, type Status } from './api.js';
import { shared } from './styles.js';
import { Poller, ago, bytes, duration } from './util.js';

/** The unit at a glance; polled every 2 s. */
@customElement('spoor-status')
export class SpoorStatus extends LitElement {
  static override styles = [shared, css`th, td { text-align: left; vertical-align: top; padding: 0.2rem 0.4rem; } th { white-space: nowrap; }`];

  @state() private s: Status | null = null;
  @state() private error = '';
  private readonly poller = new Poller(2000, async () => {
    try {
      this.s = await status();
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
      this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
    }
  });

  override connectedCallback() {
    super.connectedCallback();
    this.poller.start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.poller.stop();
  }

  override render() {
    const s = this.s;
    if (!s) return html`<p>${this.error || 'Loading…'}</p>`;
    const row = (k: string, v: unknown) => html`<tr><th scope="row">${k}</th><td data-field=${k}>${v}</td></tr>`;
    return html`
      <h2>${s.name} <small>(${s.deviceId})</small></h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <table class="card" style="width: 100%; border-collapse: collapse">
        ${row('Uptime', duration(s.uptimeSec))}
        ${row('Models', s.models.map((m) => `${m.id} (${m.provider})`).join(', ') || 'none')}
        ${row('Queue', `${s.queue.pending} pending · ${s.queue.done} done · ${s.queue.quarantined} quarantined`)}
        ${row('Sightings', s.sightings)}
        ${row('Uplink', s.sync.connection)}
        ${row('Outbox', s.sync.outbox ? `${s.sync.outbox.depth} waiting` : '—')}
        ${row('Last sync', s.sync.lastSyncAt ? ago(s.sync.lastSyncAt) : 'never')}
        ${row('Disk', s.disk ? `${bytes(s.disk.freeBytes)} free of ${bytes(s.disk.totalBytes)}` : 'unknown')}
        ${row('Last trigger', s.lastTrigger ? ago(s.lastTrigger) : 'none yet')}
      </table>
      <p class="hint">Updates every 2 seconds.</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-status': SpoorStatus;
  }
}
