import { isValidId } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import { hashPassword, randomSecret, verifyPassword } from './secrets.js';
import type { Sql } from './sql.js';

export interface Device {
  deviceId: string;
  fleetId: string;
  name: string | null;
  username: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
  status: unknown;
}

export interface NewDeviceCredentials {
  deviceId: string;
  username: string;
  /** Shown once; only its scrypt hash is stored. */
  password: string;
  fleetId: string;
}

export const DEFAULT_FLEET = 'default';

interface Row {
  id: string;
  fleet_id: string;
  name: string | null;
  username: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  last_seen_at: Date | string | null;
  status: unknown;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const toDevice = (r: Row): Device => ({
  deviceId: r.id,
  fleetId: r.fleet_id,
  name: r.name,
  username: r.username,
  createdAt: iso(r.created_at) ?? '',
  revokedAt: iso(r.revoked_at),
  lastSeenAt: iso(r.last_seen_at),
  status: r.status ?? null,
});

/** Registered trap units and their MQTT credentials. The username is the device id. */
export class DeviceRepo {
  constructor(private readonly sql: Sql) {}

  async add(input: { deviceId: string; fleetId?: string | undefined; name?: string | undefined }): Promise<NewDeviceCredentials> {
    const fleetId = input.fleetId ?? DEFAULT_FLEET;
    if (!isValidId(input.deviceId)) throw HubErrors.SPOOR_E_BAD_REQUEST(`device id "${input.deviceId}" must match ^[A-Za-z0-9_.-]{1,64}$`);
    if (!isValidId(fleetId)) throw HubErrors.SPOOR_E_BAD_REQUEST(`fleet id "${fleetId}" must match ^[A-Za-z0-9_.-]{1,64}$`);
    const password = randomSecret(24);
    const hash = await hashPassword(password);
    const created = await this.sql.transaction(async (tx) => {
      await tx.query('INSERT INTO fleets (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [fleetId]);
      const { rows } = await tx.query(
        `INSERT INTO devices (id, fleet_id, name, username, password_hash) VALUES ($1, $2, $3, $1, $4)
         ON CONFLICT DO NOTHING RETURNING id`,
        [input.deviceId, fleetId, input.name ?? null, hash],
      );
      return rows.length === 1;
    });
    if (!created) throw HubErrors.SPOOR_E_CONFLICT(`device ${input.deviceId} is already registered`);
    return { deviceId: input.deviceId, username: input.deviceId, password, fleetId };
  }

  async list(): Promise<Device[]> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM devices ORDER BY id');
    return rows.map(toDevice);
  }

  async get(deviceId: string): Promise<Device | null> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM devices WHERE id = $1', [deviceId]);
    return rows[0] ? toDevice(rows[0]) : null;
  }

  /**
   * Check MQTT credentials. Returns the device when they match a device that is not revoked,
   * else null (unknown user, wrong password and revoked look the same to the caller).
   */
  async verify(username: string, password: string): Promise<{ deviceId: string; fleetId: string } | null> {
    const { rows } = await this.sql.query<{ id: string; fleet_id: string; password_hash: string; revoked_at: unknown }>(
      'SELECT id, fleet_id, password_hash, revoked_at FROM devices WHERE username = $1',
      [username],
    );
    const row = rows[0];
    if (!row || row.revoked_at !== null) return null;
    return (await verifyPassword(password, row.password_hash)) ? { deviceId: row.id, fleetId: row.fleet_id } : null;
  }

  async isRevoked(deviceId: string): Promise<boolean> {
    const { rows } = await this.sql.query<{ revoked_at: unknown }>('SELECT revoked_at FROM devices WHERE id = $1', [deviceId]);
    return !rows[0] || rows[0].revoked_at !== null;
  }

  /** Revoke for good: the broker refuses it from now on. Revoking twice is not an error. */
  async revoke(deviceId: string): Promise<Device> {
    const { rows } = await this.sql.query<Row>('UPDATE devices SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *', [deviceId]);
    if (!rows[0]) throw HubErrors.SPOOR_E_NOT_FOUND(`device ${deviceId}`);
    return toDevice(rows[0]);
  }

  /** A new password for an active device (the old one stops working); shown once, stored hashed. */
  async rotate(deviceId: string): Promise<NewDeviceCredentials> {
    const password = randomSecret(24);
    const hash = await hashPassword(password);
    const { rows } = await this.sql.query<{ id: string; fleet_id: string; username: string; revoked_at: unknown }>(
      'UPDATE devices SET password_hash = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id, fleet_id, username, revoked_at',
      [deviceId, hash],
    );
    const row = rows[0];
    if (!row) {
      if (await this.get(deviceId)) throw HubErrors.SPOOR_E_CONFLICT(`device ${deviceId} is revoked; register a new device instead`);
      throw HubErrors.SPOOR_E_NOT_FOUND(`device ${deviceId}`);
    }
    return { deviceId: row.id, username: row.username, password, fleetId: row.fleet_id };
  }

  /** A status (or any) message from the device: it is alive. */
  async touch(deviceId: string, status?: unknown): Promise<void> {
    if (status === undefined) await this.sql.query('UPDATE devices SET last_seen_at = now() WHERE id = $1', [deviceId]);
    else await this.sql.query('UPDATE devices SET last_seen_at = now(), status = $2::jsonb WHERE id = $1', [deviceId, JSON.stringify(status)]);
  }
}
