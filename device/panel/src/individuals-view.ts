import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { deleteIndividual, enroll, individuals, renameIndividual, type Individual } from './api.js';
import { shared } from './styles.js';

/** Known individuals: enroll from photos (the phone's camera or files), rename, delete. */
@customElement('spoor-individuals')
export class SpoorIndividuals extends LitElement {
  static override styles = [
    shared,
    css`
      form.card, li.card { margin-bottom: 0.75rem; }
      ul { list-style: none; padding: 0; margin: 0; }
      .row { display: flex; gap: 0.5rem; margin-top: 0.5rem; flex-wrap: wrap; }
      .row input { flex: 1 1 10rem; }
      .danger { background: #b00000; color: #fff; }
    `,
  ];

  @state() private items: Individual[] = [];
  @state() private message = '';
  @state() private error = '';
  @state() private busy = false;
  @state() private confirming: string | null = null;

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      this.items = (await individuals()).items;
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown) {
    this.error = (err as Error).message;
    this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <h2>Individuals</h2>
      <form class="card" @submit=${this.enroll}>
        <label for="species">Species</label>
        <input id="species" name="species" required placeholder="Panthera pardus" />
        <label for="name" style="margin-top: 0.5rem">Name</label>
        <input id="name" name="name" required maxlength="80" />
        <label for="photos" style="margin-top: 0.5rem">Reference photos</label>
        <input id="photos" name="photos" type="file" accept="image/*" capture="environment" multiple required />
        <p><button type="submit" ?disabled=${this.busy}>${this.busy ? 'Enrolling…' : 'Enroll'}</button></p>
        ${this.message ? html`<p class="saved" role="status">${this.message}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </form>
      ${this.items.length === 0 ? html`<p>No individuals yet.</p>` : ''}
      <ul>
        ${this.items.map(
          (i) => html`<li class="card individual" data-id=${i.id}>
            <strong class="name">${i.name}</strong> · <em>${i.species}</em>
            <p class="hint">${i.origin} · ${i.references} reference${i.references === 1 ? '' : 's'}</p>
            <div class="row">
              <input aria-label="New name for ${i.name}" .value=${i.name} id=${`rn-${i.id}`} maxlength="80" />
              <button class="secondary" @click=${() => this.rename(i)}>Rename</button>
              ${this.confirming === i.id
                ? html`<button class="danger" @click=${() => this.deleteOne(i)}>Really delete</button>`
                : html`<button class="secondary" @click=${() => (this.confirming = i.id)}>Delete</button>`}
            </div>
          </li>`,
        )}
      </ul>
    `;
  }

  private async enroll(e: Event) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    this.busy = true;
    this.message = '';
    this.error = '';
    try {
      const r = await enroll(new FormData(form));
      this.message = `Enrolled ${r.name}${r.rejected.length ? `; ${r.rejected.length} photo(s) not usable` : ''}.`;
      form.reset();
      await this.load();
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async rename(i: Individual) {
    const input = this.renderRoot.querySelector<HTMLInputElement>(`#rn-${CSS.escape(i.id)}`);
    try {
      await renameIndividual(i.id, input?.value ?? '');
      await this.load();
    } catch (err) {
      this.fail(err);
    }
  }

  private async deleteOne(i: Individual) {
    this.confirming = null;
    try {
      await deleteIndividual(i.id);
      await this.load();
    } catch (err) {
      this.fail(err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-individuals': SpoorIndividuals;
  }
}
