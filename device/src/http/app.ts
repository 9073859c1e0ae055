import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errorReply } from '@spoor/protocol';
import type { Ingestor } from '../ingest/ingest.js';
import type { IndividualStore } from '../store/individuals.js';
import type { SightingStore } from '../store/sightings.js';
import { registerAuth, type Session } from './auth.js';
import type { PasswordStore } from './password.js';
import { registerPanel } from './panel.js';
import { registerPanelRoutes, type PanelRouteDeps } from './panel-routes.js';
import { registerIndividualRoutes, type IndividualRouteDeps } from './individuals-routes.js';
import { registerLive, type LiveDeps } from './live.js';
import { registerToolsRoutes, type ToolsDeps } from './tools-routes.js';

export interface AppDeps {
  logger: Logger;
  ingestor: Ingestor;
  sightings: SightingStore;
  individuals: IndividualStore;
  maxUploadBytes: number;
  /** Ready = models loaded and DB open; the daemon flips it. */
  isReady: () => boolean;
  status: () => Record<string, unknown>;
  onIngested: () => void;
  /** Panel sessions; pass one map to successive apps to keep them across an in-process restart. */
  sessions?: Map<string, Session>;
  /** The panel's admin password (config or set on first visit). */
  passwords: PasswordStore;
  /** Settings and photo routes for the panel; absent in tests that do not need them. */
  panel?: PanelRouteDeps;
  /** Enroll, rename and delete individuals; absent in tests that do not need them. */
  individualAdmin?: Omit<IndividualRouteDeps, 'individuals'>;
  /** The live status WebSocket (`/api/live`); absent in tests that do not need it. */
  live?: LiveDeps;
  /** The Tools page (uplink test, test shot, logs, backup, Camtrap DP, restart). */
  tools?: ToolsDeps;
  /** Built panel (device/panel/dist); null or missing serves no panel. */
  panelDir?: string | null;
  /** Called once per registered route (tests list them to prove each one needs auth). */
  onRoute?: (route: { method: string | string[]; url: string; public: boolean }) => void;
}

/** Domain error codes → HTTP status. Anything else is a 500 whose message is not sent. */
const STATUS: Record<string, number> = {
  SPOOR_E_NOT_FOUND: 404,
  SPOOR_E_CONFIG_INVALID: 400,
  SPOOR_E_BAD_REQUEST: 400,
  SPOOR_E_AUTH_REQUIRED: 401,
  SPOOR_E_ENROLL_NO_FEATURES: 422,
};

/** Build the device HTTP API without listening (tests use `inject`, the daemon calls `listen`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Request lines are noise on a trap unit; the http child logs warnings and errors only.
  const app = Fastify({ loggerInstance: deps.logger.child({ mod: 'http' }, { level: 'warn' }) as FastifyBaseLogger });
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes, files: 50 } });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const r = errorReply(err, STATUS);
    if (r.log) req.log.error({ err }, 'request failed');
    return reply.status(r.status).send(r.body);
  });

  if (deps.onRoute) {
    const onRoute = deps.onRoute;
    app.addHook('onRoute', (r) => onRoute({ method: r.method, url: r.url, public: r.config?.public === true }));
  }
  // Before the auth hook: the plugin's own onRequest hook must see a refused upgrade, or its socket stays open.
  if (deps.live) await app.register(websocket, { options: { maxPayload: 4096 } });
  const auth = registerAuth(app, { passwords: deps.passwords, ...(deps.sessions ? { sessions: deps.sessions } : {}) });
  if (deps.live) registerLive(app, deps.live, auth.hasSession);
  if (deps.panelDir) await registerPanel(app, deps.panelDir);

  app.get('/health', { config: { public: true } }, async () => ({ ok: true }));
  // Public too: a readiness probe for systemd/orchestrators; it says only whether models are loaded.
  app.get('/ready', { config: { public: true } }, async (_req, reply) => (deps.isReady() ? { ready: true } : reply.status(503).send({ ready: false })));
  app.get('/api/status', async () => deps.status());

  /** Upload one or more photos (multipart, any field name). Each is accounted for in the reply. */
  app.post('/api/captures', async (req, reply) => {
    if (!req.isMultipart()) return reply.status(415).send({ error: { code: 'SPOOR_E_BAD_REQUEST', message: 'send the photos as multipart/form-data' } });
    const results = [];
    for await (const part of req.files()) {
      const buf = await part.toBuffer();
      const outcome = await deps.ingestor.ingestBuffer(buf, { originalName: part.filename || 'upload', source: 'api' });
      results.push({ file: part.filename, ...outcome });
    }
    if (results.length === 0) return reply.status(400).send({ error: { code: 'SPOOR_E_BAD_REQUEST', message: 'no file in the request' } });
    deps.onIngested();
    const accepted = results.some((r) => r.kind !== 'quarantined');
    return reply.status(accepted ? 202 : 422).send({ results });
  });

  app.get<{ Querystring: { limit?: string; offset?: string; species?: string } }>('/api/sightings', async (req) => {
    const limit = clampInt(req.query.limit, 50, 1, 500);
    const offset = clampInt(req.query.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    return {
      items: deps.sightings.list({ limit, offset, ...(req.query.species ? { species: req.query.species } : {}) }),
      total: deps.sightings.count(),
    };
  });
  app.get<{ Params: { id: string } }>('/api/sightings/:id', async (req, reply) => {
    const s = deps.sightings.get(req.params.id);
    return s ?? reply.status(404).send({ error: { code: 'SPOOR_E_NOT_FOUND', message: `sighting ${req.params.id} not found` } });
  });
  app.get('/api/individuals', async () => ({ items: deps.individuals.list() }));
  if (deps.panel) registerPanelRoutes(app, deps.panel);
  if (deps.individualAdmin) registerIndividualRoutes(app, { individuals: deps.individuals, ...deps.individualAdmin });
  if (deps.tools) registerToolsRoutes(app, deps.tools);

  return app;
}

function clampInt(v: string | undefined, dflt: number, min: number, max: number): number {
  const n = v === undefined ? dflt : Number.parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
