import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BBox } from './api.js';

export interface Box {
  bbox: BBox;
  label: string;
  selected?: boolean;
  kind?: string;
}

/**
 * One frame with its boxes (relative 0..1). With no image (a `metadata`-mode device sends
 * none) the boxes sit on a neutral frame of the photo's aspect ratio, so position and size still read.
 */
@customElement('spoor-frame')
export class SpoorFrame extends LitElement {
  static override styles = css`
    :host { display: block; }
    .frame { position: relative; width: 100%; background: repeating-linear-gradient(45deg, #d8d8d8 0 12px, #cacaca 12px 24px); border: 2px solid #000; overflow: hidden; }
    img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: fill; }
    .none { position: absolute; left: 0.5rem; bottom: 0.3rem; font: 700 0.75rem system-ui; color: #333; }
    .box { position: absolute; border: 3px solid #ffd400; box-shadow: 0 0 0 2px #000; }
    .box.selected { border-color: #00e5ff; border-width: 4px; }
    .box.person { border-color: #ff4fd8; }
    .tag { position: absolute; left: -3px; top: -1.4rem; max-width: 16rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; background: #ffd400; color: #000; font: 700 0.8rem/1.4 system-ui; padding: 0 4px; border: 1px solid #000; }
    .box.selected .tag { background: #00e5ff; }
    .mark { position: absolute; right: 0.4rem; top: 0.4rem; background: #000; color: #fff; font: 700 0.85rem system-ui; padding: 0.1rem 0.5rem; border-radius: 4px; }
  `;

  @property({ type: Number }) width = 1920;
  @property({ type: Number }) height = 1080;
  @property() src: string | null = null;
  @property() alt = '';
  @property() mark: string | null = null;
  /** A small tile: leave out the "no image" note (the caption says it). */
  @property({ type: Boolean }) compact = false;
  @property({ attribute: false }) boxes: Box[] = [];
  /** Show only this region (a crop: the box plus a margin), for side-by-side comparisons. */
  @property({ attribute: false }) crop: BBox | null = null;

  override render() {
    const [cx, cy, cw, ch] = this.crop ?? [0, 0, 1, 1];
    const aspect = (cw * this.width) / Math.max(1, ch * this.height);
    const inner = `position:absolute;left:${(-cx / cw) * 100}%;top:${(-cy / ch) * 100}%;width:${100 / cw}%;height:${100 / ch}%`;
    return html`<div class="frame" style="aspect-ratio:${aspect}" role="img" aria-label=${this.alt}>
      <div style=${inner}>
        ${this.src ? html`<img src=${this.src} alt="" />` : ''}
        ${this.boxes.map(
          (b) => html`<div class="box ${b.selected ? 'selected' : ''} ${b.kind ?? ''}" style="left:${b.bbox[0] * 100}%;top:${b.bbox[1] * 100}%;width:${b.bbox[2] * 100}%;height:${b.bbox[3] * 100}%">
            ${b.label ? html`<span class="tag">${b.label}</span>` : ''}
          </div>`,
        )}
      </div>
      ${this.src || this.compact ? '' : html`<span class="none">no image from this device (metadata only): boxes on a neutral frame</span>`}
      ${this.mark ? html`<span class="mark">${this.mark}</span>` : ''}
    </div>`;
  }
}

/** A square region (in pixels) around a box, with a margin, clamped to the frame; relative units. */
export function cropAround(b: BBox, width: number, height: number, margin = 0.3): BBox {
  const [x, y, w, h] = b;
  const side = Math.min(width, height, Math.max(w * width, h * height) * (1 + 2 * margin));
  const sw = side / width;
  const sh = side / height;
  const cx = Math.min(Math.max(x + w / 2 - sw / 2, 0), 1 - sw);
  const cy = Math.min(Math.max(y + h / 2 - sh / 2, 0), 1 - sh);
  return [cx, cy, sw, sh];
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-frame': SpoorFrame;
  }
}
