import { HubErrors } from '../errors.js';
import { randomSecret, sha256Hex } from './secrets.js';
import type { Sql } from './sql.js';
import { isRole, ROLES, type Role } from './tokens.js';
import { normalizeEmail, UserRepo, type User } from './users.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** One-time invitation links: only the token's SHA-256 is stored; accepting uses it up. */
export class InvitationRepo {
  constructor(
    private readonly sql: Sql,
    private readonly ttlMs: number = INVITATION_TTL_MS,
  ) {}

  async create(email: string, role: Role, createdBy: string): Promise<{ token: string; email: string; role: Role; expiresAt: string }> {
    if (!isRole(role)) throw HubErrors.SPOOR_E_BAD_REQUEST(`role must be one of ${ROLES.join(', ')}`);
    const e = normalizeEmail(email);
    const token = randomSecret(24);
    const expiresAt = new Date(Date.now() + this.ttlMs).toISOString();
    await this.sql.query('INSERT INTO invitations (token_hash, email, role, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)', [sha256Hex(token), e, role, createdBy, expiresAt]);
    return { token, email: e, role, expiresAt };
  }

  /** The invitation while it is unused and unexpired; else null. */
  async peek(token: string): Promise<{ email: string; role: Role } | null> {
    const { rows } = await this.sql.query<{ email: string; role: string }>(
      'SELECT email, role FROM invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()',
      [sha256Hex(token)],
    );
    const r = rows[0];
    return r && isRole(r.role) ? { email: r.email, role: r.role } : null;
  }

  /** Use the invitation up and create its user, in one transaction. A used or expired one is SPOOR_E_NOT_FOUND. */
  async accept(token: string, name: string, password: string): Promise<User> {
    const users = new UserRepo(this.sql);
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ email: string; role: string }>(
        'UPDATE invitations SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING email, role',
        [sha256Hex(token)],
      );
      const r = rows[0];
      if (!r || !isRole(r.role)) throw HubErrors.SPOOR_E_NOT_FOUND('this invitation is used or expired');
      return (await users.add({ email: r.email, role: r.role, name, password }, tx)).user;
    });
  }
}
