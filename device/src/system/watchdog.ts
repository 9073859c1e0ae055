/**
 * The systemd watchdog (WatchdogSec= in the unit): pet it only while the pipeline is alive.
 * Every half interval the main event loop must tick on time AND the inference worker must
 * have answered a ping within the interval; otherwise petting stops and systemd restarts
 * the daemon. A daemon whose HTTP still answers but whose worker is wedged in a native call
 * is exactly the failure this catches.
 */
import type { Logger } from 'pino';

export interface PipelineWatchdogOptions {
  /** WATCHDOG_USEC from systemd. */
  intervalUs: number;
  /** Send WATCHDOG=1. */
  pet: () => void;
  /** Round trip to the inference worker (InferencePool.ping). */
  pingWorker: (timeoutMs: number) => Promise<boolean>;
  logger: Logger;
  now?: () => number;
}

export class PipelineWatchdog {
  readonly #o: PipelineWatchdogOptions;
  readonly #periodMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #expectedAt = 0;
  #lastPongAt = Number.NEGATIVE_INFINITY;
  #pinging = false;
  #healthy = true;
  #pets = 0;

  constructor(opts: PipelineWatchdogOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#periodMs = Math.max(10, Math.floor(opts.intervalUs / 2000));
  }

  get periodMs(): number {
    return this.#periodMs;
  }

  get pets(): number {
    return this.#pets;
  }

  start(): void {
    if (this.#timer) return;
    this.#o.logger.info({ periodMs: this.#periodMs }, 'systemd watchdog on');
    this.#ping();
    this.#expectedAt = this.#now() + this.#periodMs;
    this.#timer = setInterval(() => this.#tick(), this.#periodMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ping(): void {
    if (this.#pinging) return;
    this.#pinging = true;
    this.#o.pingWorker(Math.max(5, Math.floor(this.#periodMs * 0.9))).then(
      (ok) => {
        this.#pinging = false;
        if (ok) this.#lastPongAt = this.#now();
      },
      () => {
        this.#pinging = false;
      },
    );
  }

  #tick(): void {
    const now = this.#now();
    // The loop itself: a tick much later than scheduled means it was blocked.
    const loopLagMs = now - this.#expectedAt;
    this.#expectedAt = now + this.#periodMs;
    const loopOk = loopLagMs < this.#periodMs;
    const workerOk = now - this.#lastPongAt <= 2 * this.#periodMs;
    if (loopOk && workerOk) {
      this.#o.pet();
      this.#pets++;
      if (!this.#healthy) this.#o.logger.warn('pipeline answers again; watchdog petting resumed');
      this.#healthy = true;
    } else if (this.#healthy) {
      this.#healthy = false;
      this.#o.logger.error(
        { loopLagMs, workerSilentMs: Number.isFinite(this.#lastPongAt) ? now - this.#lastPongAt : null },
        loopOk ? 'inference worker does not answer; not petting the watchdog (systemd will restart the daemon)' : 'event loop stalled; not petting the watchdog',
      );
    }
    this.#ping();
  }
}
