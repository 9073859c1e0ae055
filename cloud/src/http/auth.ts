import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HubErrors } from '../errors.js';
import type { SessionRepo } from '../store/sessions.js';
import type { Role, TokenRepo } from '../store/tokens.js';
import type { User } from '../store/users.js';

export const SESSION_COOKIE = 'spoor_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    role?: Role;
    /** Who is asking, for the audit log: the user's email, the token id, or `local-admin`. */
    actor?: string;
    /** The signed-in console user (cookie sessions only). */
    user?: User;
  }
}

export type Authorize = (roles: readonly Role[]) => (req: FastifyRequest) => Promise<void>;

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The onRequest guard of every API route: a bearer token (API clients, the CLIs) OR a
 * console session cookie. A cookie-authenticated request that changes state must carry the
 * session's CSRF token in `x-csrf-token` (SameSite=Strict is the first line, this the second).
 */
export function makeAuthorize(deps: { tokens: TokenRepo; sessions: SessionRepo; localAdminToken?: string | undefined }): Authorize {
  return (roles) => async (req) => {
    const header = req.headers.authorization;
    let who: { id: string; role: Role } | null;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) throw HubErrors.SPOOR_E_UNAUTHORIZED();
      who =
        deps.localAdminToken !== undefined && sameSecret(token, deps.localAdminToken) ? { id: 'local-admin', role: 'admin' } : await deps.tokens.identify(token);
    } else {
      const cookie = req.cookies[SESSION_COOKIE];
      const session = cookie ? await deps.sessions.lookup(cookie) : null;
      if (!session) throw HubErrors.SPOOR_E_UNAUTHORIZED();
      if (!SAFE.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, session.csrf)) throw HubErrors.SPOOR_E_CSRF(`${req.method} ${req.routeOptions.url ?? req.url} needs the ${CSRF_HEADER} header`);
      }
      req.user = session.user;
      who = { id: session.user.email, role: session.user.role };
    }
    if (!who) throw HubErrors.SPOOR_E_UNAUTHORIZED();
    if (!roles.includes(who.role)) throw HubErrors.SPOOR_E_FORBIDDEN(`a ${who.role} may not ${req.method} ${req.routeOptions.url ?? req.url}`);
    req.role = who.role;
    req.actor = who.id;
  };
}

export const READ: readonly Role[] = ['admin', 'reviewer', 'viewer'];
export const DECIDE: readonly Role[] = ['admin', 'reviewer'];
export const ADMIN: readonly Role[] = ['admin'];
