import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { keypointCount, matchKeypoints } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Role } from '../store/tokens.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const IdParams = Type.Object({ id: Uuid });
type IdParams = Static<typeof IdParams>;
const PairParams = Type.Object({ id: Uuid, other: Uuid });
type PairParams = Static<typeof PairParams>;
const Point = Type.Tuple([Type.Number(), Type.Number()]);

export const KeypointMatches = Type.Object(
  {
    /** Keypoints each crop came with; null: none (no local-feature ReID on that animal, or the device does not send them). */
    a: Type.Object({ id: Type.String(), keypoints: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false }),
    b: Type.Object({ id: Type.String(), keypoints: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false }),
    /** Mutual nearest neighbours that passed the ratio test. */
    tentative: Type.Integer(),
    /** The matches one affine map explains, closest descriptors first; points are relative 0..1 of each image. */
    inliers: Type.Array(Type.Object({ a: Point, b: Point, distance: Type.Integer() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type KeypointMatches = Static<typeof KeypointMatches>;

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
    /** ORB keypoints that came with a crop, for `GET /api/media/:id/matches/:other`; null: none. */
    keypoints: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);

const READ: readonly Role[] = ['admin', 'reviewer', 'viewer'];

/**
 * Crops and frames the devices sent (`crops`/`full` bandwidth): the list of a sighting's
 * images, one image's bytes, and which keypoints of two crops match (identity review draws them).
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

  // Media never change, so neither does a pair's answer: keep the recent ones.
  const cache = new Map<string, KeypointMatches>();
  app.get<{ Params: PairParams }>(
    '/api/media/:id/matches/:other',
    {
      onRequest: deps.authorize(READ),
      schema: {
        tags: ['media'],
        params: PairParams,
        description:
          'Which ORB keypoints of two crops show the same spot: Hamming nearest neighbours both ways, the ratio test, then the affine RANSAC the devices verify ReID matches with. Only crops of animals the device ran local-feature ReID on carry keypoints.',
        response: { 200: KeypointMatches, ...deps.errors },
      },
    },
    async (req) => {
      const [a, b] = [req.params.id.toLowerCase(), req.params.other.toLowerCase()];
      const key = `${a}/${b}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const [ka, kb] = await Promise.all([deps.store.media.keypoints(a), deps.store.media.keypoints(b)]);
      if (ka === null) throw HubErrors.SPOOR_E_NOT_FOUND(`media ${a}`);
      if (kb === null) throw HubErrors.SPOOR_E_NOT_FOUND(`media ${b}`);
      const m = ka && kb ? matchKeypoints(ka.keypoints, kb.keypoints) : null;
      const reply: KeypointMatches = {
        a: { id: a, keypoints: ka ? keypointCount(ka.keypoints) : null },
        b: { id: b, keypoints: kb ? keypointCount(kb.keypoints) : null },
        tentative: m?.tentative ?? 0,
        inliers: m?.inliers ?? [],
      };
      if (cache.size >= 512) cache.delete(cache.keys().next().value as string);
      cache.set(key, reply);
      return reply;
    },
  );
}
