import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubErrors } from '../errors.js';
import type { SessionRepo } from '../store/sessions.js';
import type { User, UserRepo } from '../store/users.js';
import { CSRF_HEADER, READ, SESSION_COOKIE, sameSecret, type Authorize } from './auth.js';

export const UserReply = Type.Object({ id: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]), role: Type.String() });
export const SessionReply = Type.Object({ user: UserReply, csrf: Type.String() });
const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
type LoginBody = Static<typeof LoginBody>;

export interface RateLimit {
  max: number;
  timeWindowMs: number;
}
/** Login attempts per client address (and invitation accepts): enough for typos, not for guessing. */
export const DEFAULT_LOGIN_LIMIT: RateLimit = { max: 10, timeWindowMs: 60_000 };

export const publicUser = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

/** Start a session: store it, set the HttpOnly SameSite=Strict cookie, return the user and the CSRF token. */
export async function startSession(sessions: SessionRepo, user: User, req: FastifyRequest, reply: FastifyReply): Promise<{ user: ReturnType<typeof publicUser>; csrf: string }> {
  const s = await sessions.create(user.id);
  void reply.setCookie(SESSION_COOKIE, s.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: req.protocol === 'https',
    expires: new Date(s.expiresAt),
  });
  return { user: publicUser(user), csrf: s.csrf };
}

/** Sign in and out of the console. */
export function authRoutes(
  app: FastifyInstance,
  deps: { users: UserRepo; sessions: SessionRepo; authorize: Authorize; errors: Record<number, TSchema>; loginLimit: RateLimit },
): void {
  const { users, sessions, authorize, errors } = deps;
  const limit = { rateLimit: { max: deps.loginLimit.max, timeWindow: deps.loginLimit.timeWindowMs } };

  app.post<{ Body: LoginBody }>(
    '/api/auth/login',
    { config: limit, schema: { tags: ['auth'], security: [], body: LoginBody, response: { 200: SessionReply, ...errors } } },
    async (req, reply) => {
      const user = await users.authenticate(req.body.email, req.body.password);
      if (!user) throw HubErrors.SPOOR_E_UNAUTHORIZED('wrong email or password');
      req.log.info({ user: user.id }, 'signed in');
      return startSession(sessions, user, req, reply);
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['auth'], security: [], response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    const session = token ? await sessions.lookup(token) : null;
    if (token && session) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, session.csrf)) throw HubErrors.SPOOR_E_CSRF(`logout needs the ${CSRF_HEADER} header`);
      await sessions.delete(token);
    }
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { onRequest: authorize(READ), schema: { tags: ['auth'], response: { 200: SessionReply, ...errors } } }, async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    const session = req.user && token ? await sessions.lookup(token) : null;
    if (!session) throw HubErrors.SPOOR_E_UNAUTHORIZED('/api/auth/me answers for console sessions, not bearer tokens');
    return { user: publicUser(session.user), csrf: session.csrf };
  });
}
