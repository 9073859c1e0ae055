import { codecs, type StatusPayload } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import type { Device, DeviceRepo } from './devices.js';
import type { Sql } from './sql.js';

/** A device as the console's fleet page shows it: registration, last status, desired config. */
export interface FleetDevice extends Device {
  online: boolean;
  outbox: { depth: number; bytes: number; oldestAt: string | null } | null;
  queue: { pending: number } | null;
  models: { id: string; provider: string }[];
  versions: Record<string, string>;
  lastSyncAt: string | null;
  /** `version/state/reason` as the device last reported; `desired*` what the hub last pushed. `pending` until the device reports the pushed version. */
  config: { version: number | null; state: 'applied' | 'rejected' | 'local' | 'pending' | 'none'; reason: string | null; desiredVersion: number | null; pushedAt: string | null; pushedBy: string | null };
  location: { lat: number; lon: number } | null;
}

interface Desired {
  device_id: string;
  version: number;
  config: Record<string, unknown>;
  pushed_by: string;
  pushed_at: unknown;
}

const asStatus = (s: unknown): StatusPayload | null => {
  if (s === null || s === undefined) return null;
  const r = codecs.status.decode(JSON.stringify(s));
  return r.ok ? r.value : null;
};

function locationOf(config: Record<string, unknown> | undefined): { lat: number; lon: number } | null {
  const d = config?.deployment as { latitude?: unknown; longitude?: unknown } | undefined;
  return typeof d?.latitude === 'number' && typeof d.longitude === 'number' ? { lat: d.latitude, lon: d.longitude } : null;
}

/** The fleet view and the desired-config record behind config push. */
export class FleetRepo {
  constructor(
    private readonly sql: Sql,
    private readonly devices: DeviceRepo,
  ) {}

  async list(): Promise<FleetDevice[]> {
    const devices = await this.devices.list();
    const { rows } = await this.sql.query<Desired>('SELECT * FROM device_configs');
    const desired = new Map(rows.map((r) => [r.device_id, r]));
    return devices.map((d) => this.view(d, desired.get(d.deviceId)));
  }

  async get(deviceId: string): Promise<FleetDevice | null> {
    const d = await this.devices.get(deviceId);
    if (!d) return null;
    const { rows } = await this.sql.query<Desired>('SELECT * FROM device_configs WHERE device_id = $1', [deviceId]);
    return this.view(d, rows[0]);
  }

  /** The desired config last pushed to the device, or null. */
  async desired(deviceId: string): Promise<{ version: number; config: Record<string, unknown> } | null> {
    const { rows } = await this.sql.query<Desired>('SELECT * FROM device_configs WHERE device_id = $1', [deviceId]);
    return rows[0] ? { version: Number(rows[0].version), config: rows[0].config } : null;
  }

  /**
   * Record the next desired config of an active device: its version is above both the last
   * pushed and the one the device reports, so the device never ignores it as old.
   */
  async setDesired(deviceId: string, config: Record<string, unknown>, by: string): Promise<{ version: number }> {
    return this.sql.transaction(async (tx) => {
      const dev = await tx.query<{ revoked_at: unknown; status: unknown }>('SELECT revoked_at, status FROM devices WHERE id = $1 FOR UPDATE', [deviceId]);
      const row = dev.rows[0];
      if (!row) throw HubErrors.SPOOR_E_NOT_FOUND(`device ${deviceId}`);
      if (row.revoked_at !== null) throw HubErrors.SPOOR_E_CONFLICT(`device ${deviceId} is revoked; it will not receive a config`);
      const cur = await tx.query<{ version: number }>('SELECT version FROM device_configs WHERE device_id = $1', [deviceId]);
      const reported = asStatus(row.status)?.config?.version ?? 0;
      const version = Math.max(Number(cur.rows[0]?.version ?? 0), reported) + 1;
      await tx.query(
        `INSERT INTO device_configs (device_id, version, config, pushed_by) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (device_id) DO UPDATE SET version = EXCLUDED.version, config = EXCLUDED.config, pushed_by = EXCLUDED.pushed_by, pushed_at = now()`,
        [deviceId, version, JSON.stringify(config), by],
      );
      return { version };
    });
  }

  /**
   * The embedded broker is starting: no device is connected, whatever the stored statuses say
   * (a device that dropped while the hub was down never had its last will delivered). Devices
   * republish their status when they reconnect.
   */
  async markAllOffline(): Promise<number> {
    const { rows } = await this.sql.query<{ id: string }>(
      `UPDATE devices SET status = jsonb_set(status, '{state}', '"offline"') WHERE status IS NOT NULL AND status->>'state' = 'online' RETURNING id`,
    );
    return rows.length;
  }

  private view(d: Device, desired: Desired | undefined): FleetDevice {
    const s = asStatus(d.status);
    const desiredVersion = desired ? Number(desired.version) : null;
    const reported = s?.config;
    const state = desiredVersion !== null && (reported?.version ?? 0) < desiredVersion ? 'pending' : (reported?.state ?? 'none');
    return {
      ...d,
      online: d.revokedAt === null && s?.state === 'online',
      outbox: s?.outbox ?? null,
      queue: s?.queue ?? null,
      models: s?.models ?? [],
      versions: s?.versions ?? {},
      lastSyncAt: s?.lastSyncAt ?? null,
      config: {
        version: reported?.version ?? null,
        state,
        reason: reported?.reason ?? null,
        desiredVersion,
        pushedAt: desired ? new Date(desired.pushed_at as string).toISOString() : null,
        pushedBy: desired?.pushed_by ?? null,
      },
      location: locationOf(desired?.config),
    };
  }
}
