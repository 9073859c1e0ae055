import { AuthError, status, type Status } from './api.js';

export type LiveMode = 'connecting' | 'live' | 'polling';

export interface LiveOptions {
  onStatus: (s: Status) => void;
  onMode: (m: LiveMode) => void;
  onError: (err: unknown) => void;
  pollMs?: number;
  maxBackoffMs?: number;
}

/** The daemon's close code for a session that ended (see device/src/http/live.ts). */
const SESSION_ENDED = 4401;

/**
 * Status pushed over `/api/live`. While the socket is down it polls `/api/status` every
 * `pollMs`, and reconnects with exponential backoff (1 s, 2 s, 4 s … up to `maxBackoffMs`, with
 * jitter), so a flaky Wi-Fi link at the trap degrades to polling instead of a frozen page.
 */
export class LiveStatus {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private poll: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;

  constructor(private readonly o: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopPolling();
    this.ws?.close();
    this.ws = null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.o.onMode(this.attempt === 0 ? 'connecting' : 'polling');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.stopPolling();
      this.o.onMode('live');
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      const msg = JSON.parse(e.data) as { type: string; status?: Status };
      if (msg.type === 'status' && msg.status) this.o.onStatus(msg.status);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      if (e.code === SESSION_ENDED) {
        this.o.onError(new AuthError(false));
        return;
      }
      this.o.onMode('polling');
      this.startPolling();
      const delay = Math.min(this.o.maxBackoffMs ?? 30_000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt++;
      this.retry = setTimeout(() => this.connect(), delay);
    };
  }

  private startPolling(): void {
    if (this.poll || this.stopped) return;
    const tick = async () => {
      try {
        this.o.onStatus(await status());
      } catch (err) {
        this.o.onError(err);
      }
      if (this.poll) this.poll = setTimeout(() => void tick(), this.o.pollMs ?? 2000);
    };
    this.poll = setTimeout(() => void tick(), 0);
  }

  private stopPolling(): void {
    if (this.poll) clearTimeout(this.poll);
    this.poll = null;
  }
}
