import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serve the built panel (device/panel/dist) at `/`. Its files hold no data, so they are
 * public; everything they show comes from `/api/*`, which needs a session.
 */
export async function registerPanel(app: FastifyInstance, dir: string): Promise<void> {
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'panel not built (npm run build:panel); serving the API only');
    return;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (r) => {
      r.config = { ...r.config, public: true };
    });
    await scope.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html', wildcard: true, cacheControl: false });
  });
}

/** Where `npm run build:panel` puts the panel, relative to this file (src/http or dist/http). */
export const DEFAULT_PANEL_DIR = fileURLToPath(new URL('../../panel/dist', import.meta.url));
