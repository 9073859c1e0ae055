import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HubErrors } from '../errors.js';
import type { Gallery } from '../gallery/gallery.js';
import { IdentityViews } from '../store/identity-views.js';
import { SightingQueue } from '../store/queue.js';
import type { Queryable } from '../store/sql.js';
import { searchTaxa } from '../store/taxa.js';
import { DECIDE, READ, type Authorize } from './auth.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Any = Type.Object({}, { additionalProperties: true });

export const QueueQuery = Type.Object(
  {
    deviceId: Type.Optional(Id),
    cameraId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    species: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    maxConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    decision: Type.Optional(Type.Union([Type.Literal('known'), Type.Literal('new'), Type.Literal('uncertain')])),
    reviewed: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
type QueueQuery = Static<typeof QueueQuery>;
const QueuePage = Type.Object({ items: Type.Array(Any), total: Type.Integer(), nextCursor: Type.Union([Type.String(), Type.Null()]) });
const SightingParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
type SightingParams = Static<typeof SightingParams>;
const IdParams = Type.Object({ id: Uuid });
type IdParams = Static<typeof IdParams>;

export const ReviewBody = Type.Object(
  {
    expectedVersion: Type.Integer({ minimum: 1 }),
    detections: Type.Array(
      Type.Object(
        {
          idx: Type.Integer({ minimum: 0 }),
          taxon: Type.Optional(Type.Object({ label: Type.String({ minLength: 1, maxLength: 200 }), rank: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false })),
          category: Type.Optional(Type.Union([Type.Literal('animal'), Type.Literal('person'), Type.Literal('vehicle'), Type.Literal('blank')])),
        },
        { additionalProperties: false },
      ),
      { maxItems: 5000 },
    ),
    frames: Type.Optional(
      Type.Array(Type.Object({ captureId: Uuid, mark: Type.Union([Type.Literal('blank'), Type.Literal('human')]) }, { additionalProperties: false }), { maxItems: 1000 }),
    ),
  },
  { additionalProperties: false },
);
type ReviewBody = Static<typeof ReviewBody>;
const TaxaQuery = Type.Object({ q: Type.String({ maxLength: 200, default: '' }), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false });
type TaxaQuery = Static<typeof TaxaQuery>;
const DecisionsQuery = Type.Object(
  { individualId: Type.Optional(Uuid), sightingId: Type.Optional(Uuid), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);
type DecisionsQuery = Static<typeof DecisionsQuery>;
const LimitQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }, { additionalProperties: false });
type LimitQuery = Static<typeof LimitQuery>;

/** The console's review side: the sighting queue, species review, taxa search and the identity read models. */
export function reviewRoutes(app: FastifyInstance, deps: { sql: Queryable; gallery: Gallery; authorize: Authorize; errors: Record<number, TSchema> }): void {
  const { authorize, errors, gallery } = deps;
  const queue = new SightingQueue(deps.sql);
  const views = new IdentityViews(deps.sql);

  app.get<{ Querystring: QueueQuery }>(
    '/api/sightings',
    { onRequest: authorize(READ), schema: { tags: ['sightings'], querystring: QueueQuery, response: { 200: QueuePage, ...errors } } },
    async (req) => {
      if (req.query.cursor !== undefined && req.query.offset !== undefined) throw HubErrors.SPOOR_E_BAD_REQUEST('use either offset or cursor, not both');
      return queue.list(req.query);
    },
  );

  app.get<{ Params: SightingParams }>(
    '/api/sightings/:id',
    { onRequest: authorize(READ), schema: { tags: ['sightings'], params: SightingParams, response: { 200: Any, ...errors } } },
    async (req) => {
      const s = await queue.get(req.params.id);
      if (!s) throw HubErrors.SPOOR_E_NOT_FOUND(`sighting ${req.params.id}`);
      return s;
    },
  );

  app.post<{ Params: IdParams; Body: ReviewBody }>(
    '/api/sightings/:id/review',
    {
      onRequest: authorize(DECIDE),
      schema: { tags: ['sightings'], params: IdParams, body: ReviewBody, response: { 200: Type.Object({ version: Type.Integer(), decisionId: Type.String() }), ...errors } },
    },
    async (req) => {
      const { expectedVersion, detections, frames } = req.body;
      // Straight to the decisions: a species review changes no individual, so there is no delta to publish.
      const r = await gallery.decisions.review(req.actor ?? 'unknown', req.params.id, expectedVersion, { detections, frames });
      const now = await queue.get(req.params.id);
      return { version: now?.version ?? expectedVersion + 1, decisionId: r.decisionId };
    },
  );

  app.get<{ Querystring: TaxaQuery }>(
    '/api/taxa',
    {
      onRequest: authorize(READ),
      schema: {
        tags: ['sightings'],
        querystring: TaxaQuery,
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ label: Type.String(), rank: Type.String(), count: Type.Integer(), common: Type.Union([Type.String(), Type.Null()]) })) }), ...errors },
      },
    },
    async (req) => ({ items: await searchTaxa(deps.sql, req.query.q, req.query.limit) }),
  );

  app.get<{ Params: IdParams }>(
    '/api/proposals/:id',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], params: IdParams, response: { 200: Any, ...errors } } },
    async (req) => views.proposal(req.params.id),
  );

  app.get<{ Querystring: DecisionsQuery }>(
    '/api/decisions',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], querystring: DecisionsQuery, response: { 200: Type.Object({ items: Type.Array(Any) }), ...errors } } },
    async (req) => ({ items: await views.decisions(req.query) }),
  );

  app.get<{ Params: IdParams; Querystring: LimitQuery }>(
    '/api/individuals/:id/sightings',
    { onRequest: authorize(READ), schema: { tags: ['gallery'], params: IdParams, querystring: LimitQuery, response: { 200: Any, ...errors } } },
    async (req) => views.individualSightings(req.params.id, req.query.limit),
  );
}
