import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiError, login, type User } from './api.js';
import { shared } from './styles.js';

/** Email and password. Fires `logged-in` with the user. */
@customElement('spoor-login')
export class SpoorLogin extends LitElement {
  static override styles = shared;

  @state() private error = '';
  @state() private busy = false;

  override render() {
    return html`
      <form class="card" @submit=${this.submit} style="max-width: 420px; margin: 1.5rem auto;">
        <h2>Log in</h2>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <label for="pw" style="margin-top: 0.75rem">Password</label>
        <input id="pw" name="password" type="password" autocomplete="current-password" required />
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <p><button type="submit" ?disabled=${this.busy}>Log in</button></p>
        <p class="hint">No account? Ask an admin for an invitation link. The first admin comes from <code>npm start</code> or <code>spoor-hub users add</code>.</p>
      </form>
    `;
  }

  private async submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    this.error = '';
    try {
      const user = await login(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
      this.dispatchEvent(new CustomEvent<User>('logged-in', { detail: user, bubbles: true, composed: true }));
    } catch (err) {
      this.error =
        err instanceof ApiError && err.status === 401
          ? 'Wrong email or password.'
          : err instanceof ApiError && err.status === 429
            ? 'Too many attempts: wait a minute and try again.'
            : (err as Error).message;
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
