/**
 * The PIR trigger: an edge on a GPIO line runs the camera command, which writes a photo
 * under a dotted temp name in the inbox (the watch folder ignores dotfiles); when the
 * command succeeds the photo is renamed into the inbox, and the watch folder ingests it
 * like any other file. Triggers during a capture or within the cooldown are skipped.
 */
import { execFile } from 'node:child_process';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DeviceConfig } from '../config/schema.js';

/** What the trigger needs from a GPIO line (`openLine` of @spoor/native). */
export interface EdgeSource {
  on(event: 'edge', listener: (ev: { timestampNs: bigint; edge: 'rising' | 'falling' }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}

export interface GpioTriggerOptions {
  gpio: DeviceConfig['gpio'];
  inbox: string;
  logger: Logger;
  /** Opens the line; throws a coded error (SPOOR_E_GPIO_UNAVAILABLE, SPOOR_E_NATIVE_NOT_BUILT). */
  openLine: (opts: { chip: string; line: number; edge: 'rising' | 'falling' | 'both'; debounceMs: number }) => EdgeSource;
  onTrigger?: () => void;
  now?: () => number;
}

export interface GpioTriggerStats {
  edges: number;
  captures: number;
  skipped: number;
  failures: number;
}

export class GpioTrigger {
  readonly #o: GpioTriggerOptions;
  readonly #now: () => number;
  #line: EdgeSource | null = null;
  #running: Promise<void> | null = null;
  #lastCaptureAt = Number.NEGATIVE_INFINITY;
  #seq = 0;
  readonly stats: GpioTriggerStats = { edges: 0, captures: 0, skipped: 0, failures: 0 };

  constructor(opts: GpioTriggerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { chip, line, edge, debounceMs } = this.#o.gpio;
    await mkdir(this.#o.inbox, { recursive: true });
    const source = this.#o.openLine({ chip, line, edge, debounceMs });
    source.on('edge', (ev) => this.#onEdge(ev.edge));
    source.on('error', (err) => this.#o.logger.error({ err, chip, line }, 'GPIO line failed; PIR trigger stopped'));
    this.#line = source;
    this.#o.logger.info({ chip, line, edge, debounceMs }, 'PIR trigger on');
  }

  async stop(): Promise<void> {
    this.#line?.close();
    this.#line = null;
    await this.#running;
  }

  #onEdge(edge: string): void {
    this.stats.edges++;
    const now = this.#now();
    if (this.#running || now - this.#lastCaptureAt < this.#o.gpio.cooldownMs) {
      this.stats.skipped++;
      this.#o.logger.debug({ edge }, 'PIR trigger skipped (capture running or cooling down)');
      return;
    }
    this.#lastCaptureAt = now;
    this.#o.onTrigger?.();
    this.#running = this.#capture(now).finally(() => {
      this.#running = null;
    });
  }

  async #capture(at: number): Promise<void> {
    const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const name = `pir-${stamp}-${String(++this.#seq).padStart(4, '0')}.jpg`;
    const tmp = join(this.#o.inbox, `.${name}.part`);
    const [cmd, ...args] = this.#o.gpio.captureCommand.map((a) => a.replaceAll('{out}', tmp));
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(cmd as string, args, { timeout: this.#o.gpio.captureTimeoutMs, killSignal: 'SIGKILL' }, (err, _stdout, stderr) =>
          err ? reject(Object.assign(err, { stderr: String(stderr).slice(-500) })) : resolve(),
        ),
      );
      const st = await stat(tmp);
      if (st.size === 0) throw new Error('the capture command wrote an empty file');
      await rename(tmp, join(this.#o.inbox, name));
      this.stats.captures++;
      this.#o.logger.info({ file: name }, 'PIR capture');
    } catch (err) {
      this.stats.failures++;
      await unlink(tmp).catch(() => {});
      this.#o.logger.error({ err, command: this.#o.gpio.captureCommand[0] }, 'PIR capture failed');
    }
  }
}
