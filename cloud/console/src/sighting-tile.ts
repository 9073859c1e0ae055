import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { mediaUrl, type SightingRef } from './api.js';
import { cropAround } from './frame-view.js';
import './frame-view.js';
import { when } from './util.js';

/** One sighting as a crop with its date, device, camera and file name (what reviewers ask to see on each candidate). */
@customElement('spoor-sighting-tile')
export class SpoorSightingTile extends LitElement {
  static override styles = css`
    :host { display: block; font-size: 0.85rem; }
    .crop img { width: 100%; aspect-ratio: 1; object-fit: contain; background: #000; border: 2px solid #000; display: block; }
    dl { margin: 0.3rem 0 0; display: grid; grid-template-columns: auto 1fr; gap: 0 0.4rem; }
    dt { font-weight: 700; }
    dd { margin: 0; overflow-wrap: anywhere; }
    .none { font-size: 0.75rem; color: #333; }
  `;

  @property({ attribute: false }) ref: SightingRef | null = null;

  override render() {
    const r = this.ref;
    if (!r) return '';
    const crop = r.mediaIds[0];
    return html`
      <div class="crop">
        ${crop
          ? html`<img src=${mediaUrl(crop)} alt="Crop of sighting ${r.id}" loading="lazy" />`
          : html`<spoor-frame compact .width=${r.width} .height=${r.height} .boxes=${r.bbox ? [{ bbox: r.bbox, label: '' }] : []} .crop=${r.bbox ? cropAround(r.bbox, r.width, r.height) : null} alt="Box of sighting ${r.id}"></spoor-frame>`}
      </div>
      <dl>
        <dt>Date</dt><dd>${when(r.takenAt)}</dd>
        <dt>Device</dt><dd>${r.deviceId}${r.cameraId ? ` / ${r.cameraId}` : ''}</dd>
        <dt>File</dt><dd class="file" title=${r.originalName}>${r.originalName || '—'}</dd>
      </dl>
      ${crop ? '' : html`<div class="none">box only: no image from this device</div>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-sighting-tile': SpoorSightingTile;
  }
}
