import type { Logger } from 'pino';
import { codecs } from '@spoor/protocol';
import type { ResolvedConfig } from '../config/load.js';
import type { OutboxStore } from '../store/outbox.js';
import { checkPush, PUSHED_CONFIG_FILE, readPushedConfig, writePushedConfig } from './config-push.js';

export interface ConfigState {
  version: number;
  state: 'applied' | 'rejected' | 'local';
  reason?: string;
}

export interface CommandOutcome {
  id: string;
  cmd: string;
  state: 'done' | 'unsupported';
  reason: string;
}

export interface HubControlDeps {
  /** The config the daemon started from (the file), which pushes are checked against. */
  fileConfig: ResolvedConfig;
  outbox: OutboxStore;
  log: Logger;
  clock: () => number;
  /** A valid push was saved: its `sync.*` settings apply now. */
  applySync: (config: ResolvedConfig) => void;
  /** The config state or the last command changed: publish the retained status. */
  changed: () => void;
  /** `resync` queued rows again. */
  requeued: () => void;
  onConfig?: (config: ResolvedConfig, version: number) => void;
}

/**
 * What the hub asks of the device on its downstream topics: a desired config (retained, on
 * `config`) and one-off commands (on `cmd`). Bad input is reported on the status, never thrown.
 */
export class HubControl {
  configState: ConfigState;
  lastCommand: CommandOutcome | null = null;
  private readonly seenCmds: string[] = [];

  constructor(private readonly deps: HubControlDeps) {
    const pushed = readPushedConfig(deps.fileConfig.dataDir);
    this.configState = pushed ? { version: pushed.version, state: 'applied' } : { version: 0, state: 'local' };
  }

  onConfigPush(payload: Buffer): void {
    if (payload.byteLength === 0) return; // a cleared retained config
    const r = codecs.config.decode(payload);
    if (!r.ok) {
      this.setConfigState({ version: this.configState.version, state: 'rejected', reason: `${r.code}: ${r.reason}` });
      return;
    }
    const { version, config } = r.value;
    if (version === this.configState.version && this.configState.state !== 'local') return; // the retained copy, seen again on reconnect
    const check = checkPush(this.deps.fileConfig, config);
    if (!check.ok) {
      this.deps.log.warn({ version, reason: check.reason }, 'config push rejected; keeping the current config');
      this.setConfigState({ version, state: 'rejected', reason: check.reason });
      return;
    }
    writePushedConfig(this.deps.fileConfig.dataDir, { version, receivedAt: new Date(this.deps.clock()).toISOString(), config });
    this.deps.applySync(check.config);
    const later = check.changed.filter((p) => !p.startsWith('/sync/'));
    const reason = [
      `saved to ${PUSHED_CONFIG_FILE}`,
      check.changed.some((p) => p.startsWith('/sync/')) ? 'sync settings apply now' : null,
      later.length ? `apply after a restart: ${later.join(', ')}${check.restartOnly.length ? ` (restart-only: ${check.restartOnly.join(', ')})` : ''}` : null,
    ]
      .filter(Boolean)
      .join('; ');
    this.deps.log.info({ version, changed: check.changed }, 'config push applied');
    this.setConfigState({ version, state: 'applied', reason });
    this.deps.onConfig?.(check.config, version);
  }

  onCommand(payload: Buffer): void {
    const r = codecs.cmd.decode(payload);
    if (!r.ok) {
      this.deps.log.warn({ code: r.code, reason: r.reason }, 'malformed command ignored');
      return;
    }
    const { id, cmd } = r.value;
    if (this.seenCmds.includes(id)) return; // QoS 1 may deliver it twice
    this.seenCmds.push(id);
    if (this.seenCmds.length > 100) this.seenCmds.shift();
    if (cmd === 'resync') {
      const queued = this.deps.outbox.requeueAll();
      this.deps.log.info({ cmdId: id, queued }, 'resync: every stored sighting queued again');
      this.lastCommand = { id, cmd, state: 'done', reason: `${queued} sightings queued` };
      this.deps.requeued();
    } else {
      this.deps.log.warn({ cmdId: id, cmd }, 'command not supported yet');
      this.lastCommand = { id, cmd, state: 'unsupported', reason: 'not supported yet' };
    }
    this.deps.changed();
  }

  private setConfigState(s: ConfigState): void {
    this.configState = s;
    this.deps.changed();
  }
}
