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

export function duration(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${sec % 60} s`;
}

export function ago(iso: string): string {
  const sec = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return `${duration(sec)} ago (${new Date(iso).toLocaleString()})`;
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
