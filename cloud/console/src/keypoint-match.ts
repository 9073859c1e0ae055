import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { mediaUrl, type CropRef, type KeypointMatches } from './api.js';

/** "N of a / b keypoints agree under one affine map": the sentence under every drawing. */
export const agreement = (m: KeypointMatches) =>
  html`<strong>${m.inliers.length}</strong> of ${m.a.keypoints ?? 0} / ${m.b.keypoints ?? 0} keypoints agree under one affine map`;

/** High-contrast line colours that stay apart for colour-blind readers (Okabe–Ito plus black/white halo). */
const COLOURS = ['#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#ffffff'];
/** More lines than this turn into a tangle; the strongest are drawn. */
const MAX_LINES = 60;
const HEIGHT = 320;
const GAP = 24;

/**
 * Two crops side by side with a line joining each pair of matching keypoints (the pairs the
 * hub's spatial check kept, strongest first). One SVG holds both images and the lines, so the
 * drawing scales with the page and needs nothing from the network but the two crops.
 */
@customElement('spoor-keypoint-match')
export class SpoorKeypointMatch extends LitElement {
  static override styles = css`
    :host { display: block; }
    svg { width: 100%; height: auto; display: block; background: #000; border: 2px solid #000; }
    line { stroke-width: 2; vector-effect: non-scaling-stroke; }
    .halo { stroke: #000; stroke-width: 4; }
    circle { stroke: #000; stroke-width: 1; vector-effect: non-scaling-stroke; }
  `;

  @property({ attribute: false }) a: CropRef | null = null;
  @property({ attribute: false }) b: CropRef | null = null;
  @property({ attribute: false }) result: KeypointMatches | null = null;
  @property() label = '';

  override render() {
    const { a, b, result: matches } = this;
    if (!a || !b || !matches) return '';
    const wa = (HEIGHT * a.width) / Math.max(1, a.height);
    const wb = (HEIGHT * b.width) / Math.max(1, b.height);
    const x0 = wa + GAP;
    const shown = matches.inliers.slice(0, MAX_LINES);
    const at = (p: [number, number], left: boolean): [number, number] => (left ? [p[0] * wa, p[1] * HEIGHT] : [x0 + p[0] * wb, p[1] * HEIGHT]);
    return html`<svg viewBox="0 0 ${wa + GAP + wb} ${HEIGHT}" role="img" aria-label=${this.label || `${matches.inliers.length} matching keypoints`}>
      <image href=${mediaUrl(a.id)} x="0" y="0" width=${wa} height=${HEIGHT} preserveAspectRatio="none"></image>
      <image href=${mediaUrl(b.id)} x=${x0} y="0" width=${wb} height=${HEIGHT} preserveAspectRatio="none"></image>
      ${shown.map((m, i) => {
        const [ax, ay] = at(m.a, true);
        const [bx, by] = at(m.b, false);
        const colour = COLOURS[i % COLOURS.length];
        return svg`<g class="match" data-distance=${m.distance}>
          <line class="halo" x1=${ax} y1=${ay} x2=${bx} y2=${by}></line>
          <line x1=${ax} y1=${ay} x2=${bx} y2=${by} stroke=${colour}></line>
          <circle cx=${ax} cy=${ay} r="4" fill=${colour}></circle>
          <circle cx=${bx} cy=${by} r="4" fill=${colour}></circle>
        </g>`;
      })}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-keypoint-match': SpoorKeypointMatch;
  }
}
