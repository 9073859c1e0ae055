import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildCamtrapDp } from '../export/camtrap.js';
import type { Store } from '../store/store.js';
import type { Role } from '../store/tokens.js';

export const ExportBody = Type.Object(
  {
    /** Coordinates per deployment (device id); Camtrap DP requires them and the hub does not know them. */
    locations: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { latitude: Type.Number({ minimum: -90, maximum: 90 }), longitude: Type.Number({ minimum: -180, maximum: 180 }), locationName: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type ExportBody = Static<typeof ExportBody>;

/** Exports are published data: reviewers and admins make them, like `POST /api/exports`. */
const EXPORTERS: readonly Role[] = ['admin', 'reviewer'];

/** Exports: the files as strings, for the CLI to write (the data stays behind the hub's lock). */
export function exportRoutes(
  app: FastifyInstance,
  deps: { store: Store; authorize: (roles: readonly Role[]) => (req: FastifyRequest) => Promise<void>; errors: Record<number, TSchema> },
): void {
  app.post<{ Body: ExportBody | undefined }>(
    '/api/export/camtrap-dp',
    { onRequest: deps.authorize(EXPORTERS), schema: { tags: ['export'], body: Type.Optional(ExportBody), response: { 200: Type.Object({}, { additionalProperties: true }), ...deps.errors } } },
    async (req) => buildCamtrapDp(deps.store.sql, req.body?.locations ? { locations: req.body.locations } : {}),
  );
}
