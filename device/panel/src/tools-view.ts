import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { DOWNLOADS, takeTestShot, testShotState, testUplink, type TestShot, type TestShotState, type UplinkResult } from './api.js';
import './restart-button.js';
import { shared } from './styles.js';

const OUTCOME: Record<UplinkResult['outcome'], string> = {
  ok: 'OK',
  not_configured: 'Not configured',
  dns: 'DNS failed',
  refused: 'Connection refused',
  unreachable: 'Hub unreachable',
  timeout: 'Timed out',
  tls: 'TLS failed',
  auth: 'Authentication failed',
  error: 'Failed',
};

/** Field checks: uplink test, test shot, downloads (logs, database backup, Camtrap DP), restart. */
@customElement('spoor-tools')
export class SpoorTools extends LitElement {
  static override styles = [
    shared,
    css`
      section { margin-bottom: 1rem; }
      h3 { font-size: 1.1rem; margin: 0 0 0.5rem; }
      .result { margin-top: 0.75rem; padding: 0.5rem 0.75rem; border: 3px solid #000; border-radius: 6px; }
      .result[data-ok='true'] { background: #ffd400; }
      .result[data-ok='false'] { border-color: #b00000; }
      .result strong { font-size: 1.1rem; }
      .result a { color: #000; font-weight: 700; }
      a.download { display: flex; align-items: center; min-height: 44px; padding: 0 1rem; margin: 0.5rem 0; border: 2px solid #000; border-radius: 6px; color: #000; font-weight: 700; text-decoration: none; background: #fff; }
    `,
  ];

  @state() private uplink: UplinkResult | null = null;
  @state() private uplinkBusy = false;
  @state() private shot: TestShot | null = null;
  @state() private shotState: TestShotState | null = null;
  @state() private shotBusy = false;
  @state() private error = '';
  private shotTimer: ReturnType<typeof setTimeout> | null = null;

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.shotTimer) clearTimeout(this.shotTimer);
  }

  private fail(err: unknown) {
    this.error = (err as Error).message;
    this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
  }

  private async runUplink() {
    this.uplinkBusy = true;
    this.uplink = null;
    try {
      this.uplink = await testUplink();
    } catch (err) {
      this.fail(err);
    } finally {
      this.uplinkBusy = false;
    }
  }

  private async runShot() {
    this.shotBusy = true;
    this.shot = null;
    this.shotState = null;
    try {
      this.shot = await takeTestShot();
      if (this.shot.ok) void this.followShot(this.shot.file, Date.now() + 120_000);
    } catch (err) {
      this.fail(err);
    } finally {
      this.shotBusy = false;
    }
  }

  /** Poll what became of the shot until the models are done with it (or two minutes pass). */
  private async followShot(file: string, until: number) {
    try {
      this.shotState = await testShotState(file);
    } catch (err) {
      this.fail(err);
      return;
    }
    const settled = this.shotState.state === 'quarantined' || (this.shotState.state === 'done' && this.shotState.sightingId !== null);
    if (!settled && Date.now() < until && this.isConnected) this.shotTimer = setTimeout(() => void this.followShot(file, until), 1000);
  }

  override render() {
    return html`
      <h2>Tools</h2>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <section class="card">
        <h3>Test the uplink</h3>
        <p class="hint">Connects to the hub once with the saved cloud settings (new ones can be tried before a restart).</p>
        <button @click=${this.runUplink} ?disabled=${this.uplinkBusy}>${this.uplinkBusy ? 'Testing…' : 'Test uplink'}</button>
        ${this.uplink ? this.uplinkResult(this.uplink) : ''}
      </section>
      <section class="card">
        <h3>Take a test shot</h3>
        <p class="hint">Uses the camera command when the PIR trigger is set up, otherwise a bundled sample photo; it goes through the watch folder and the models like any photo.</p>
        <button @click=${this.runShot} ?disabled=${this.shotBusy}>${this.shotBusy ? 'Taking…' : 'Take test shot'}</button>
        ${this.shot ? this.shotResult(this.shot, this.shotState) : ''}
      </section>
      <section class="card">
        <h3>Downloads</h3>
        <a class="download" href=${DOWNLOADS.logs} download>⤓ Recent logs (redacted)</a>
        <a class="download" href=${DOWNLOADS.backup} download>⤓ Database backup (SQLite)</a>
        <a class="download" href=${DOWNLOADS.camtrapDp} download>⤓ Sightings as Camtrap DP (zip)</a>
        <p class="hint">The Camtrap DP package uses the deployment fields in Settings; latitude and longitude are required by the standard.</p>
      </section>
      <section class="card">
        <h3>Restart</h3>
        <p class="hint">Restarts the daemon's parts and applies settings marked "needs restart". Takes a few seconds; this page reloads by itself.</p>
        <spoor-restart-button></spoor-restart-button>
      </section>
    `;
  }

  private uplinkResult(r: UplinkResult) {
    return html`<div class="result uplink-result" role="status" data-ok=${r.outcome === 'ok'} data-outcome=${r.outcome}>
      <strong>${OUTCOME[r.outcome]}</strong>${r.rttMs !== null ? html` · round trip ${r.rttMs} ms` : ''}
      ${r.broker ? html`<br /><small>${r.broker}</small>` : ''}
      <p class="hint">${r.message}</p>
      ${r.hint ? html`<p class="hint"><strong>Next:</strong> ${r.hint}</p>` : ''}
    </div>`;
  }

  private shotResult(shot: TestShot, st: TestShotState | null) {
    if (!shot.ok) return html`<div class="result shot-result" role="status" data-ok="false"><strong>Failed</strong><p class="hint">${shot.message}</p><p class="hint"><strong>Next:</strong> ${shot.hint}</p></div>`;
    const what =
      !st || st.state === 'waiting'
        ? 'Waiting for the watch folder…'
        : st.state === 'pending'
          ? 'Taken; running the models…'
          : st.state === 'quarantined'
            ? `Refused: ${st.reason ?? 'unreadable'}`
            : st.detections.length
              ? `Seen: ${st.detections.map((d) => `${d.taxon ?? d.label} ${Math.round(d.confidence * 100)}%`).join(', ')}`
              : 'Processed: nothing detected.';
    return html`<div class="result shot-result" role="status" data-ok=${st?.state !== 'quarantined'} data-state=${st?.state ?? 'waiting'}>
      <strong>${what}</strong>
      <p class="hint">${shot.file} (${shot.source === 'camera' ? 'camera' : 'sample photo'})</p>
      ${st?.sightingId ? html`<p><a href="#sighting/${encodeURIComponent(st.sightingId)}">Open the sighting</a></p>` : st?.state === 'done' ? html`<p class="hint">The sighting appears once the burst window closes.</p>` : ''}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-tools': SpoorTools;
  }
}
