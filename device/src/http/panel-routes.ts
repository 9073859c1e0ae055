import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { SettingsService } from './settings.js';

export interface PanelRouteDeps {
  settings: SettingsService;
  /** Absolute path of a capture's stored photo, or null when there is no such capture. */
  captureBlob: (id: string) => string | null;
}

/** Routes the panel needs beyond the device API: settings and downscaled photos. */
export function registerPanelRoutes(app: FastifyInstance, deps: PanelRouteDeps): void {
  app.get('/api/settings', async () => deps.settings.view());

  app.put<{ Body: Record<string, unknown> }>('/api/settings', async (req, reply) => {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      return reply.status(400).send({ error: { code: 'SPOOR_E_BAD_REQUEST', message: 'send {"/path": value, ...} as JSON' } });
    }
    const r = await deps.settings.change(req.body);
    if (!r.ok) return reply.status(400).send({ error: { code: 'SPOOR_E_CONFIG_INVALID', message: 'some settings are invalid' }, fields: r.errors });
    return { ...deps.settings.view(), changed: r.changed };
  });

  /** A capture's photo, downscaled (`?w=`, 64–1600 px wide) as JPEG; boxes are drawn by the panel. */
  app.get<{ Params: { id: string }; Querystring: { w?: string } }>('/api/captures/:id/image', async (req, reply) => {
    const path = deps.captureBlob(req.params.id);
    if (!path) return reply.status(404).send({ error: { code: 'SPOOR_E_NOT_FOUND', message: `capture ${req.params.id} not found` } });
    const w = Math.min(1600, Math.max(64, Number.parseInt(req.query.w ?? '480', 10) || 480));
    const jpeg = await sharp(path, { limitInputPixels: 100_000_000 }).rotate().resize({ width: w, withoutEnlargement: true }).jpeg({ quality: 72 }).toBuffer();
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=86400').send(jpeg);
  });
}
