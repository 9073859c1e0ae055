import type { Logger } from 'pino';
import { codecs, type GalleryOp, type StatusPayload } from '@spoor/protocol';
import type { Sql } from '../store/sql.js';
import { fleetOfDevice, type GalleryDelta } from './common.js';
import type { GalleryQueries } from './queries.js';

export interface CatchUpOptions {
  /** Replay at most this many kept deltas; further behind gets a snapshot. */
  maxReplay?: number;
  /** Answer one device for one target version at most this often (its status repeats with every stats tick). */
  minIntervalMs?: number;
  /** Split a snapshot into parts of about this many encoded bytes (the payload limit is 256 KiB). */
  partBytes?: number;
  clock?: () => number;
}

/**
 * Devices have MQTT credentials only, so catching up runs inside the MQTT contract: a device
 * reports the gallery version it applied in its retained status, and when the fleet is ahead
 * the hub answers on the fleet topic, addressed to that device (`to`): the deltas it missed
 * while they are kept, else a snapshot of the fleet's active individuals (in parts when large).
 */
export class GalleryCatchUp {
  private readonly answered = new Map<string, { version: number; at: number }>();
  private readonly maxReplay: number;
  private readonly minIntervalMs: number;
  private readonly partBytes: number;
  private readonly clock: () => number;

  constructor(
    private readonly sql: Sql,
    private readonly queries: GalleryQueries,
    private readonly publish: (delta: GalleryDelta) => Promise<void>,
    private readonly log: Logger,
    opts: CatchUpOptions = {},
  ) {
    this.maxReplay = opts.maxReplay ?? 100;
    this.minIntervalMs = opts.minIntervalMs ?? 10_000;
    this.partBytes = opts.partBytes ?? 192 * 1024;
    this.clock = opts.clock ?? Date.now;
  }

  /** What the device's status asks for; resolves with what was sent (tests, logs). */
  async onStatus(deviceId: string, status: StatusPayload): Promise<{ kind: 'none' | 'replay' | 'snapshot'; version: number; messages: number }> {
    const none = { kind: 'none' as const, version: 0, messages: 0 };
    const reported = status.gallery;
    if (!reported || status.state !== 'online') return none;
    const fleetId = await fleetOfDevice(this.sql, deviceId);
    if (reported.fleetId !== fleetId) {
      this.log.warn({ deviceId, reported: reported.fleetId, fleetId }, "device reports another fleet's gallery; set its cloud.fleetId to the hub's fleet");
      return none;
    }
    const f = await this.sql.query<{ gallery_version: number }>('SELECT gallery_version FROM fleets WHERE id = $1', [fleetId]);
    const current = Number(f.rows[0]?.gallery_version ?? 0);
    if (reported.version === current) {
      this.answered.delete(deviceId);
      return { ...none, version: current };
    }
    const last = this.answered.get(deviceId);
    const now = this.clock();
    if (last && last.version === current && now - last.at < this.minIntervalMs) return { ...none, version: current };
    this.answered.set(deviceId, { version: current, at: now });

    const have = reported.version;
    if (have < current && current - have <= this.maxReplay) {
      const { rows } = await this.sql.query<{ delta: GalleryDelta }>('SELECT delta FROM gallery_versions WHERE fleet_id = $1 AND version > $2 ORDER BY version', [fleetId, have]);
      if (rows.length === current - have) {
        for (const r of rows) await this.publish({ ...r.delta, to: deviceId });
        this.log.info({ deviceId, fleetId, from: have, to: current }, 'gallery catch-up: missed deltas replayed');
        return { kind: 'replay', version: current, messages: rows.length };
      }
    }
    const snap = await this.queries.snapshot(fleetId, current);
    const parts = splitOps(snap.ops, this.partBytes);
    for (const [i, ops] of parts.entries()) {
      await this.publish({ ...snap, to: deviceId, ...(parts.length > 1 ? { part: { n: i + 1, of: parts.length } } : {}), ops });
    }
    this.log.info({ deviceId, fleetId, from: have, to: current, individuals: snap.ops.length, parts: parts.length }, 'gallery catch-up: snapshot sent');
    return { kind: 'snapshot', version: current, messages: parts.length };
  }
}

/** Pack ops into parts of at most ~`maxBytes` encoded (and 10,000 ops, the schema's limit); an empty gallery is one empty part. */
export function splitOps(ops: readonly GalleryOp[], maxBytes: number): GalleryOp[][] {
  const parts: GalleryOp[][] = [[]];
  let size = 0;
  for (const op of ops) {
    const bytes = Buffer.byteLength(JSON.stringify(op)) + 1;
    const cur = parts[parts.length - 1] as GalleryOp[];
    if (cur.length > 0 && (size + bytes > maxBytes || cur.length >= 10_000)) {
      parts.push([op]);
      size = bytes;
    } else {
      cur.push(op);
      size += bytes;
    }
  }
  return parts;
}

/** The encoded size of a delta on the wire (the bench reports it per decision). */
export function deltaBytes(delta: GalleryDelta): number {
  return codecs.gallery.encode(delta).byteLength;
}
