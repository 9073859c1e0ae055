import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ApiError, desiredConfig, pushConfig } from './api.js';
import { shared } from './styles.js';
import { reportError } from './util.js';

/** Admin: a JSON editor for a device's desired config; JSON and schema errors are shown under it. Fires `pushed`. */
@customElement('spoor-config-editor')
export class SpoorConfigEditor extends LitElement {
  static override styles = shared;

  @property() deviceId = '';
  @state() private text = '{\n  "deployment": { "latitude": null, "longitude": null },\n  "reid": { "acceptThreshold": 0.85 }\n}';
  @state() private error = '';
  @state() private message = '';

  override connectedCallback() {
    super.connectedCallback();
    // Start from the config last pushed, when there is one.
    desiredConfig(this.deviceId).then(
      (d) => d.config && (this.text = JSON.stringify(d.config, null, 2)),
      () => undefined,
    );
  }

  override render() {
    return html`<form @submit=${this.submit}>
      <label for="cfg-${this.deviceId}">Desired config for ${this.deviceId} (JSON, validated by the device's config schema)</label>
      <textarea id="cfg-${this.deviceId}" rows="8" spellcheck="false" .value=${this.text} @input=${(e: Event) => ((this.text = (e.target as HTMLTextAreaElement).value), this.check())}></textarea>
      ${this.error ? html`<pre class="error config-error" role="alert">${this.error}</pre>` : ''}
      ${this.message ? html`<p class="ok">${this.message}</p>` : ''}
      <div class="actions"><button type="submit" ?disabled=${!!this.error}>Push config</button></div>
    </form>`;
  }

  private parse(): unknown {
    try {
      const v = JSON.parse(this.text) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the config must be a JSON object');
      return v;
    } catch (err) {
      this.error = `Not valid JSON: ${(err as Error).message}`;
      return undefined;
    }
  }

  private check() {
    this.error = '';
    this.message = '';
    this.parse();
  }

  private async submit(e: Event) {
    e.preventDefault();
    this.error = '';
    const config = this.parse();
    if (config === undefined) return;
    try {
      const r = await pushConfig(this.deviceId, config);
      this.message = `Published as config version ${r.version}; the device applies it when it next connects.`;
      this.dispatchEvent(new CustomEvent('pushed', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = err instanceof ApiError && err.status === 400 ? `Refused by the schema: ${err.message}` : reportError(this, err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-config-editor': SpoorConfigEditor;
  }
}
