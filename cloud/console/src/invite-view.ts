import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { acceptInvitation, invitation, type Role, type User } from './api.js';
import { shared } from './styles.js';

/** The one-time invitation link (`#/invite/<token>`): choose a name and password. Fires `logged-in`. */
@customElement('spoor-invite')
export class SpoorInvite extends LitElement {
  static override styles = shared;

  @property() token = '';
  @state() private invite: { email: string; role: Role } | null = null;
  @state() private error = '';
  @state() private busy = false;

  override connectedCallback() {
    super.connectedCallback();
    invitation(this.token).then(
      (i) => (this.invite = i),
      () => (this.error = 'This invitation link was already used or has expired. Ask an admin for a new one.'),
    );
  }

  override render() {
    if (!this.invite) return html`<div class="card" style="max-width: 460px; margin: 1.5rem auto;"><h2>Invitation</h2><p class=${this.error ? 'error' : ''}>${this.error || 'Checking the link…'}</p></div>`;
    return html`
      <form class="card" @submit=${this.submit} style="max-width: 460px; margin: 1.5rem auto;">
        <h2>Join as ${this.invite.role}</h2>
        <p class="hint">Invitation for <strong>${this.invite.email}</strong>. This link works once.</p>
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="name" required />
        <label for="pw" style="margin-top: 0.75rem">Password (at least 10 characters)</label>
        <input id="pw" name="password" type="password" autocomplete="new-password" required minlength="10" />
        <label for="pw2" style="margin-top: 0.75rem">Repeat password</label>
        <input id="pw2" name="confirm" type="password" autocomplete="new-password" required />
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <p><button type="submit" ?disabled=${this.busy}>Create account</button></p>
      </form>
    `;
  }

  private async submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      this.error = 'The passwords do not match.';
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      const user = await acceptInvitation(this.token, String(form.get('name') ?? ''), password);
      this.dispatchEvent(new CustomEvent<User>('logged-in', { detail: user, bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-invite': SpoorInvite;
  }
}
