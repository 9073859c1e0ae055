import { uuidv7 } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import { hashPassword, randomSecret, verifyPassword } from './secrets.js';
import type { Queryable, Sql } from './sql.js';
import { isRole, ROLES, type Role } from './tokens.js';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

interface Row {
  id: string;
  email: string;
  name: string | null;
  role: string;
  disabled: boolean;
  created_at: Date | string;
}

export const MIN_PASSWORD = 10;
const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: isRole(r.role) ? r.role : 'viewer',
  disabled: r.disabled,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Emails are compared lower-cased and trimmed: `Ana@x.org` and `ana@x.org ` are one user. */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL_RE.test(e)) throw HubErrors.SPOOR_E_BAD_REQUEST(`"${email}" is not an email address`);
  return e;
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD) throw HubErrors.SPOOR_E_BAD_REQUEST(`a password needs at least ${MIN_PASSWORD} characters`);
}

// Verifying against this when the email is unknown keeps the answer time the same.
let dummyHash: Promise<string> | null = null;

/** Console users: an email, a role, a scrypt-hashed password. */
export class UserRepo {
  constructor(private readonly sql: Sql) {}

  /** Create a user; without a password one is generated and returned (shown once). */
  async add(input: { email: string; role: Role; name?: string | null | undefined; password?: string | undefined }, tx: Queryable = this.sql): Promise<{ user: User; password: string }> {
    if (!isRole(input.role)) throw HubErrors.SPOOR_E_BAD_REQUEST(`role must be one of ${ROLES.join(', ')}`);
    const email = normalizeEmail(input.email);
    const password = input.password ?? randomSecret(15);
    checkPassword(password);
    const hash = await hashPassword(password);
    const { rows } = await tx.query<Row>(
      'INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING *',
      [uuidv7(), email, input.name ?? null, input.role, hash],
    );
    if (!rows[0]) throw HubErrors.SPOOR_E_CONFLICT(`a user with email ${email} exists already`);
    return { user: toUser(rows[0]), password };
  }

  /** The user when email and password match an enabled user, else null (all failures look alike). */
  async authenticate(email: string, password: string): Promise<User | null> {
    const { rows } = await this.sql.query<Row & { password_hash: string }>('SELECT * FROM users WHERE email = $1', [email.trim().toLowerCase()]);
    const r = rows[0];
    if (!r) {
      dummyHash ??= hashPassword(randomSecret(12));
      await verifyPassword(password, await dummyHash);
      return null;
    }
    const ok = await verifyPassword(password, r.password_hash);
    return ok && !r.disabled ? toUser(r) : null;
  }

  async list(): Promise<User[]> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM users ORDER BY created_at, email');
    return rows.map(toUser);
  }

  async get(id: string): Promise<User | null> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return Number(rows[0]?.n ?? 0);
  }

  /** Change a role or (dis)able; disabling ends the user's sessions at once. */
  async update(id: string, patch: { role?: Role | undefined; disabled?: boolean | undefined }): Promise<User> {
    if (patch.role !== undefined && !isRole(patch.role)) throw HubErrors.SPOOR_E_BAD_REQUEST(`role must be one of ${ROLES.join(', ')}`);
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<Row>('UPDATE users SET role = COALESCE($2, role), disabled = COALESCE($3, disabled) WHERE id = $1 RETURNING *', [
        id,
        patch.role ?? null,
        patch.disabled ?? null,
      ]);
      if (!rows[0]) throw HubErrors.SPOOR_E_NOT_FOUND(`user ${id}`);
      if (patch.disabled === true || patch.role !== undefined) await tx.query('DELETE FROM sessions WHERE user_id = $1', [id]);
      return toUser(rows[0]);
    });
  }
}
