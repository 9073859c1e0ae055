import { randomSecret, sha256Hex } from './secrets.js';
import type { Sql } from './sql.js';
import { toUser, type User } from './users.js';

export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 3600_000;

/**
 * Console sessions. The cookie holds a random token; only its SHA-256 is stored, with the
 * session's CSRF token and its expiry. An expired or disabled user's session is no session.
 */
export class SessionRepo {
  constructor(
    private readonly sql: Sql,
    private readonly ttlMs: number = DEFAULT_SESSION_TTL_MS,
  ) {}

  async create(userId: string): Promise<{ token: string; csrf: string; expiresAt: string }> {
    const token = randomSecret(32);
    const csrf = randomSecret(24);
    const expiresAt = new Date(Date.now() + this.ttlMs).toISOString();
    await this.sql.query('INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)', [sha256Hex(token), userId, csrf, expiresAt]);
    // Housekeeping: expired sessions of this user go now.
    await this.sql.query('DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()', [userId]);
    return { token, csrf, expiresAt };
  }

  async lookup(token: string): Promise<{ user: User; csrf: string } | null> {
    if (!token) return null;
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT u.*, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [sha256Hex(token)],
    );
    const r = rows[0];
    if (!r) return null;
    return { user: toUser(r as unknown as Parameters<typeof toUser>[0]), csrf: String(r.csrf) };
  }

  async delete(token: string): Promise<void> {
    await this.sql.query('DELETE FROM sessions WHERE token_hash = $1', [sha256Hex(token)]);
  }
}
