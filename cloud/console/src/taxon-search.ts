import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { taxa } from './api.js';
import { shared } from './styles.js';
import { reportError } from './util.js';

export interface PickedTaxon {
  label: string;
  rank: string;
}

/** Type to search the taxonomy (names seen in the store plus a bundled list); ↑/↓ and Enter pick. Fires `taxon-picked`. */
@customElement('spoor-taxon-search')
export class SpoorTaxonSearch extends LitElement {
  static override styles = [
    shared,
    css`
      ul { list-style: none; margin: 0.25rem 0 0; padding: 0; border: 2px solid #000; border-radius: 6px; max-height: 260px; overflow: auto; }
      li { padding: 0.35rem 0.5rem; cursor: pointer; display: flex; gap: 0.5rem; justify-content: space-between; }
      li[aria-selected='true'], li:hover { background: #ffd400; }
      .rank { font-size: 0.8rem; color: #222; }
    `,
  ];

  @property() placeholder = 'Search species, genus, family…';
  @state() private items: { label: string; rank: string; count: number }[] = [];
  @state() private active = 0;
  @state() private error = '';
  private seq = 0;

  override firstUpdated() {
    this.renderRoot.querySelector('input')?.focus();
  }

  override render() {
    return html`
      <label for="taxon-q">Correct species</label>
      <input id="taxon-q" type="search" autocomplete="off" role="combobox" aria-expanded=${this.items.length > 0} aria-controls="taxon-list"
        placeholder=${this.placeholder} @input=${this.search} @keydown=${this.key} />
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${this.items.length
        ? html`<ul id="taxon-list" role="listbox">
            ${this.items.map(
              (t, i) => html`<li role="option" aria-selected=${i === this.active} @click=${() => this.pick(i)}>
                <span><em>${t.label}</em></span><span class="rank">${t.rank}${t.count ? ` · ${t.count} seen` : ''}</span>
              </li>`,
            )}
          </ul>`
        : ''}
    `;
  }

  private async search(e: Event) {
    const q = (e.target as HTMLInputElement).value.trim();
    const seq = ++this.seq;
    if (q.length < 2) {
      this.items = [];
      return;
    }
    try {
      const { items } = await taxa(q);
      if (seq !== this.seq) return;
      this.items = items;
      this.active = 0;
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private key(e: KeyboardEvent) {
    if (e.key === 'ArrowDown') this.active = Math.min(this.items.length - 1, this.active + 1);
    else if (e.key === 'ArrowUp') this.active = Math.max(0, this.active - 1);
    else if (e.key === 'Enter') this.pick(this.active);
    else if (e.key === 'Escape') this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }));
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private pick(i: number) {
    const t = this.items[i];
    if (!t) return;
    this.dispatchEvent(new CustomEvent<PickedTaxon>('taxon-picked', { detail: { label: t.label, rank: t.rank }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-taxon-search': SpoorTaxonSearch;
  }
}
