/**
 * A small Prometheus text-format registry: counters with labels, gauges read on scrape and
 * a histogram. Enough for /metrics without another dependency.
 */
type Labels = Record<string, string>;

const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const fmt = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }

  total(): number {
    let n = 0;
    for (const v of this.values.values()) n += v.value;
    return n;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${fmt(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }

  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** The hub's metrics; one instance per hub, passed to the parts that update them. */
export function createHubMetrics() {
  const registry = new Registry();
  return {
    registry,
    ingested: registry.add(new Counter('spoor_hub_sightings_ingested_total', 'Sighting messages committed to the store (re-sent ones included)')),
    rejected: registry.add(new Counter('spoor_hub_payload_rejected_total', 'Messages dropped as malformed, by code')),
    receipts: registry.add(new Counter('spoor_hub_receipts_sent_total', 'Receipt messages published to devices')),
    mediaIngested: registry.add(new Counter('spoor_hub_media_ingested_total', 'Media messages (crops, frames) committed to the store (re-sent ones included)')),
    mediaBytes: registry.add(new Counter('spoor_hub_media_bytes_total', 'Image bytes of the committed media messages')),
    dbFailures: registry.add(new Counter('spoor_hub_ingest_db_failures_total', 'Ingest batches that failed to commit (no receipts sent)')),
    statusUpdates: registry.add(new Counter('spoor_hub_status_messages_total', 'Status and stats messages accepted')),
    batchSeconds: registry.add(
      new Histogram('spoor_hub_ingest_batch_seconds', 'Time to commit one ingest batch', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
    ),
  };
}
export type HubMetrics = ReturnType<typeof createHubMetrics>;
