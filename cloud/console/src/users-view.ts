import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { invite, updateUser, users, type Role, type User } from './api.js';
import { shared } from './styles.js';
import { reportError, when } from './util.js';

type Row = User & { disabled: boolean; createdAt: string };
const ROLES: readonly Role[] = ['viewer', 'reviewer', 'admin'];

/** Admin: invite people by a one-time link, change roles, disable accounts. */
@customElement('spoor-users')
export class SpoorUsers extends LitElement {
  static override styles = shared;

  @property({ attribute: false }) me: User | null = null;
  @state() private items: Row[] = [];
  @state() private link = '';
  @state() private error = '';

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      this.items = (await users()).items;
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  override render() {
    return html`
      <h2>Users</h2>
      <form class="card row" @submit=${this.invite} style="margin-bottom: 1rem">
        <div><label for="inv-email">Email</label><input id="inv-email" name="email" type="email" required /></div>
        <div style="flex: 0 1 160px"><label for="inv-role">Role</label>
          <select id="inv-role" name="role">${ROLES.map((r) => html`<option value=${r} ?selected=${r === 'reviewer'}>${r}</option>`)}</select></div>
        <button type="submit">Invite</button>
      </form>
      ${this.link
        ? html`<div class="card" style="margin-bottom: 1rem"><p><strong>One-time invitation link</strong> (valid 7 days; send it to the person):</p>
            <p class="mono invite-link">${this.link}</p></div>`
        : ''}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <div class="scroll"><table>
        <tr><th>Name</th><th>Email</th><th>Role</th><th>Since</th><th>Account</th></tr>
        ${this.items.map(
          (u) => html`<tr class="user" data-email=${u.email}>
            <td>${u.name}</td><td>${u.email}</td>
            <td><select aria-label="Role of ${u.email}" ?disabled=${u.id === this.me?.id} @change=${(e: Event) => this.change(u, { role: (e.target as HTMLSelectElement).value as Role })}>
              ${ROLES.map((r) => html`<option value=${r} ?selected=${r === u.role}>${r}</option>`)}</select></td>
            <td>${when(u.createdAt)}</td>
            <td>${u.id === this.me?.id ? 'you' : html`<button class=${u.disabled ? 'secondary' : 'danger'} @click=${() => this.change(u, { disabled: !u.disabled })}>${u.disabled ? 'Enable' : 'Disable'}</button>`}</td>
          </tr>`,
        )}
      </table></div>
    `;
  }

  private async invite(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    this.error = '';
    try {
      const r = await invite(String(form.get('email') ?? ''), String(form.get('role') ?? 'reviewer') as Role);
      this.link = new URL(r.url, location.href).href;
      (e.target as HTMLFormElement).reset();
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private async change(u: Row, change: { role?: Role; disabled?: boolean }) {
    this.error = '';
    try {
      await updateUser(u.id, change);
    } catch (err) {
      this.error = reportError(this, err);
    }
    await this.load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-users': SpoorUsers;
  }
}
