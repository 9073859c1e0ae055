import { readBatteryVolts, readCpuTemp, type BatterySource } from './sensors.js';

export interface LatencyPoint {
  /** ISO time of the sample. */
  t: string;
  p50: number;
  p95: number;
  /** Frames in this sample's window. */
  n: number;
}

export interface HealthSnapshot {
  inferenceMs: { p50: number; p95: number; series: LatencyPoint[] };
  /** Absent when no thermal zone is readable. */
  cpuTempC?: number;
  /** Absent when no battery source is configured (or it cannot be read). */
  batteryV?: number;
}

export interface HealthOptions {
  health: BatterySource & { thermalDir: string; latencySampleSec?: number };
  /** How often a latency point is taken and the sensors are read (default `health.latencySampleSec`). */
  sampleMs?: number;
  /** Points kept for the chart. */
  points?: number;
  clock?: () => number;
}

/**
 * Inference latency over time and the unit's sensors, for the panel's status. Frames are
 * recorded as they finish; every `sampleMs` the frames since the last sample become one
 * p50/p95 point (no frames, no point), and the CPU temperature and battery are read.
 */
export class HealthMonitor {
  readonly #o: Required<Omit<HealthOptions, 'health'>> & Pick<HealthOptions, 'health'>;
  #window: number[] = [];
  #recent: number[] = [];
  #series: LatencyPoint[] = [];
  #cpuTempC: number | null = null;
  #batteryV: number | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #sampling: Promise<void> | null = null;

  constructor(opts: HealthOptions) {
    this.#o = { sampleMs: (opts.health.latencySampleSec ?? 10) * 1000, points: 60, clock: Date.now, ...opts };
  }

  recordFrame(ms: number): void {
    this.#window.push(ms);
    this.#recent.push(ms);
    if (this.#recent.length > 256) this.#recent.shift();
  }

  async start(): Promise<void> {
    await this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#o.sampleMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#sampling;
  }

  /** Close the current latency window and read the sensors (one sample at a time). */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample().finally(() => (this.#sampling = null));
    return this.#sampling;
  }

  async #sample(): Promise<void> {
    if (this.#window.length > 0) {
      const w = this.#window;
      this.#window = [];
      this.#series.push({ t: new Date(this.#o.clock()).toISOString(), p50: quantile(w, 0.5), p95: quantile(w, 0.95), n: w.length });
      if (this.#series.length > this.#o.points) this.#series.shift();
    }
    const [temp, volts] = await Promise.all([readCpuTemp(this.#o.health.thermalDir), readBatteryVolts(this.#o.health)]);
    this.#cpuTempC = temp;
    this.#batteryV = volts;
  }

  snapshot(): HealthSnapshot {
    return {
      inferenceMs: { p50: quantile(this.#recent, 0.5), p95: quantile(this.#recent, 0.95), series: [...this.#series] },
      ...(this.#cpuTempC === null ? {} : { cpuTempC: this.#cpuTempC }),
      ...(this.#batteryV === null ? {} : { batteryV: this.#batteryV }),
    };
  }
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}
