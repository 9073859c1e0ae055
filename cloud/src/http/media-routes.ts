import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HubErrors } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Role } from '../store/tokens.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const IdParams = Type.Object({ id: Uuid });
type IdParams = Static<typeof IdParams>;

export const MediaItem = Type.Object(
  {
    id: Type.String(),
    captureId: Type.String(),
    kind: Type.Union([Type.Literal('crop'), Type.Literal('frame')]),
    /** Index into the sighting's detections for a crop; null for a frame. */
    detectionIdx: Type.Union([Type.Integer(), Type.Null()]),
    width: Type.Integer(),
    height: Type.Integer(),
    contentType: Type.String(),
    /** Size of the image in bytes; `GET /api/media/:id` returns the image itself. */
    bytes: Type.Integer(),
  },
  { additionalProperties: false },
);

const READ: readonly Role[] = ['admin', 'reviewer', 'viewer'];

/**
 * Crops and frames the devices sent (`crops`/`full` bandwidth). The review console uses
 * exactly these two routes: the list of a sighting's images, and one image's bytes.
 */
export function mediaRoutes(
  app: FastifyInstance,
  deps: { store: Pick<Store, 'media'>; authorize: (roles: readonly Role[]) => (req: FastifyRequest) => Promise<void>; errors: Record<number, TSchema> },
): void {
  app.get<{ Params: IdParams }>(
    '/api/sightings/:id/media',
    {
      onRequest: deps.authorize(READ),
      schema: { tags: ['media'], params: IdParams, response: { 200: Type.Object({ items: Type.Array(MediaItem) }), ...deps.errors } },
    },
    async (req) => ({ items: await deps.store.media.listForSighting(req.params.id.toLowerCase()) }),
  );

  app.get<{ Params: IdParams }>(
    '/api/media/:id',
    {
      onRequest: deps.authorize(READ),
      schema: {
        tags: ['media'],
        params: IdParams,
        description: 'The image bytes, with their content type (image/jpeg). Ids never change content, so the reply may be cached.',
        response: { ...deps.errors },
      },
    },
    async (req, reply) => {
      const m = await deps.store.media.get(req.params.id.toLowerCase());
      if (!m) throw HubErrors.SPOOR_E_NOT_FOUND(`media ${req.params.id}`);
      return reply
        .type(m.contentType)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('etag', `"${m.sha256}"`)
        .header('content-length', m.data.byteLength)
        .send(m.data);
    },
  );
}
