import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { duplicates, individuals, type DuplicatePair, type Individual, type Role } from './api.js';
import { shared } from './styles.js';
import { reportError, short, when } from './util.js';

/**
 * The global gallery's active individuals, filterable by species; each links to its page.
 * Above them, the pairs that may be one animal (possible duplicates), best first.
 */
@customElement('spoor-individuals')
export class SpoorIndividuals extends LitElement {
  static override styles = shared;

  @property() role: Role = 'viewer';
  @state() private items: Individual[] = [];
  @state() private pairs: DuplicatePair[] = [];
  @state() private scanned = 0;
  @state() private species = '';
  @state() private error = '';

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      this.items = (await individuals(this.species || undefined)).items;
      const d = await duplicates(this.species || undefined).catch(() => ({ items: [], scanned: 0 }));
      [this.pairs, this.scanned] = [d.items, d.scanned];
      this.error = '';
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private duplicatesView() {
    const name = (id: string) => {
      const i = this.items.find((x) => x.id === id);
      const where = i ? ` (${[...new Set(i.links.map((l) => l.deviceId))].join(', ')})` : '';
      return `${i?.name ?? `unnamed ${short(id)}`}${where}`;
    };
    return html`<section class="card duplicates" style="margin-top: 0.75rem">
      <h3>Possible duplicates (${this.pairs.length})</h3>
      <p class="hint">These individuals look like one animal (score at or above the propose threshold). Open one, compare, and merge the other into it, or leave them: a split or a rejected proposal between two individuals keeps them off this list. Checked: the ${this.scanned} most recently changed individuals, each against the whole gallery.</p>
      <ul>
        ${this.pairs.map(
          (p) => html`<li class="pair" data-a=${p.a} data-b=${p.b}>
            <a href="#/individual/${p.a}">${name(p.a)}</a> and <a href="#/individual/${p.b}">${name(p.b)}</a> · <em>${p.species}</em> · score ${p.score.toFixed(2)}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  override render() {
    return html`
      <h2>Individuals</h2>
      <form class="row" style="max-width: 520px" @submit=${(e: Event) => (e.preventDefault(), void this.load())}>
        <div><label for="sp">Species</label><input id="sp" .value=${this.species} @input=${(e: Event) => (this.species = (e.target as HTMLInputElement).value.trim())} placeholder="e.g. Vulpes vulpes" /></div>
        <button type="submit">Filter</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.pairs.length ? this.duplicatesView() : ''}
      <div class="scroll" style="margin-top: 0.75rem"><table>
        <tr><th>Name</th><th>Species</th><th>Fleet</th><th>Devices</th><th>References</th><th>Since</th></tr>
        ${this.items.map(
          (i) => html`<tr class="individual" data-id=${i.id}>
            <td><a href="#/individual/${i.id}">${i.name ?? `unnamed ${short(i.id)}`}</a></td>
            <td><em>${i.species}</em></td><td>${i.fleetId}</td>
            <td>${[...new Set(i.links.map((l) => l.deviceId))].join(', ')}</td>
            <td>${i.refsCount}</td><td>${when(i.createdAt)}</td>
          </tr>`,
        )}
      </table></div>
      ${this.items.length === 0 ? html`<p>No individuals yet.</p>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-individuals': SpoorIndividuals;
  }
}
