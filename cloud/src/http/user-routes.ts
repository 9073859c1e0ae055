import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HubErrors } from '../errors.js';
import type { InvitationRepo } from '../store/invitations.js';
import type { SessionRepo } from '../store/sessions.js';
import { ROLES } from '../store/tokens.js';
import type { UserRepo } from '../store/users.js';
import { ADMIN, type Authorize } from './auth.js';
import { SessionReply, startSession, type RateLimit } from './auth-routes.js';

const RoleT = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Email = Type.String({ minLength: 3, maxLength: 320 });
const UserItem = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
const InviteBody = Type.Object({ email: Email, role: RoleT }, { additionalProperties: false });
type InviteBody = Static<typeof InviteBody>;
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });
type TokenParams = Static<typeof TokenParams>;
const AcceptBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
type AcceptBody = Static<typeof AcceptBody>;
const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
type UserParams = Static<typeof UserParams>;
const PatchBody = Type.Object({ role: Type.Optional(RoleT), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
type PatchBody = Static<typeof PatchBody>;
const AddBody = Type.Object({ email: Email, role: RoleT, name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
type AddBody = Static<typeof AddBody>;

/** Users and invitations: admins manage them; an invitation link is public and works once. */
export function userRoutes(
  app: FastifyInstance,
  deps: { users: UserRepo; sessions: SessionRepo; invitations: InvitationRepo; authorize: Authorize; errors: Record<number, TSchema>; acceptLimit: RateLimit },
): void {
  const { users, sessions, invitations, authorize, errors } = deps;

  app.post<{ Body: InviteBody }>(
    '/api/invitations',
    { onRequest: authorize(ADMIN), schema: { tags: ['users'], body: InviteBody, response: { 201: Type.Object({ token: Type.String(), url: Type.String(), expiresAt: Type.String(), email: Type.String(), role: Type.String() }), ...errors } } },
    async (req, reply) => {
      const inv = await invitations.create(req.body.email, req.body.role, req.actor ?? 'unknown');
      return reply.status(201).send({ ...inv, url: `/#/invite/${inv.token}` });
    },
  );

  app.get<{ Params: TokenParams }>(
    '/api/invitations/:token',
    { schema: { tags: ['users'], security: [], params: TokenParams, response: { 200: Type.Object({ email: Type.String(), role: Type.String() }), ...errors } } },
    async (req) => {
      const inv = await invitations.peek(req.params.token);
      if (!inv) throw HubErrors.SPOOR_E_NOT_FOUND('this invitation is used or expired; ask an admin for a new one');
      return inv;
    },
  );

  app.post<{ Params: TokenParams; Body: AcceptBody }>(
    '/api/invitations/:token/accept',
    {
      config: { rateLimit: { max: deps.acceptLimit.max, timeWindow: deps.acceptLimit.timeWindowMs } },
      schema: { tags: ['users'], security: [], params: TokenParams, body: AcceptBody, response: { 201: SessionReply, ...errors } },
    },
    async (req, reply) => {
      const user = await invitations.accept(req.params.token, req.body.name, req.body.password);
      req.log.info({ user: user.id, role: user.role }, 'invitation accepted');
      return reply.status(201).send(await startSession(sessions, user, req, reply));
    },
  );

  app.get('/api/users', { onRequest: authorize(ADMIN), schema: { tags: ['users'], response: { 200: Type.Object({ items: Type.Array(UserItem) }), ...errors } } }, async () => ({
    items: await users.list(),
  }));

  app.post<{ Body: AddBody }>(
    '/api/users',
    { onRequest: authorize(ADMIN), schema: { tags: ['users'], body: AddBody, response: { 201: Type.Object({ user: UserItem, password: Type.String() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await users.add({ email: req.body.email, role: req.body.role, name: req.body.name ?? null })),
  );

  app.patch<{ Params: UserParams; Body: PatchBody }>(
    '/api/users/:id',
    { onRequest: authorize(ADMIN), schema: { tags: ['users'], params: UserParams, body: PatchBody, response: { 200: UserItem, ...errors } } },
    async (req) => {
      if (req.user?.id === req.params.id && (req.body.disabled === true || (req.body.role !== undefined && req.body.role !== 'admin'))) {
        throw HubErrors.SPOOR_E_BAD_REQUEST('you cannot disable or demote yourself; ask another admin');
      }
      return users.update(req.params.id, req.body);
    },
  );
}
