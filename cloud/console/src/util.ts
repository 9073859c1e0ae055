/** Runs `tick` now and every `ms` until stopped; one tick at a time. */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  constructor(
    private readonly ms: number,
    private readonly tick: () => Promise<void>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.tick();
      if (this.running) this.timer = setTimeout(loop, this.ms);
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Tell the shell about a failed call (a lost session sends it back to the login page). */
export function reportError(from: HTMLElement, err: unknown): string {
  from.dispatchEvent(new CustomEvent<unknown>('api-error', { detail: err, bubbles: true, composed: true }));
  return err instanceof Error ? err.message : String(err);
}

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const sec = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (sec < 90) return `${sec} s ago`;
  if (sec < 5400) return `${Math.round(sec / 60)} min ago`;
  if (sec < 129600) return `${Math.round(sec / 3600)} h ago`;
  return `${Math.round(sec / 86400)} d ago`;
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A short form of an id: the last 8 characters (UUIDv7s share their leading timestamp). */
export const short = (id: string) => id.slice(-8);

/** True when a key event comes from a text field (shortcuts must not fire while typing). */
export function typing(e: KeyboardEvent): boolean {
  const t = e.composedPath()[0];
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}
