import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:console` puts the console, relative to this file (src/http or dist/http). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

/** Paths the console must never answer for: the API and the hub's own pages keep their 404s. */
const RESERVED = /^\/(api|docs|health|ready|metrics)(\/|$|\?)/;

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Spoor hub</title>
<body style="font: 17px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Spoor hub</h1><p>The review console is not built. Run <code>npm run build:console</code> (part of <code>npm run build</code>), then reload.</p>
<p>The API is up: <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * Serve the built review console (cloud/console/dist) at `/`. Its files hold no data, so
 * they are public; everything they show comes from `/api/*`, which needs a session or a
 * token. Unknown non-API paths get index.html (the console routes with `#/…`, but a
 * reload of a deep link must still land on it).
 */
export async function consoleRoutes(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): Promise<void> {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.log.warn({ dir }, 'console not built (npm run build:console); / explains how');
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html', wildcard: false, cacheControl: false });
    scope.get('/*', { schema: { hide: true } }, async (req, reply) => {
      if (RESERVED.test(req.url)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
}
