import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { downloadUrl, exportJob, startExport, type ExportJob, type Role } from './api.js';
import { shared } from './styles.js';
import { reportError } from './util.js';

/** Camtrap DP export: start a job, watch its progress, then download the zip. */
@customElement('spoor-export')
export class SpoorExport extends LitElement {
  static override styles = [shared, css`progress { width: 100%; height: 28px; accent-color: #0047ff; } form { max-width: 640px; }`];

  @property() role: Role = 'viewer';
  @state() private job: ExportJob | null = null;
  @state() private error = '';
  private timer: ReturnType<typeof setTimeout> | null = null;

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
  }

  override render() {
    const j = this.job;
    const pct = j && j.total > 0 ? Math.round((j.done / j.total) * 100) : 0;
    return html`
      <h2>Export</h2>
      <p>A <a href="https://camtrap-dp.tdwg.org/" rel="noreferrer">Camtrap DP 1.0</a> package (datapackage.json, deployments.csv, media.csv, observations.csv with the global <code>individualID</code>), as one zip.</p>
      ${this.role === 'viewer'
        ? html`<p class="hint">Viewers cannot start exports; ask a reviewer or an admin.</p>`
        : html`<form class="card" @submit=${this.start}>
            <div class="row">
              <div><label for="from">From (optional)</label><input id="from" name="from" type="date" /></div>
              <div><label for="to">To (optional)</label><input id="to" name="to" type="date" /></div>
              <button type="submit" ?disabled=${j?.state === 'running'}>Export Camtrap DP</button>
            </div>
          </form>`}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${j
        ? html`<div class="card export-job" style="margin-top: 0.75rem; max-width: 640px" data-state=${j.state}>
            <label for="progress">${j.state === 'running' ? 'Exporting…' : j.state === 'done' ? 'Done' : 'Failed'} ${j.total ? `${j.done} / ${j.total}` : ''}</label>
            <progress id="progress" max=${j.total || 1} .value=${j.state === 'done' ? j.total || 1 : j.done} aria-valuetext="${pct}%"></progress>
            ${j.state === 'done' ? html`<p><a class="download" href=${downloadUrl(j.id)} download="camtrap-dp-${j.id}.zip"><button type="button" tabindex="-1">Download zip</button></a></p>` : ''}
            ${j.state === 'failed' ? html`<p class="error">${j.error ?? 'The export failed.'} Try again; if it keeps failing, check the hub log.</p>` : ''}
          </div>`
        : ''}
    `;
  }

  private async start(e: Event) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const d = (k: string, end: boolean) => {
      const v = String(f.get(k) ?? '');
      return v ? new Date(`${v}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : undefined;
    };
    this.error = '';
    try {
      const { id } = await startExport(d('from', false), d('to', true));
      this.job = { id, state: 'running', done: 0, total: 0 };
      void this.poll(id);
    } catch (err) {
      this.error = reportError(this, err);
    }
  }

  private async poll(id: string) {
    try {
      this.job = await exportJob(id);
      if (this.job.state === 'running') this.timer = setTimeout(() => void this.poll(id), 300);
    } catch (err) {
      this.error = reportError(this, err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-export': SpoorExport;
  }
}
