import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpoorError } from '@spoor/protocol';
import type { FromWorker, InferJob, InferResult, LoadedModelInfo, ToWorker, WorkerInit } from './messages.js';

/**
 * The worker always runs compiled JavaScript. Under Vitest this module is loaded from
 * `src/*.ts`, so point at its sibling in `dist/` (built by `tsc -b`, which `npm test` runs first).
 */
export function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const compiled = here.replace(/[\\/]src[\\/]pipeline[\\/]pool\.ts$/, '/dist/pipeline/worker.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npx tsc -b\` first`);
  return pathToFileURL(compiled);
}

interface Pending {
  resolve: (r: InferResult) => void;
}

/** The inference worker thread, with a promise per job. */
export class InferencePool {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pings = new Map<number, (ok: boolean) => void>();
  private models: LoadedModelInfo[] = [];
  private stopping = false;
  private restarts = 0;

  constructor(
    private readonly init: WorkerInit,
    private readonly onRestart?: (delayMs: number) => void,
  ) {}

  /** Test hook: kill the worker as a crash would. */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Start the worker and wait until its models are loaded; a model problem rejects with its code. */
  async start(): Promise<LoadedModelInfo[]> {
    this.stopping = false;
    this.models = await this.spawn();
    return this.models;
  }

  private async spawn(): Promise<LoadedModelInfo[]> {
    const worker = new Worker(workerScript());
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'pong') return this.pings.get(msg.id)?.(true);
      if (msg.type !== 'result') return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      p?.resolve(msg.result);
    });
    const models = await new Promise<LoadedModelInfo[]>((resolve, reject) => {
      const onMessage = (msg: FromWorker) => {
        if (msg.type === 'ready') {
          worker.off('error', onError);
          resolve(msg.models);
        } else if (msg.type === 'fatal') {
          worker.off('error', onError);
          void worker.terminate();
          reject(new SpoorError(msg.code, msg.message, msg.hint === undefined ? undefined : { hint: msg.hint }));
        }
      };
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.on('message', onMessage);
      worker.postMessage({ type: 'init', init: this.init } satisfies ToWorker);
    });
    // Only a worker with its models loaded takes jobs; until then infer() answers NOT_READY.
    this.worker = worker;
    worker.on('error', (err) => this.failAll(`inference worker crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.stopping) return;
      this.failAll(`inference worker exited with code ${code}`);
      this.restartLater();
    });
    this.restarts = 0;
    return models;
  }

  /** A dead worker is replaced after a growing pause; jobs meanwhile get a transient error. */
  private restartLater(): void {
    const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
    this.onRestart?.(delay);
    const timer = setTimeout(() => {
      if (this.stopping || this.worker) return;
      this.spawn().catch(() => this.restartLater());
    }, delay);
    timer.unref();
  }

  loadedModels(): LoadedModelInfo[] {
    return this.models;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  infer(job: InferJob): Promise<InferResult> {
    if (!this.worker) return Promise.resolve({ ok: false, code: 'SPOOR_E_NOT_READY', reason: 'inference worker is not running' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.post({ type: 'infer', id, job });
    });
  }

  /**
   * Round trip to the worker thread: true when it answers within `timeoutMs`. A worker that
   * is wedged (busy in a native call that never returns) or not running answers false.
   */
  ping(timeoutMs: number): Promise<boolean> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(false);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.pings.delete(id);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.pings.set(id, done);
      worker.postMessage({ type: 'ping', id } satisfies ToWorker);
    });
  }

  /** Test hook: make the worker busy-loop forever (the worker honours it only with SPOOR_TEST_HOOKS=1). */
  hangForTest(): void {
    this.post({ type: 'hang' });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => {
      worker.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
      worker.once('exit', () => resolve());
    });
    this.post({ type: 'close' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    await worker.terminate();
    this.worker = null;
  }

  private post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private failAll(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve({ ok: false, code: 'SPOOR_E_INFERENCE', reason });
    }
  }
}
