import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { HubErrors } from '../errors.js';
import { ExportJobs } from '../export/jobs.js';
import type { Store } from '../store/store.js';
import { DECIDE, READ, type Authorize } from './auth.js';
import { ExportBody } from './export-routes.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const JobBody = Type.Object(
  {
    format: Type.Literal('camtrap-dp'),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    locations: ExportBody.properties.locations,
  },
  { additionalProperties: false },
);
type JobBody = Static<typeof JobBody>;
const Params = Type.Object({ id: Uuid });
type Params = Static<typeof Params>;
const Job = Type.Object({
  id: Type.String(),
  format: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  done: Type.Integer(),
  total: Type.Integer(),
  error: Type.Optional(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  bytes: Type.Union([Type.Integer(), Type.Null()]),
  params: Type.Object({ from: Type.Union([Type.String(), Type.Null()]), to: Type.Union([Type.String(), Type.Null()]) }),
});

/** Camtrap DP exports with progress: start one, poll it, download the zip. */
export function exportJobRoutes(app: FastifyInstance, deps: { store: Store; logger: Logger; authorize: Authorize; errors: Record<number, TSchema> }): void {
  const { authorize, errors } = deps;
  const jobs = new ExportJobs(deps.store.sql, deps.store.devices, deps.logger.child({ mod: 'export' }));
  app.addHook('onReady', async () => {
    await jobs.recover();
  });
  app.addHook('onClose', async () => jobs.stop());

  app.post<{ Body: JobBody }>(
    '/api/exports',
    { onRequest: authorize(DECIDE), schema: { tags: ['export'], body: JobBody, response: { 202: Type.Object({ id: Type.String() }), ...errors } } },
    async (req, reply) => {
      if (req.body.from && req.body.to && Date.parse(req.body.from) >= Date.parse(req.body.to)) throw HubErrors.SPOOR_E_BAD_REQUEST('`from` must be before `to`');
      return reply.status(202).send(await jobs.start(req.body, req.actor ?? 'unknown'));
    },
  );
  app.get('/api/exports', { onRequest: authorize(READ), schema: { tags: ['export'], response: { 200: Type.Object({ items: Type.Array(Job) }), ...errors } } }, async () => ({
    items: await jobs.list(),
  }));
  app.get<{ Params: Params }>('/api/exports/:id', { onRequest: authorize(READ), schema: { tags: ['export'], params: Params, response: { 200: Job, ...errors } } }, async (req) => {
    const j = await jobs.get(req.params.id);
    if (!j) throw HubErrors.SPOOR_E_NOT_FOUND(`export ${req.params.id}`);
    return j;
  });
  app.get<{ Params: Params }>(
    '/api/exports/:id/download',
    { onRequest: authorize(READ), schema: { tags: ['export'], params: Params, response: { 200: Type.Unknown({ description: 'application/zip' }), ...errors } } },
    async (req, reply) => {
      const zip = await jobs.download(req.params.id);
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="spoor-camtrap-dp-${req.params.id}.zip"`)
        .send(zip);
    },
  );
}
