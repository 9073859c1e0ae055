import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { restart, waitForRestart } from './api.js';
import { shared } from './styles.js';

/** Restart the daemon (two taps), wait until it answers again, then send the user to log in. */
@customElement('spoor-restart-button')
export class RestartButton extends LitElement {
  static override styles = [shared, css`:host { display: block; }`];

  @state() private phase: 'idle' | 'confirm' | 'restarting' | 'failed' = 'idle';
  @state() private message = '';

  private async go() {
    if (this.phase === 'idle') {
      this.phase = 'confirm';
      return;
    }
    this.phase = 'restarting';
    try {
      await restart();
    } catch (err) {
      this.phase = 'failed';
      this.message = (err as Error).message;
      return;
    }
    if (await waitForRestart()) {
      // Sessions survive the daemon's in-process restart; the page reloads to show the new state
      // (after a full service restart it lands on the login screen instead).
      location.reload();
    } else {
      this.phase = 'failed';
      this.message = 'The unit did not come back within 90 s. Check it on site (power, SD card) or with journalctl -u spoor-device.';
    }
  }

  override render() {
    return html`
      <button class=${this.phase === 'confirm' ? '' : 'secondary'} @click=${this.go} ?disabled=${this.phase === 'restarting'}>
        ${this.phase === 'confirm' ? 'Really restart now' : this.phase === 'restarting' ? 'Restarting…' : 'Restart the unit'}
      </button>
      ${this.phase === 'confirm' ? html`<button class="secondary" @click=${() => (this.phase = 'idle')}>Cancel</button>` : ''}
      ${this.phase === 'restarting' ? html`<p class="hint" role="status">Restarting; this page reconnects by itself.</p>` : ''}
      ${this.phase === 'failed' ? html`<p class="error" role="alert">${this.message}</p>` : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'spoor-restart-button': RestartButton;
  }
}
