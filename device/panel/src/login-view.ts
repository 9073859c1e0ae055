import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ApiError, login, setup } from './api.js';
import { shared } from './styles.js';

/** Login, or the first-visit password setup when the unit has none. Fires `logged-in`. */
@customElement('spoor-login')
export class SpoorLogin extends LitElement {
  static override styles = shared;

  /** No admin password yet: choose one. */
  @property({ type: Boolean }) setup = false;
  @state() private error = '';
  @state() private busy = false;

  override render() {
    return html`
      <form class="card" @submit=${this.submit} style="max-width: 420px; margin: 1rem auto;">
        <h2>${this.setup ? 'Choose the admin password' : 'Log in'}</h2>
        ${this.setup ? html`<p class="hint">This unit has no password yet. At least 8 characters; you will need it for every visit.</p>` : ''}
        <label for="pw">Password</label>
        <input id="pw" name="password" type="password" autocomplete=${this.setup ? 'new-password' : 'current-password'} required minlength=${this.setup ? 8 : 1} />
        ${this.setup
          ? html`<label for="pw2" style="margin-top: 0.75rem">Repeat password</label>
              <input id="pw2" name="confirm" type="password" autocomplete="new-password" required />`
          : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <p><button type="submit" ?disabled=${this.busy}>${this.setup ? 'Set password' : 'Log in'}</button></p>
      </form>
    `;
  }

  private async submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const password = String(form.get('password') ?? '');
    if (this.setup && password !== String(form.get('confirm') ?? '')) {
      this.error = 'The passwords do not match.';
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      await (this.setup ? setup(password) : login(password));
      this.dispatchEvent(new CustomEvent('logged-in', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = err instanceof ApiError && err.status === 401 ? 'Wrong password.' : (err as Error).message;
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-login': SpoorLogin;
  }
}
