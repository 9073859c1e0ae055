import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword, verifyPassword, type PasswordStore } from './password.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session. Only /health, /ready, the login/setup routes and the panel's static files. */
    public?: boolean;
  }
}

export const SESSION_COOKIE = 'spoor_session';
export const CSRF_COOKIE = 'spoor_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthOptions {
  passwords: PasswordStore;
  sessionTtlMs?: number;
  /** Login/setup attempts per client address per window. */
  maxAttempts?: number;
  attemptWindowMs?: number;
  clock?: () => number;
  /** Kept by the caller to outlive this app: the daemon's in-process restart keeps everyone logged in. */
  sessions?: Map<string, Session>;
}

export interface Session {
  csrf: string;
  expiresAt: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MIN_PASSWORD = 8;

/**
 * Panel/API authentication: one admin password, in-memory sessions (a process restart logs everyone
 * out), an HttpOnly SameSite=Strict session cookie, and a CSRF token bound to the session that
 * every state-changing request must echo in `x-csrf-token` (the panel reads it from the
 * non-HttpOnly `spoor_csrf` cookie). Login and setup take JSON only, so a cross-site form cannot
 * post them, and are rate-limited per client address.
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): { hasSession: (req: FastifyRequest) => boolean } {
  const clock = opts.clock ?? Date.now;
  const ttl = opts.sessionTtlMs ?? 12 * 3600_000;
  const sessions = opts.sessions ?? new Map<string, Session>();
  const limiter = attemptLimiter(opts.maxAttempts ?? 10, opts.attemptWindowMs ?? 60_000, clock);

  const sessionOf = (req: FastifyRequest): Session | null => {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const s = sid ? sessions.get(sid) : undefined;
    if (!sid || !s) return null;
    if (s.expiresAt < clock()) {
      sessions.delete(sid);
      return null;
    }
    s.expiresAt = clock() + ttl; // sliding
    return s;
  };

  const refuse = async (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.status(status).send({ error: { code, message }, setupRequired: (await opts.passwords.get()) === null });

  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config.public === true) return;
    const s = sessionOf(req);
    if (!s) return refuse(reply, 401, 'SPOOR_E_AUTH_REQUIRED', 'log in to the panel first');
    if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== s.csrf) {
      return refuse(reply, 403, 'SPOOR_E_CSRF', `missing or wrong ${CSRF_HEADER} header`);
    }
  });

  const startSession = (req: FastifyRequest, reply: FastifyReply) => {
    const sid = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    sessions.set(sid, { csrf, expiresAt: clock() + ttl });
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', [
      `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Strict${secure}`,
      `${CSRF_COOKIE}=${csrf}; Path=/; SameSite=Strict${secure}`,
    ]);
    return { ok: true, csrf };
  };

  const credentials = (req: FastifyRequest): string | null => {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return null;
    const pw = (req.body as { password?: unknown } | null)?.password;
    return typeof pw === 'string' ? pw : null;
  };

  app.post('/api/auth/setup', { config: { public: true } }, async (req, reply) => {
    if ((await opts.passwords.get()) !== null) return refuse(reply, 401, 'SPOOR_E_AUTH_REQUIRED', 'the admin password is already set; log in');
    if (!limiter.take(req.ip)) return refuse(reply, 429, 'SPOOR_E_RATE_LIMITED', 'too many attempts; wait a minute');
    const pw = credentials(req);
    if (pw === null || pw.length < MIN_PASSWORD) {
      return reply.status(400).send({ error: { code: 'SPOOR_E_BAD_REQUEST', message: `send {"password": "..."} as JSON, at least ${MIN_PASSWORD} characters` } });
    }
    await opts.passwords.set(await hashPassword(pw));
    req.log.warn('panel admin password set on first visit');
    return startSession(req, reply);
  });

  app.post('/api/auth/login', { config: { public: true } }, async (req, reply) => {
    if (!limiter.take(req.ip)) return refuse(reply, 429, 'SPOOR_E_RATE_LIMITED', 'too many attempts; wait a minute');
    const stored = await opts.passwords.get();
    const pw = credentials(req);
    if (stored === null || pw === null || !(await verifyPassword(pw, stored))) {
      return refuse(reply, 401, 'SPOOR_E_AUTH_REQUIRED', stored === null ? 'no admin password yet; set one first' : 'wrong password');
    }
    return startSession(req, reply);
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (sid) sessions.delete(sid);
    reply.header('set-cookie', [`${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`, `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`]);
    return { ok: true };
  });

  /** Who am I: lets the panel check its session (and re-read the CSRF token) on load. */
  app.get('/api/auth/session', async (req) => ({ ok: true, csrf: sessionOf(req)?.csrf ?? null }));

  /** For long-lived connections (the live WebSocket): is the request's session still valid? */
  return { hasSession: (req) => sessionOf(req) !== null };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Fixed-window counter per key; enough for one admin on a LAN. */
function attemptLimiter(max: number, windowMs: number, clock: () => number) {
  const windows = new Map<string, { start: number; n: number }>();
  return {
    take(key: string): boolean {
      const now = clock();
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (windows.size > 10_000) windows.clear();
        w = { start: now, n: 0 };
        windows.set(key, w);
      }
      w.n += 1;
      return w.n <= max;
    },
  };
}
