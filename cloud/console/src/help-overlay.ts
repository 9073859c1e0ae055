import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { shared } from './styles.js';

/** Every keyboard shortcut, per page; a key is ignored while a text field has focus. */
export const SHORTCUTS: readonly (readonly [string, readonly (readonly [string, string])[]])[] = [
  ['Everywhere', [['?', 'show or hide this help'], ['Esc', 'close a dialog or this help']]],
  [
    'Sighting queue',
    [
      ['j / ↓', 'next sighting'],
      ['k / ↑', 'previous sighting'],
      ['c', 'confirm the species as shown'],
      ['t', 'search the taxonomy to correct the species'],
      ['b', 'mark the current frame blank'],
      ['h', 'mark the current frame human'],
      ['[ / ]', 'previous / next frame of the burst'],
      ['u / Ctrl+Z', 'undo your last review'],
    ],
  ],
  [
    'Identity review',
    [
      ['Space', 'accept: same individual'],
      ['r', 'reject: not this candidate (the next one is proposed, if any)'],
      ['s / →', 'skip to the next proposal'],
      ['n', 'new individual (reject the candidate)'],
      ['x', 'unidentifiable'],
      ['k', 'matching keypoints: next candidate sighting'],
      ['u / Ctrl+Z', 'undo the last decision'],
    ],
  ],
  ['Individual page', [['u / Ctrl+Z', 'undo the newest decision on this individual']]],
];

/** The `?` overlay. Fires `close`. */
@customElement('spoor-help')
export class SpoorHelp extends LitElement {
  static override styles = [
    shared,
    css`
      .back { position: fixed; inset: 0; background: rgb(0 0 0 / 0.6); display: grid; place-items: center; z-index: 10; padding: 0.5rem; }
      .card { max-width: 720px; width: 100%; max-height: 90vh; overflow: auto; }
      .cols { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 0 1.5rem; }
      td:first-child { white-space: nowrap; width: 9rem; }
    `,
  ];

  override render() {
    return html`<div class="back" @click=${(e: Event) => e.target === e.currentTarget && this.close()}>
      <section class="card" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
        <div class="row"><h2>Keyboard shortcuts</h2><button class="secondary" @click=${this.close}>Close</button></div>
        <div class="cols">
          ${SHORTCUTS.map(
            ([title, keys]) => html`<div>
              <h3>${title}</h3>
              <table>
                ${keys.map(([k, what]) => html`<tr><td>${k.split(' / ').map((x, i) => html`${i ? ' / ' : ''}<kbd>${x}</kbd>`)}</td><td>${what}</td></tr>`)}
              </table>
            </div>`,
          )}
        </div>
      </section>
    </div>`;
  }

  private close() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-help': SpoorHelp;
  }
}
