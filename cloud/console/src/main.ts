import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { AuthError, logout, me, type User } from './api.js';
import './export-view.js';
import './fleet-view.js';
import './help-overlay.js';
import './identity-view.js';
import './individual-view.js';
import './individuals-view.js';
import './invite-view.js';
import './login-view.js';
import './plots-view.js';
import './queue-view.js';
import './users-view.js';
import { shared } from './styles.js';
import { typing } from './util.js';

const PAGES = [
  ['queue', 'Queue'],
  ['identity', 'Identity'],
  ['individuals', 'Individuals'],
  ['fleet', 'Fleet'],
  ['plots', 'Plots'],
  ['export', 'Export'],
  ['users', 'Users'],
] as const;
type Page = (typeof PAGES)[number][0] | 'individual' | 'invite';

/** `#/individual/<id>` → ['individual', id]; unknown → the queue. */
function route(): [Page, string] {
  const [, page = '', arg = ''] = location.hash.split('/');
  const known = (PAGES.map((p) => p[0]) as string[]).concat('individual', 'invite');
  return [known.includes(page) ? (page as Page) : 'queue', decodeURIComponent(arg)];
}

/** The console shell: session check, hash routes, the role for every view, and the `?` help overlay. */
@customElement('spoor-console')
export class SpoorConsole extends LitElement {
  static override styles = [
    shared,
    css`
      header { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: center; padding: 0.4rem 1rem; background: #000; color: #fff; }
      header strong { font-size: 1.15rem; }
      nav { display: flex; flex-wrap: wrap; gap: 0.1rem; flex: 1 1 auto; }
      nav a { padding: 0 0.6rem; min-height: 40px; line-height: 40px; color: #fff; text-decoration: none; font-weight: 700; border-bottom: 4px solid transparent; }
      nav a[aria-current='page'] { border-bottom-color: #ffd400; color: #ffd400; }
      .who { font-size: 0.9rem; }
      .who button { min-height: 32px; margin-left: 0.5rem; }
      main { padding: 0.75rem 1rem; max-width: 1400px; margin: 0 auto; }
      @media (max-width: 600px) { nav a { padding: 0 0.35rem; font-size: 0.9rem; } main { padding: 0.5rem; } }
    `,
  ];

  @state() private user: User | null = null;
  @state() private checked = false;
  @state() private page: Page = route()[0];
  @state() private arg = route()[1];
  @state() private help = false;
  private readonly onHash = () => ([this.page, this.arg] = route());
  private readonly onKey = (e: KeyboardEvent) => {
    if (typing(e)) return;
    if (e.key === '?') {
      this.help = !this.help;
      e.preventDefault();
    } else if (e.key === 'Escape' && this.help) this.help = false;
  };

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener('keydown', this.onKey);
    void this.check();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener('keydown', this.onKey);
  }

  private async check() {
    this.user = await me().catch(() => null);
    this.checked = true;
  }

  override render() {
    if (!this.checked) return html`<main><p>Loading…</p></main>`;
    if (this.page === 'invite') {
      return html`<header><strong>Spoor review console</strong></header>
        <main><spoor-invite .token=${this.arg} @logged-in=${this.onLoggedIn}></spoor-invite></main>`;
    }
    if (!this.user) {
      return html`<header><strong>Spoor review console</strong></header>
        <main><spoor-login @logged-in=${this.onLoggedIn}></spoor-login></main>`;
    }
    const pages = PAGES.filter(([p]) => p !== 'users' || this.user?.role === 'admin');
    const current = this.page === 'individual' ? 'individuals' : this.page;
    return html`
      <header>
        <strong>Spoor</strong>
        <nav aria-label="Pages">${pages.map(([p, label]) => html`<a href="#/${p}" aria-current=${p === current ? 'page' : 'false'}>${label}</a>`)}</nav>
        <span class="who"
          >${this.user.name || this.user.email} · <span class="role">${this.user.role}</span>
          <button class="secondary" title="Keyboard shortcuts (?)" @click=${() => (this.help = true)}>?</button>
          <button class="secondary" @click=${this.signOut}>Log out</button></span
        >
      </header>
      <main @api-error=${this.onApiError}>${this.view(this.user)}</main>
      ${this.help ? html`<spoor-help @close=${() => (this.help = false)}></spoor-help>` : ''}
    `;
  }

  private view(user: User) {
    const role = user.role;
    switch (this.page) {
      case 'identity':
        return html`<spoor-identity .role=${role}></spoor-identity>`;
      case 'individuals':
        return html`<spoor-individuals .role=${role}></spoor-individuals>`;
      case 'individual':
        return html`<spoor-individual .role=${role} .individualId=${this.arg}></spoor-individual>`;
      case 'fleet':
        return html`<spoor-fleet .role=${role}></spoor-fleet>`;
      case 'plots':
        return html`<spoor-plots></spoor-plots>`;
      case 'export':
        return html`<spoor-export .role=${role}></spoor-export>`;
      case 'users':
        return role === 'admin' ? html`<spoor-users .me=${user}></spoor-users>` : html`<p>Only admins manage users.</p>`;
      default:
        return html`<spoor-queue .role=${role}></spoor-queue>`;
    }
  }

  private onLoggedIn(e: CustomEvent<User>) {
    this.user = e.detail;
    if (this.page === 'invite') location.hash = '#/queue';
  }

  private onApiError(e: CustomEvent<unknown>) {
    if (e.detail instanceof AuthError) this.user = null;
  }

  private async signOut() {
    await logout().catch(() => undefined);
    this.user = null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-console': SpoorConsole;
  }
}
