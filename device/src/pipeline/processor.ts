import type { Logger } from 'pino';
import type { CaptureRow, CaptureStore } from '../store/captures.js';
import type { InferResult, StageTimings } from './messages.js';
import type { CloseTimings, SightingBuilder } from './sightings.js';

/** Codes that mean "the worker could not run", not "this capture is bad": the capture stays pending. */
const TRANSIENT = new Set(['SPOOR_E_INFERENCE', 'SPOOR_E_NOT_READY']);
/** A capture that takes the worker down this many times is quarantined, so one poison file cannot stall the trap. */
const MAX_TRANSIENT_FAILURES = 3;

export interface FrameEvent {
  capture: CaptureRow;
  result: InferResult;
  timings: (StageTimings & { dbWriteMs: number; wallMs: number }) | null;
}

export interface ProcessorDeps {
  captures: CaptureStore;
  infer: (blobPath: string) => Promise<InferResult>;
  sightings: SightingBuilder;
  logger: Logger;
  /** How many frames may be in the worker at once; 2 lets decoding overlap inference. */
  concurrency?: number;
  onFrame?: (e: FrameEvent) => void;
  onSighting?: (sightingId: string, timings: CloseTimings) => void;
}

/**
 * Drives pending captures through inference and closes burst events into sightings.
 * Everything it works from is in SQLite, so after a crash it simply resumes.
 */
export class Processor {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private lastError: string | null = null;
  private readonly failures = new Map<string, number>();

  constructor(private readonly deps: ProcessorDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.timer = setInterval(() => this.kick(), 1000);
  }

  /** New work is waiting (called after ingest). */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.kick();
    await this.loop;
  }

  get queueDepth(): number {
    return this.deps.captures.counts().pending;
  }

  /** Process everything pending, then close events (all of them with `force`). For batch import and tests. */
  async drain(opts: { force: boolean }): Promise<void> {
    while (await this.processBatch()) {
      /* keep going */
    }
    this.closeEvents(opts.force);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.processBatch();
        this.closeEvents(false);
        this.lastError = null;
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== this.lastError) this.deps.logger.error({ err }, 'pipeline step failed; will retry');
        this.lastError = msg;
      }
      if (!worked && this.running) await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }

  /** One pass over pending captures; true if any was processed. */
  private async processBatch(): Promise<boolean> {
    const todo = this.deps.captures.pending(64).filter((c) => !this.inFlight.has(c.id));
    if (todo.length === 0) return false;
    const limit = Math.max(1, this.deps.concurrency ?? 2);
    let transientFailure = false;
    let next = 0;
    const lane = async () => {
      while (next < todo.length && !transientFailure) {
        const capture = todo[next++] as CaptureRow;
        this.inFlight.add(capture.id);
        try {
          transientFailure = !(await this.processOne(capture)) || transientFailure;
        } finally {
          this.inFlight.delete(capture.id);
        }
      }
    };
    await Promise.all(Array.from({ length: limit }, lane));
    if (transientFailure) await new Promise((r) => setTimeout(r, 1000));
    return !transientFailure;
  }

  /** False when the worker could not run the job (the capture stays pending). */
  private async processOne(capture: CaptureRow): Promise<boolean> {
    const t0 = performance.now();
    const result = await this.deps.infer(capture.blobPath);
    if (!result.ok) {
      if (TRANSIENT.has(result.code)) {
        const n = (this.failures.get(capture.id) ?? 0) + 1;
        this.failures.set(capture.id, n);
        if (n < MAX_TRANSIENT_FAILURES) {
          this.deps.logger.warn({ captureId: capture.id, code: result.code, reason: result.reason, attempt: n }, 'inference unavailable; capture stays queued');
          return false;
        }
        this.failures.delete(capture.id);
        this.deps.captures.failCapture(capture.id, result.code, `inference failed ${n} times on this file: ${result.reason}`);
        this.deps.logger.error({ captureId: capture.id, file: capture.originalName, code: result.code }, 'capture quarantined after repeated inference failures');
        this.deps.onFrame?.({ capture, result, timings: null });
        return true;
      }
      this.deps.captures.failCapture(capture.id, result.code, result.reason);
      this.deps.logger.warn({ captureId: capture.id, file: capture.originalName, code: result.code, reason: result.reason }, 'capture quarantined');
      this.deps.onFrame?.({ capture, result, timings: null });
      return true;
    }
    this.failures.delete(capture.id);
    const tw = performance.now();
    this.deps.captures.completeCapture(capture.id, result.detections);
    const t1 = performance.now();
    this.deps.logger.debug({ captureId: capture.id, detections: result.detections.length, ms: Math.round(t1 - t0) }, 'capture processed');
    this.deps.onFrame?.({ capture, result, timings: { ...result.timings, dbWriteMs: t1 - tw, wallMs: t1 - t0 } });
    return true;
  }

  private closeEvents(force: boolean): void {
    for (const eventId of this.deps.captures.closableEvents(force)) {
      const { sighting, timings } = this.deps.sightings.close(eventId);
      if (sighting) {
        this.deps.logger.info({ sightingId: sighting.id, eventId, frames: sighting.frames.length, detections: sighting.detections.length }, 'sighting stored');
        this.deps.onSighting?.(sighting.id, timings);
      }
    }
  }
}
