import { HubErrors } from '../errors.js';
import { randomSecret, sha256Hex } from './secrets.js';
import type { Sql } from './sql.js';

export const ROLES = ['admin', 'reviewer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** API bearer tokens. Only their SHA-256 is stored; the plaintext is shown once. */
export class TokenRepo {
  constructor(private readonly sql: Sql) {}

  async add(role: Role): Promise<{ id: string; token: string; role: Role }> {
    if (!isRole(role)) throw HubErrors.SPOOR_E_BAD_REQUEST(`role must be one of ${ROLES.join(', ')}`);
    const id = randomSecret(9);
    const token = `spoor_${randomSecret(32)}`;
    await this.sql.query('INSERT INTO tokens (id, token_hash, role) VALUES ($1, $2, $3)', [id, sha256Hex(token), role]);
    return { id, token, role };
  }

  async verify(token: string): Promise<Role | null> {
    if (!token) return null;
    const { rows } = await this.sql.query<{ role: string }>('SELECT role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL', [sha256Hex(token)]);
    const role = rows[0]?.role;
    return isRole(role) ? role : null;
  }

  /** The token's id (the audit log's actor) and role, or null. */
  async identify(token: string): Promise<{ id: string; role: Role } | null> {
    if (!token) return null;
    const { rows } = await this.sql.query<{ id: string; role: string }>('SELECT id, role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL', [sha256Hex(token)]);
    const r = rows[0];
    return r && isRole(r.role) ? { id: r.id, role: r.role } : null;
  }

  async revoke(id: string): Promise<void> {
    const { rows } = await this.sql.query('UPDATE tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id', [id]);
    if (rows.length === 0) throw HubErrors.SPOOR_E_NOT_FOUND(`token ${id}`);
  }
}
