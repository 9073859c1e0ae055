import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiError, saveSettings, settings, type Field, type SettingsView } from './api.js';
import './restart-button.js';
import { shared } from './styles.js';

const LABELS: Record<string, string> = {
  '/name': 'Unit name',
  '/pipeline/minDetectionConfidence': 'Detection threshold',
  '/pipeline/burstWindowSec': 'Burst window (s)',
  '/pipeline/speciesAllowList': 'Species allow-list (one per line; empty = all)',
  '/reid/acceptThreshold': 'Re-ID accept threshold',
  '/reid/rejectThreshold': 'Re-ID reject threshold',
  '/inbox': 'Watch folder',
  '/watch/stableMs': 'File settle time (ms)',
  '/cloud/mqttUrl': 'Cloud MQTT URL (empty = off)',
  '/cloud/username': 'Cloud username',
  '/cloud/password': 'Cloud password',
  '/sync/bandwidth': 'Uplink bandwidth',
  '/sync/dailyBudgetBytes': 'Daily uplink budget (bytes, 0 = unlimited)',
  '/deployment/deploymentID': 'Deployment ID',
  '/deployment/locationID': 'Location ID',
  '/deployment/locationName': 'Location name',
  '/deployment/latitude': 'Latitude (°)',
  '/deployment/longitude': 'Longitude (°)',
  '/deployment/coordinateUncertainty': 'Coordinate uncertainty (m)',
  '/deployment/cameraHeight': 'Camera height (m)',
  '/deployment/cameraHeading': 'Camera heading (° from north)',
  '/deployment/cameraTilt': 'Camera tilt (°)',
  '/deployment/cameraModel': 'Camera model',
  '/deployment/setupBy': 'Set up by',
  '/deployment/deploymentStart': 'Deployment start',
  '/deployment/deploymentEnd': 'Deployment end',
  '/deployment/habitat': 'Habitat',
  '/deployment/featureType': 'Feature type',
  '/deployment/baitUse': 'Bait used',
  '/deployment/deploymentComments': 'Comments',
};

/** Form sections, by the first segment of the setting's path. */
const SECTIONS: { title: string; id: string; test: (path: string) => boolean; hint?: string }[] = [
  { title: 'Unit and detection', id: 'unit', test: (p) => !p.startsWith('/deployment/') && !p.startsWith('/cloud/') && !p.startsWith('/sync/') },
  { title: 'Uplink', id: 'uplink', test: (p) => p.startsWith('/cloud/') || p.startsWith('/sync/') },
  {
    title: 'Deployment (Camtrap DP)',
    id: 'deployment',
    test: (p) => p.startsWith('/deployment/'),
    hint: 'Where and how this camera is set up; used by the Camtrap DP export. Leave a field empty if unknown.',
  },
];

/** A form generated from the config schema's field descriptors; the daemon validates with the same schema. */
@customElement('spoor-settings')
export class SpoorSettings extends LitElement {
  static override styles = [
    shared,
    css`
      .field { margin-bottom: 1rem; }
      .restart { display: inline-block; margin-left: 0.5rem; padding: 0 6px; border: 2px solid #000; border-radius: 4px; font-size: 0.8rem; font-weight: 700; }
      .invalid { border-color: #b00000; border-width: 3px; }
      fieldset { border: 2px solid #000; border-radius: 8px; margin: 0 0 1rem; padding: 0.75rem; }
      legend { font-weight: 700; font-size: 1.1rem; padding: 0 0.4rem; }
      .pending { border: 3px solid #000; background: #ffd400; border-radius: 8px; padding: 0.5rem 0.75rem; margin: 0 0 1rem; }
      @media (min-width: 900px) { fieldset { display: grid; grid-template-columns: 1fr 1fr; column-gap: 1.5rem; } legend, fieldset > .hint { grid-column: 1 / -1; } }
    `,
  ];

  @state() private view: SettingsView | null = null;
  @state() private errors: Record<string, string> = {};
  @state() private message = '';

  override async connectedCallback() {
    super.connectedCallback();
    try {
      this.view = await settings();
    } catch (err) {
      this.message = (err as Error).message;
      this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
    }
  }

  override render() {
    const v = this.view;
    if (!v) return html`<p>${this.message || 'Loading…'}</p>`;
    return html`
      <h2>Settings</h2>
      ${v.pendingRestart.length ? this.pending(v.pendingRestart) : ''}
      <form @submit=${this.save} novalidate>
        ${SECTIONS.map((sec) => {
          const fields = v.fields.filter((f) => sec.test(f.path));
          return fields.length
            ? html`<fieldset id=${`section-${sec.id}`}><legend>${sec.title}</legend>${sec.hint ? html`<p class="hint">${sec.hint}</p>` : ''}${fields.map((f) => this.field(f, v.values[f.path]))}</fieldset>`
            : '';
        })}
        ${this.errors[''] ? html`<p class="error">${this.errors['']}</p>` : ''}
        <p><button type="submit">Save</button> <span class="saved" role="status">${this.message}</span></p>
      </form>
      ${v.pendingRestart.length ? this.pending(v.pendingRestart) : ''}
    `;
  }

  private pending(paths: string[]) {
    return html`<div class="pending" role="status">
      <p><strong>Saved, waiting for a restart:</strong> ${paths.map((p) => LABELS[p] ?? p).join(', ')}.</p>
      <spoor-restart-button></spoor-restart-button>
    </div>`;
  }

  private field(f: Field, value: unknown) {
    const id = `f${f.path.replaceAll('/', '-')}`;
    const err = this.errors[f.path];
    const cls = err ? 'invalid' : '';
    const control =
      f.kind === 'enum' || f.kind === 'boolean'
        ? html`<select id=${id} name=${f.path} class=${cls} aria-invalid=${err ? 'true' : 'false'}>
            ${f.nullable ? html`<option value="" ?selected=${value === null || value === undefined}>—</option>` : ''}
            ${(f.kind === 'boolean' ? ['yes', 'no'] : (f.options ?? [])).map((o) => {
              const v = f.kind === 'boolean' ? String(o === 'yes') : o;
              return html`<option value=${v} ?selected=${v === String(value)}>${o}</option>`;
            })}
          </select>`
        : f.kind === 'string[]'
          ? html`<textarea id=${id} name=${f.path} class=${cls} rows="3">${Array.isArray(value) ? value.join('\n') : ''}</textarea>`
          : html`<input
              id=${id}
              name=${f.path}
              class=${cls}
              type=${f.secret ? 'password' : f.kind === 'number' || f.kind === 'integer' ? 'number' : 'text'}
              inputmode=${(f.minimum ?? 0) < 0 ? 'text' /* phone number pads lack a minus sign */ : f.kind === 'number' ? 'decimal' : f.kind === 'integer' ? 'numeric' : 'text'}
              step=${f.kind === 'integer' ? '1' : 'any'}
              .value=${value === null || value === undefined ? '' : String(value)}
              aria-invalid=${err ? 'true' : 'false'}
              aria-describedby=${`${id}-err`}
            />`;
    return html`
      <div class="field" data-path=${f.path}>
        <label for=${id}>${LABELS[f.path] ?? f.path}${f.restart ? html`<span class="restart" title="Takes effect after a restart">needs restart</span>` : ''}</label>
        ${control}
        ${err ? html`<p class="error" id=${`${id}-err`} role="alert">${err}</p>` : ''}
        ${f.description ? html`<p class="hint">${f.description}</p>` : ''}
        ${f.minimum !== undefined || f.maximum !== undefined ? html`<p class="hint">Range ${f.minimum ?? '…'} to ${f.maximum ?? '…'}</p>` : ''}
      </div>
    `;
  }

  /** Read the form back into typed values; the daemon checks them against the schema. */
  private collect(form: HTMLFormElement): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.view?.fields ?? []) {
      const el = form.elements.namedItem(f.path) as HTMLInputElement | null;
      if (!el) continue;
      const raw = el.value.trim();
      let v: unknown;
      if (f.kind === 'string[]') {
        const list = raw.split('\n').map((s) => s.trim()).filter(Boolean);
        v = list.length === 0 && f.nullable ? null : list;
      } else if (raw === '' && f.nullable) v = null;
      else if (f.kind === 'boolean') v = raw === 'true';
      else if (f.kind === 'number' || f.kind === 'integer') v = raw === '' ? raw : Number(raw);
      else v = raw;
      if (JSON.stringify(v) !== JSON.stringify(this.view?.values[f.path])) out[f.path] = v;
    }
    return out;
  }

  private async save(e: Event) {
    e.preventDefault();
    const change = this.collect(e.target as HTMLFormElement);
    this.message = '';
    this.errors = {};
    if (Object.keys(change).length === 0) {
      this.message = 'Nothing changed.';
      return;
    }
    try {
      const r = await saveSettings(change);
      this.view = r;
      const later = r.changed.filter((p) => r.fields.find((f) => f.path === p)?.restart);
      this.message = later.length ? 'Saved. Some changes take effect after a restart.' : 'Saved and applied.';
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) this.errors = err.fields;
      else {
        this.message = (err as Error).message;
        this.dispatchEvent(new CustomEvent('api-error', { detail: err, bubbles: true, composed: true }));
      }
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-settings': SpoorSettings;
  }
}
