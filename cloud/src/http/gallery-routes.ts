import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gallery } from '../gallery/gallery.js';
import type { Role } from '../store/tokens.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Version = Type.Integer({ minimum: 1 });
const Any = Type.Object({}, { additionalProperties: true });

const IdParams = Type.Object({ id: Uuid });
type IdParams = Static<typeof IdParams>;
const IndividualsQuery = Type.Object(
  {
    fleetId: Type.Optional(Type.String({ maxLength: 64 })),
    species: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('merged')])),
  },
  { additionalProperties: false },
);
type IndividualsQuery = Static<typeof IndividualsQuery>;
const DuplicatesQuery = Type.Object({ fleetId: Type.Optional(Type.String({ maxLength: 64 })), species: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
type DuplicatesQuery = Static<typeof DuplicatesQuery>;
const DuplicatePair = Type.Object(
  { a: Type.String(), b: Type.String(), fleetId: Type.String(), species: Type.String(), score: Type.Number() },
  { additionalProperties: false },
);
const ProposalsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('unidentifiable')])),
    fleetId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
type ProposalsQuery = Static<typeof ProposalsQuery>;
const AcceptBody = Type.Object({ expectedVersion: Type.Optional(Version) }, { additionalProperties: false });
type AcceptBody = Static<typeof AcceptBody>;
const RejectBody = Type.Object({ next: Type.Optional(Type.Boolean({ description: 'Propose the animal against the next-best candidate, if one is above the propose threshold.' })) }, { additionalProperties: false });
type RejectBody = Static<typeof RejectBody>;
const MergeBody = Type.Object(
  { ids: Type.Array(Uuid, { minItems: 1, maxItems: 100 }), into: Uuid, expectedVersions: Type.Record(Type.String(), Version) },
  { additionalProperties: false },
);
type MergeBody = Static<typeof MergeBody>;
const SplitBody = Type.Object({ sightingIds: Type.Array(Uuid, { minItems: 1, maxItems: 1000 }), expectedVersion: Version }, { additionalProperties: false });
type SplitBody = Static<typeof SplitBody>;
const RenameBody = Type.Object({ name: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]), expectedVersion: Version }, { additionalProperties: false });
type RenameBody = Static<typeof RenameBody>;
const GalleryParams = Type.Object({ fleetId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) });
type GalleryParams = Static<typeof GalleryParams>;
const GalleryQuery = Type.Object({ since: Type.Integer({ minimum: 0, default: 0 }) }, { additionalProperties: false });
type GalleryQuery = Static<typeof GalleryQuery>;

export const DecisionReply = Type.Object({
  decisionId: Type.String(),
  kind: Type.String(),
  fleetId: Type.String(),
  version: Type.Integer(),
  individuals: Type.Record(Type.String(), Type.Union([Type.Integer(), Type.Null()])),
  createdId: Type.Optional(Type.String()),
  /** A reject with `next`: the proposal opened against the next candidate. */
  proposalId: Type.Optional(Type.String()),
});

const READ: readonly Role[] = ['admin', 'reviewer', 'viewer'];
const DECIDE: readonly Role[] = ['admin', 'reviewer'];

/** The global gallery: read by every role, decided on by reviewers and admins. */
export function galleryRoutes(
  app: FastifyInstance,
  deps: { gallery: Gallery; authorize: (roles: readonly Role[]) => (req: FastifyRequest) => Promise<void>; errors: Record<number, TSchema> },
): void {
  const { gallery, authorize, errors } = deps;
  const actor = (req: FastifyRequest) => req.actor ?? 'unknown';
  const decided = { 200: DecisionReply, ...errors };
  const reply = ({ delta: _delta, ...r }: Awaited<ReturnType<Gallery['decide']>>) => r;

  app.get<{ Querystring: IndividualsQuery }>(
    '/api/individuals',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], querystring: IndividualsQuery, response: { 200: Type.Object({ items: Type.Array(Any) }), ...errors } } },
    async (req) => ({ items: await gallery.queries.listIndividuals(req.query) }),
  );
  app.get<{ Params: IdParams }>(
    '/api/individuals/:id',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], params: IdParams, response: { 200: Any, ...errors } } },
    async (req) => gallery.queries.getIndividual(req.params.id),
  );
  const Duplicates = Type.Object({
    items: Type.Array(DuplicatePair),
    /** Individuals checked: the most recently changed, at most 500 per listing. */
    scanned: Type.Integer(),
  });
  app.get<{ Querystring: DuplicatesQuery }>(
    '/api/individuals/duplicates',
    {
      onRequest: authorize(READ),
      schema: {
        tags: ['gallery'],
        querystring: DuplicatesQuery,
        description:
          'Pairs of active individuals that may be one animal: one’s newest references score at or above the propose threshold against the other. Pairs a reviewer called different (a rejected proposal, a split) are left out. Best first. The 500 most recently changed individuals are checked (`scanned`), each against the whole index.',
        response: { 200: Duplicates, ...errors },
      },
    },
    async (req) => gallery.duplicates(req.query),
  );
  app.get<{ Params: IdParams }>(
    '/api/individuals/:id/duplicates',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], params: IdParams, response: { 200: Duplicates, ...errors } } },
    async (req) => {
      await gallery.queries.getIndividual(req.params.id); // 404 for an unknown id
      return gallery.duplicates({ individualId: req.params.id });
    },
  );
  app.get<{ Querystring: ProposalsQuery }>(
    '/api/proposals',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], querystring: ProposalsQuery, response: { 200: Type.Object({ items: Type.Array(Any) }), ...errors } } },
    async (req) => ({ items: await gallery.queries.listProposals(req.query) }),
  );
  app.post<{ Params: IdParams; Body: AcceptBody }>(
    '/api/proposals/:id/accept',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], params: IdParams, body: Type.Optional(AcceptBody), response: decided } },
    async (req) => reply(await gallery.decide((d) => d.accept(actor(req), req.params.id, req.body?.expectedVersion))),
  );
  app.post<{ Params: IdParams; Body: RejectBody }>(
    '/api/proposals/:id/reject',
    {
      onRequest: authorize(DECIDE),
      schema: {
        tags: ['gallery'],
        params: IdParams,
        body: Type.Optional(RejectBody),
        description:
          'Not this candidate. With `next: true` the animal is proposed against the next-best candidate above the propose threshold (the reply names the new `proposalId`); with none left, or without `next`, it becomes its own global individual (`createdId`).',
        response: decided,
      },
    },
    async (req) => reply(await gallery.reject(actor(req), req.params.id, req.body?.next === true)),
  );
  app.post<{ Params: IdParams }>(
    '/api/proposals/:id/unidentifiable',
    {
      onRequest: authorize(DECIDE),
      schema: {
        tags: ['gallery'],
        params: IdParams,
        description: 'The animal cannot be identified: every evidence sighting is marked unidentifiable and the proposal closes as `unidentifiable`. Undo reopens it.',
        response: decided,
      },
    },
    async (req) => reply(await gallery.decide((d) => d.unidentifiableProposal(actor(req), req.params.id))),
  );
  app.post<{ Body: MergeBody }>(
    '/api/individuals/merge',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], body: MergeBody, response: decided } },
    async (req) => reply(await gallery.decide((d) => d.merge(actor(req), req.body.ids, req.body.into, req.body.expectedVersions))),
  );
  app.post<{ Params: IdParams; Body: SplitBody }>(
    '/api/individuals/:id/split',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], params: IdParams, body: SplitBody, response: decided } },
    async (req) => reply(await gallery.decide((d) => d.split(actor(req), req.params.id, req.body.sightingIds, req.body.expectedVersion))),
  );
  app.post<{ Params: IdParams; Body: RenameBody }>(
    '/api/individuals/:id/rename',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], params: IdParams, body: RenameBody, response: decided } },
    async (req) => reply(await gallery.decide((d) => d.rename(actor(req), req.params.id, req.body.name, req.body.expectedVersion))),
  );
  app.post<{ Params: IdParams }>(
    '/api/sightings/:id/unidentifiable',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], params: IdParams, response: decided } },
    async (req) => reply(await gallery.decide((d) => d.unidentifiable(actor(req), req.params.id))),
  );
  app.post<{ Params: IdParams }>(
    '/api/decisions/:id/undo',
    { onRequest: authorize(DECIDE), schema: { tags: ['gallery'], params: IdParams, response: decided } },
    async (req) => reply(await gallery.decide((d) => d.undo(actor(req), req.params.id))),
  );
  app.get<{ Params: GalleryParams; Querystring: GalleryQuery }>(
    '/api/gallery/:fleetId',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], params: GalleryParams, querystring: GalleryQuery, response: { 200: Any, ...errors } } },
    async (req) => gallery.queries.since(req.params.fleetId, req.query.since),
  );
}
