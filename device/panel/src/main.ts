import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { AuthError, logout, session } from './api.js';
import './individuals-view.js';
import './login-view.js';
import './settings-view.js';
import './sighting-detail.js';
import './sightings-view.js';
import './status-view.js';
import './tools-view.js';
import { shared } from './styles.js';

const VIEWS = ['status', 'sightings', 'individuals', 'settings', 'tools'] as const;
type View = (typeof VIEWS)[number] | 'sighting';

/** `#sightings`, or `#sighting/<id>` for one sighting (shown under the Sightings tab). */
const viewFromHash = (): View => {
  const v = location.hash.slice(1);
  if (v.startsWith('sighting/')) return 'sighting';
  return (VIEWS as readonly string[]).includes(v) ? (v as View) : 'status';
};
const sightingIdFromHash = (): string => (location.hash.startsWith('#sighting/') ? decodeURIComponent(location.hash.slice('#sighting/'.length)) : '');

/** The panel shell: decides between setup, login and the views; a lost session goes back to login. */
@customElement('spoor-app')
export class SpoorApp extends LitElement {
  static override styles = [
    shared,
    css`
      header { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; padding: 0.5rem 0.75rem; background: #000; color: #fff; }
      header strong { font-size: 1.2rem; margin-right: auto; }
      /* Phones: five tabs in a 3 + 2 grid, each a full-size tap target, nothing scrolls sideways. */
      nav { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 0.125rem; width: 100%; }
      nav a { text-align: center; font-size: 0.95rem; padding: 0 0.125rem; min-height: 44px; line-height: 44px; color: #fff; text-decoration: none; font-weight: 700; border-bottom: 4px solid transparent; }
      nav a[aria-current='page'] { border-bottom-color: #ffd400; color: #ffd400; }
      main { padding: 0.75rem; max-width: 1200px; margin: 0 auto; }
      @media (min-width: 720px) { nav { display: flex; width: auto; } nav a { padding: 0 1rem; } }
    `,
  ];

  @state() private auth: 'unknown' | 'login' | 'setup' | 'in' = 'unknown';
  @state() private view: View = viewFromHash();
  @state() private sightingId = sightingIdFromHash();

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', () => {
      this.view = viewFromHash();
      this.sightingId = sightingIdFromHash();
    });
    void this.check();
  }

  private async check() {
    this.auth = await session().catch(() => 'login' as const);
  }

  override render() {
    if (this.auth === 'unknown') return html`<main><p>Loading…</p></main>`;
    if (this.auth !== 'in') {
      return html`<header><strong>Spoor trap</strong></header>
        <main><spoor-login ?setup=${this.auth === 'setup'} @logged-in=${() => (this.auth = 'in')}></spoor-login></main>`;
    }
    return html`
      <header>
        <strong>Spoor trap</strong>
        <button class="secondary" @click=${this.signOut}>Log out</button>
        <nav>${VIEWS.map((v) => html`<a href="#${v}" aria-current=${v === this.view || (v === 'sightings' && this.view === 'sighting') ? 'page' : 'false'}>${v[0]?.toUpperCase()}${v.slice(1)}</a>`)}</nav>
      </header>
      <main @api-error=${this.onApiError}>
        ${this.view === 'status'
          ? html`<spoor-status></spoor-status>`
          : this.view === 'sightings'
            ? html`<spoor-sightings></spoor-sightings>`
            : this.view === 'sighting'
              ? html`<spoor-sighting-detail .sightingId=${this.sightingId}></spoor-sighting-detail>`
              : this.view === 'individuals'
                ? html`<spoor-individuals></spoor-individuals>`
                : this.view === 'tools'
                  ? html`<spoor-tools></spoor-tools>`
                  : html`<spoor-settings></spoor-settings>`}
      </main>
    `;
  }

  private onApiError(e: CustomEvent<unknown>) {
    if (e.detail instanceof AuthError) this.auth = e.detail.setupRequired ? 'setup' : 'login';
  }

  private async signOut() {
    await logout().catch(() => undefined);
    this.auth = 'login';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-app': SpoorApp;
  }
}
