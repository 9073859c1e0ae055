import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../store/sql.js';
import { StatsQueries } from '../store/stats.js';
import { READ, type Authorize } from './auth.js';

const From = Type.Optional(Type.String({ format: 'date-time' }));
const OverTimeQuery = Type.Object({ bucket: Type.Union([Type.Literal('day'), Type.Literal('week')], { default: 'day' }), from: From, to: From }, { additionalProperties: false });
type OverTimeQuery = Static<typeof OverTimeQuery>;
const DielQuery = Type.Object(
  { species: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -840, maximum: 840 })), from: From, to: From },
  { additionalProperties: false },
);
type DielQuery = Static<typeof DielQuery>;
const RangeQuery = Type.Object({ from: From, to: From }, { additionalProperties: false });
type RangeQuery = Static<typeof RangeQuery>;

/** Plots: sightings over time per species, diel activity, detections per device. */
export function statsRoutes(app: FastifyInstance, deps: { sql: Queryable; authorize: Authorize; errors: Record<number, TSchema> }): void {
  const { authorize, errors } = deps;
  const stats = new StatsQueries(deps.sql);
  app.get<{ Querystring: OverTimeQuery }>(
    '/api/stats/sightings-over-time',
    {
      onRequest: authorize(READ),
      schema: { tags: ['stats'], querystring: OverTimeQuery, response: { 200: Type.Object({ items: Type.Array(Type.Object({ t: Type.String(), species: Type.String(), count: Type.Integer() })) }), ...errors } },
    },
    async (req) => ({ items: await stats.sightingsOverTime(req.query) }),
  );
  app.get<{ Querystring: DielQuery }>(
    '/api/stats/diel',
    {
      onRequest: authorize(READ),
      schema: { tags: ['stats'], querystring: DielQuery, response: { 200: Type.Object({ species: Type.Union([Type.String(), Type.Null()]), hours: Type.Array(Type.Integer(), { minItems: 24, maxItems: 24 }) }), ...errors } },
    },
    async (req) => stats.diel(req.query),
  );
  app.get<{ Querystring: RangeQuery }>(
    '/api/stats/detections-per-device',
    {
      onRequest: authorize(READ),
      schema: { tags: ['stats'], querystring: RangeQuery, response: { 200: Type.Object({ items: Type.Array(Type.Object({ deviceId: Type.String(), detections: Type.Integer(), sightings: Type.Integer() })) }), ...errors } },
    },
    async (req) => ({ items: await stats.detectionsPerDevice(req.query) }),
  );
}
