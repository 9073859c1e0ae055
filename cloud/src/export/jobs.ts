import type { Logger } from 'pino';
import { buildCamtrapPackage, uuidv7, zipStore, type CamtrapDeployment, type CamtrapSighting } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import { FleetRepo } from '../store/fleet.js';
import type { DeviceRepo } from '../store/devices.js';
import { SightingQueue, type QueueItem } from '../store/queue.js';
import type { Sql } from '../store/sql.js';
import type { Location } from './camtrap.js';

export interface ExportParams {
  format: 'camtrap-dp';
  from?: string | undefined;
  to?: string | undefined;
  /** Per device id; overrides the location in the device's pushed `deployment` config. */
  locations?: Record<string, Location> | undefined;
}

export interface ExportJob {
  id: string;
  format: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error?: string;
  createdBy: string;
  createdAt: string;
  bytes: number | null;
  params: { from: string | null; to: string | null };
}

const CHUNK = 200;

/** A reviewed sighting as the package builder sees it: reviewer taxa and categories, blanks (boxes or frames) left out. */
export function reviewedForExport(s: QueueItem): CamtrapSighting {
  const blankFrames = new Set(s.frames.filter((f) => f.mark === 'blank').map((f) => f.captureId));
  return {
    ...s,
    frames: s.frames.map((f) => ({ captureId: f.captureId, takenAt: f.takenAt, ...(f.originalName ? { originalName: f.originalName } : {}) })),
    detections: s.detections
      .filter((d) => d.category !== 'blank' && !blankFrames.has(d.captureId))
      .map((d) => ({ ...d, taxon: d.taxon ? { label: d.taxon.label, rank: d.taxon.rank, p: d.reviewed ? 1 : (d.taxon.p ?? d.confidence) } : null })),
  };
}

/**
 * Camtrap DP exports as background jobs: the row in `export_jobs` carries the progress (sightings
 * read so far of the total), the state, and when done the zip itself, so any hub can answer.
 */
export class ExportJobs {
  private readonly running = new Set<Promise<void>>();
  private readonly queue: SightingQueue;
  private readonly fleet: FleetRepo;

  constructor(
    private readonly sql: Sql,
    devices: DeviceRepo,
    private readonly log: Logger,
  ) {
    this.queue = new SightingQueue(sql);
    this.fleet = new FleetRepo(sql, devices);
  }

  async start(params: ExportParams, by: string): Promise<{ id: string }> {
    const id = uuidv7();
    const total = await this.count(params);
    await this.sql.query("INSERT INTO export_jobs (id, format, params, state, total, created_by) VALUES ($1, $2, $3::jsonb, 'running', $4, $5)", [
      id,
      params.format,
      JSON.stringify(params),
      total,
      by,
    ]);
    const run = this.run(id, params).catch(async (err: unknown) => {
      this.log.error({ err, exportId: id }, 'export failed');
      await this.sql.query("UPDATE export_jobs SET state = 'failed', error = $2 WHERE id = $1", [id, (err as Error).message ?? String(err)]).catch(() => {});
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { id };
  }

  async get(id: string): Promise<ExportJob | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT id, format, state, done, total, error, created_by, created_at, octet_length(result) AS bytes, params FROM export_jobs WHERE id = $1',
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    const p = r.params as ExportParams;
    return {
      id: String(r.id),
      format: String(r.format),
      state: r.state as ExportJob['state'],
      done: Number(r.done),
      total: Number(r.total),
      ...(r.error ? { error: String(r.error) } : {}),
      createdBy: String(r.created_by),
      createdAt: new Date(r.created_at as string).toISOString(),
      bytes: r.bytes === null ? null : Number(r.bytes),
      params: { from: p.from ?? null, to: p.to ?? null },
    };
  }

  async list(limit = 50): Promise<ExportJob[]> {
    const { rows } = await this.sql.query<{ id: string }>('SELECT id FROM export_jobs ORDER BY created_at DESC, id DESC LIMIT $1', [limit]);
    const out: ExportJob[] = [];
    for (const r of rows) {
      const j = await this.get(r.id);
      if (j) out.push(j);
    }
    return out;
  }

  /** The zip of a finished export; SPOOR_E_EXPORT_NOT_READY while it runs or when it failed. */
  async download(id: string): Promise<Buffer> {
    const { rows } = await this.sql.query<{ state: string; result: Uint8Array | null; error: string | null }>('SELECT state, result, error FROM export_jobs WHERE id = $1', [id]);
    const r = rows[0];
    if (!r) throw HubErrors.SPOOR_E_NOT_FOUND(`export ${id}`);
    if (r.state !== 'done' || !r.result) throw HubErrors.SPOOR_E_EXPORT_NOT_READY(r.state === 'failed' ? `export ${id} failed: ${r.error}; start a new one` : `export ${id} is ${r.state}`);
    return Buffer.from(r.result);
  }

  /**
   * On start: a job left `running` by a hub that stopped will never finish. With PGlite this hub
   * is the only one, so every such job failed; with a server another hub may still run it, so
   * only jobs started over an hour ago are given up.
   */
  async recover(): Promise<number> {
    const stale = this.sql.kind === 'pglite' ? 'true' : "created_at < now() - interval '1 hour'";
    const { rows } = await this.sql.query<{ id: string }>(
      `UPDATE export_jobs SET state = 'failed', error = 'interrupted: the hub stopped while it ran; start the export again' WHERE state = 'running' AND ${stale} RETURNING id`,
    );
    if (rows.length > 0) this.log.warn({ exports: rows.map((r) => r.id) }, 'interrupted exports marked failed');
    return rows.length;
  }

  /** Let running exports finish (shutdown). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private range(params: ExportParams): { where: string; args: unknown[] } {
    const w: string[] = [];
    const args: unknown[] = [];
    if (params.from) w.push(`taken_at >= $${args.push(params.from)}::timestamptz`);
    if (params.to) w.push(`taken_at < $${args.push(params.to)}::timestamptz`);
    return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', args };
  }

  private async count(params: ExportParams): Promise<number> {
    const { where, args } = this.range(params);
    const { rows } = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM sightings ${where}`, args);
    return Number(rows[0]?.n ?? 0);
  }

  private async run(id: string, params: ExportParams): Promise<void> {
    const links = await this.sql.query<{ device_id: string; local_id: string; individual_id: string }>(
      "SELECT l.device_id, l.local_id, l.individual_id FROM individual_links l JOIN individuals i ON i.id = l.individual_id WHERE i.status = 'active'",
    );
    const globalOf = new Map(links.rows.map((l) => [`${l.device_id}\u0000${l.local_id}`, l.individual_id]));
    const { where, args } = this.range(params);
    const sightings: { sighting: CamtrapSighting; classifiedAt: unknown; classifiedBy: string | null; individualID: (local: string) => string | null }[] = [];
    let after: { takenAt: string; id: string } | null = null;
    for (;;) {
      const page: { rows: { id: string; taken_at: unknown; received_at: unknown }[] } = await this.sql.query<{ id: string; taken_at: unknown; received_at: unknown }>(
        `SELECT id, taken_at, received_at FROM sightings ${where ? `${where} AND` : 'WHERE'} ($${args.length + 1}::timestamptz IS NULL OR (taken_at, id) > ($${args.length + 1}::timestamptz, $${args.length + 2}::uuid))
          ORDER BY taken_at, id LIMIT ${CHUNK}`,
        [...args, after?.takenAt ?? null, after?.id ?? null],
      );
      if (page.rows.length === 0) break;
      const items = await this.queue.getMany(page.rows.map((r) => r.id));
      const receivedAt = new Map(page.rows.map((r) => [r.id, r.received_at]));
      for (const s of items) {
        sightings.push({
          sighting: reviewedForExport(s),
          classifiedAt: s.review.at ?? receivedAt.get(s.id),
          classifiedBy: s.review.state === 'reviewed' ? s.review.by : null,
          individualID: (local) => (s.unidentifiable ? null : (globalOf.get(`${s.deviceId}\u0000${local}`) ?? null)),
        });
      }
      const last = page.rows[page.rows.length - 1] as { id: string; taken_at: unknown };
      after = { takenAt: new Date(last.taken_at as string).toISOString(), id: last.id };
      await this.sql.query('UPDATE export_jobs SET done = $2 WHERE id = $1', [id, sightings.length]);
    }
    const deployments: Record<string, CamtrapDeployment> = {};
    for (const d of await this.fleet.list()) if (d.location) deployments[d.deviceId] = { latitude: d.location.lat, longitude: d.location.lon };
    for (const [deviceId, l] of Object.entries(params.locations ?? {})) deployments[deviceId] = { latitude: l.latitude, longitude: l.longitude, locationName: l.locationName ?? null };
    const pkg = buildCamtrapPackage({ sightings, deployments, publisher: 'Spoor hub' });
    const zip = zipStore(pkg.files);
    await this.sql.query("UPDATE export_jobs SET state = 'done', done = $2, total = $2, result = $3 WHERE id = $1", [id, sightings.length, zip]);
    this.log.info({ exportId: id, sightings: sightings.length, bytes: zip.length, missingLocations: pkg.missingLocations }, 'export done');
  }
}
