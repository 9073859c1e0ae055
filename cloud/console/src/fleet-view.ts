import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { devices, provision, revoke, rotate, type Credentials, type Device, type Role } from './api.js';
import './config-editor.js';
import { shared } from './styles.js';
import { Poller, ago, bytes, reportError, when } from './util.js';

const modelsText = (m: unknown): string => {
  if (!m) return '—';
  if (Array.isArray(m)) return m.map((x) => (typeof x === 'object' && x ? `${(x as { id?: string }).id ?? '?'}${(x as { version?: string }).version ? `@${(x as { version?: string }).version}` : ''}` : String(x))).join(', ');
  if (typeof m === 'object') return Object.entries(m as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  return String(m);
};

/** The fleet: online state, last seen, outbox backlog, models, config status; admins provision, rotate, revoke and push config. */
@customElement('spoor-fleet')
export class SpoorFleet extends LitElement {
  static override styles = [
    shared,
    css`
      td .actions { margin: 0; }
      tr.revoked { color: #555; }
      .secret { background: #fff6bf; }
    `,
  ];

  @property() role: Role = 'viewer';
  @state() private items: Device[] = [];
  @state() private creds: Credentials | null = null;
  @state() private editing = '';
  @state() private error = '';
  private readonly poller = new Poller(5000, () => this.load());

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
      this.items = (await devices()).items;
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  override render() {
    const admin = this.role === 'admin';
    const online = this.items.filter((d) => d.online).length;
    return html`
      <h2>Fleet <span class="hint">(${online} of ${this.items.length} online)</span></h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${admin ? this.provisionForm() : ''}
      ${this.creds
        ? html`<div class="card secret" role="status" style="margin: 0.75rem 0"><strong>MQTT credentials for ${this.creds.deviceId}</strong> — shown once, copy them into the device's config now:
            <div class="mono">username <strong>${this.creds.username}</strong> · password <strong class="device-password">${this.creds.password}</strong> · fleet ${this.creds.fleetId}</div>
            <button class="secondary" @click=${() => (this.creds = null)}>I have copied them</button></div>`
        : ''}
      <div class="scroll"><table class="cards">
        <tr><th>Device</th><th>State</th><th>Last seen</th><th>Outbox</th><th>Models</th><th>Config</th>${admin ? html`<th>Admin</th>` : ''}</tr>
        ${this.items.map((d) => this.row(d, admin))}
      </table></div>
      ${this.items.length === 0 ? html`<p>No devices yet.${admin ? ' Provision one above.' : ''}</p>` : ''}
    `;
  }

  private row(d: Device, admin: boolean) {
    const state = d.revokedAt ? html`<span class="pill">revoked</span>` : d.online ? html`<span class="pill on">online</span>` : html`<span class="pill off">offline</span>`;
    const cfg = d.config;
    return html`<tr class="device ${d.revokedAt ? 'revoked' : ''}" data-id=${d.deviceId}>
        <td data-label="Device"><strong>${d.deviceId}</strong>${d.name ? html`<br /><span class="hint">${d.name}</span>` : ''}<br /><span class="hint">fleet ${d.fleetId}</span></td>
        <td data-label="State">${state}</td>
        <td data-label="Last seen" title=${when(d.lastSeenAt)}>${ago(d.lastSeenAt)}</td>
        <td data-label="Outbox">${d.outbox ? html`${d.outbox.depth} queued${d.outbox.bytes ? ` · ${bytes(d.outbox.bytes)}` : ''}${d.outbox.oldestAt ? html`<br /><span class="hint">oldest ${ago(d.outbox.oldestAt)}</span>` : ''}` : '—'}</td>
        <td data-label="Models" class="mono">${modelsText(d.models)}</td>
        <td data-label="Config">${cfg && (cfg.version !== null || cfg.desiredVersion)
          ? html`${cfg.version !== null ? `v${cfg.version}` : 'none'}${cfg.desiredVersion && cfg.desiredVersion !== cfg.version ? ` → v${cfg.desiredVersion}` : ''}
              <span class="pill ${cfg.state === 'applied' ? 'on' : cfg.state === 'rejected' ? 'off' : 'warn'}">${cfg.state ?? 'sent'}</span>${cfg.reason ? html`<br /><span class="hint">${cfg.reason}</span>` : ''}`
          : '—'}</td>
        ${admin
          ? html`<td data-label="Admin"><div class="actions">
              <button class="secondary" @click=${() => (this.editing = this.editing === d.deviceId ? '' : d.deviceId)} ?disabled=${!!d.revokedAt}>Config…</button>
              <button class="secondary" @click=${() => this.act(() => rotate(d.deviceId))} ?disabled=${!!d.revokedAt}>Rotate</button>
              <button class="danger" @click=${() => this.confirmRevoke(d.deviceId)} ?disabled=${!!d.revokedAt}>Revoke</button>
            </div></td>`
          : ''}
      </tr>
      ${this.editing === d.deviceId ? html`<tr><td colspan="7" data-label="Edit"><spoor-config-editor .deviceId=${d.deviceId} @pushed=${() => this.load()}></spoor-config-editor></td></tr>` : ''}`;
  }

  private provisionForm() {
    return html`<form class="card row" @submit=${this.provision}>
      <div><label for="dev-id">New device id</label><input id="dev-id" name="deviceId" required pattern="[A-Za-z0-9_.\\-]{1,64}" placeholder="trap-07" /></div>
      <div><label for="dev-fleet">Fleet</label><input id="dev-fleet" name="fleetId" placeholder="default" /></div>
      <div><label for="dev-name">Name</label><input id="dev-name" name="name" placeholder="Ridge, north slope" /></div>
      <button type="submit">Provision</button>
    </form>`;
  }

  private async provision(e: Event) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const s = (k: string) => String(f.get(k) ?? '').trim();
    await this.act(() => provision(s('deviceId'), s('fleetId') || undefined, s('name') || undefined));
    if (this.creds) (e.target as HTMLFormElement).reset();
  }

  private async confirmRevoke(id: string) {
    if (!window.confirm(`Revoke ${id}? It is disconnected at once and cannot connect again until re-provisioned.`)) return;
    await this.act(async () => (await revoke(id), null));
  }

  private async act(f: () => Promise<Credentials | null>) {
    this.error = '';
    try {
      const c = await f();
      if (c) this.creds = c;
    } catch (err) {
      this.error = reportError(this, err);
    }
    await this.load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-fleet': SpoorFleet;
  }
}
