import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { loadAddon, type NativeAddon } from './addon.js';
import { NativeErrors } from './errors.js';

export type Edge = 'rising' | 'falling' | 'both';

export interface LineOptions {
  /** The GPIO character device, e.g. /dev/gpiochip0. */
  chip: string;
  /** The line offset on that chip (not the header pin number). */
  line: number;
  edge: Edge;
  /** Kernel debounce (GPIO_V2_LINE_ATTR_ID_DEBOUNCE); 0 turns it off. */
  debounceMs?: number;
}

export interface LineEvent {
  /** Kernel timestamp of the edge (CLOCK_MONOTONIC unless the line asks otherwise). */
  timestampNs: bigint;
  edge: 'rising' | 'falling';
  seqno: number;
}

export interface GpioLine extends EventEmitter<{ edge: [LineEvent]; error: [Error] }> {
  readonly chip: string;
  readonly line: number;
  close(): void;
}

class Line extends EventEmitter<{ edge: [LineEvent]; error: [Error] }> implements GpioLine {
  #handle: { close(): void } | null = null;
  constructor(
    readonly chip: string,
    readonly line: number,
  ) {
    super();
  }
  attach(handle: { close(): void }): void {
    this.#handle = handle;
  }
  get closed(): boolean {
    return this.#handle === null;
  }
  close(): void {
    const h = this.#handle;
    this.#handle = null;
    h?.close();
  }
}

/**
 * Watch one GPIO input line for edges (a PIR sensor's output, a door switch). Edges come
 * from a native thread blocked in poll(2), never from the event loop. A missing chip or a
 * line that cannot be requested throws SPOOR_E_GPIO_UNAVAILABLE (SPOOR_E_GPIO_BUSY when
 * another consumer holds it); without the addon, SPOOR_E_NATIVE_NOT_BUILT.
 */
export function openLine(opts: LineOptions, load: () => NativeAddon = loadAddon): GpioLine {
  if (!Number.isInteger(opts.line) || opts.line < 0) throw NativeErrors.SPOOR_E_GPIO_UNAVAILABLE(`line must be a non-negative integer, got ${opts.line}`);
  const debounceMs = opts.debounceMs ?? 0;
  if (!(debounceMs >= 0 && debounceMs <= 1000)) throw NativeErrors.SPOOR_E_GPIO_UNAVAILABLE(`debounceMs must be 0..1000, got ${debounceMs}`);
  if (!existsSync(opts.chip)) {
    throw NativeErrors.SPOOR_E_GPIO_UNAVAILABLE(`${opts.chip} does not exist${process.platform === 'linux' ? '' : ` (GPIO character devices are Linux only; this is ${process.platform})`}`);
  }
  const native = load();
  const line = new Line(opts.chip, opts.line);
  try {
    line.attach(
      new native.GpioLine(opts.chip, opts.line, opts.edge, Math.round(debounceMs * 1000), (err, ev) => {
        if (line.closed) return;
        if (err) line.emit('error', err);
        else if (ev) line.emit('edge', ev);
      }),
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    const where = `${opts.chip} line ${opts.line}: ${(err as Error).message}`;
    throw code === 'EBUSY' ? NativeErrors.SPOOR_E_GPIO_BUSY(where, { cause: err }) : NativeErrors.SPOOR_E_GPIO_UNAVAILABLE(where, { cause: err });
  }
  return line;
}
