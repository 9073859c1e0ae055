import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { errorReply } from '@spoor/protocol';
import { HubErrors } from '../errors.js';
import { Gallery } from '../gallery/gallery.js';
import { DEFAULT_MATCH_SETTINGS } from '../gallery/matching.js';
import { galleryRoutes } from './gallery-routes.js';
import { exportRoutes } from './export-routes.js';
import { consoleRoutes } from './console-routes.js';
import { mediaRoutes } from './media-routes.js';
import { InvitationRepo } from '../store/invitations.js';
import { SessionRepo } from '../store/sessions.js';
import type { Store } from '../store/store.js';
import { UserRepo } from '../store/users.js';
import { ADMIN, makeAuthorize } from './auth.js';
import { authRoutes, DEFAULT_LOGIN_LIMIT, type RateLimit } from './auth-routes.js';
import { fleetRoutes } from './fleet-routes.js';
import { reviewRoutes } from './review-routes.js';
import { statsRoutes } from './stats-routes.js';
import { exportJobRoutes } from './export-job-routes.js';
import { userRoutes } from './user-routes.js';
import type { HubMetrics } from '../system/metrics.js';
import {
  Device,
  DeviceBody,
  DeviceCredentials,
  DeviceParams,
  ErrorReply,
  TokenBody,
} from './schemas.js';

export interface AppDeps {
  logger: Logger;
  store: Store;
  metrics: HubMetrics;
  /** Broker state for /ready and /metrics; absent when the hub uses an external broker. */
  broker?: { isListening(): boolean; connectedClients(): number; revoke(deviceId: string): void; forget?(deviceId: string): void } | undefined;
  ingest?: { isConnected(): boolean; publish?(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void> } | undefined;
  /** The MQTT topic prefix (config push); default `spoor/v1`. */
  prefix?: string | undefined;
  /** The global gallery; a local one (no publishing) when absent. */
  gallery?: Gallery | undefined;
  /** An extra admin token held only in memory (the local CLI's, from hub.lock.json). */
  localAdminToken?: string | undefined;
  /** Sign-in attempts per client address and window (default 10 a minute). */
  loginLimit?: RateLimit | undefined;
  /** How long a console session lasts (default 7 days). */
  sessionTtlMs?: number | undefined;
  /** Called for every registered route (tests enumerate them). */
  onRoute?: ((route: RouteOptions) => void) | undefined;
}

/** Domain error codes → HTTP status. Anything else is a 500 whose message is not sent. */
const STATUS: Record<string, number> = {
  SPOOR_E_BAD_REQUEST: 400,
  SPOOR_E_CONFIG_INVALID: 400,
  SPOOR_E_DEVICE_CONFIG_INVALID: 400,
  SPOOR_E_UNAUTHORIZED: 401,
  SPOOR_E_FORBIDDEN: 403,
  SPOOR_E_CSRF: 403,
  SPOOR_E_RATE_LIMITED: 429,
  SPOOR_E_EXPORT_NOT_READY: 409,
  SPOOR_E_NOT_FOUND: 404,
  SPOOR_E_CONFLICT: 409,
  SPOOR_E_VERSION_CONFLICT: 409,
  SPOOR_E_DB_UNAVAILABLE: 503,
  SPOOR_E_MQTT_UNAVAILABLE: 503,
};

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 429: ErrorReply };

/** Build the hub HTTP API without listening (tests use `inject`, the hub calls `listen`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ mod: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const r = errorReply(err, STATUS);
    if (r.log) req.log.error({ err }, 'request failed');
    return reply.status(r.status).send(r.body);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Spoor hub API', version: '0.1.0', description: 'Sightings from the trap units, devices and API tokens.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'spoor_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  // swagger-ui serves its own bundled assets: the page works on a LAN with no internet.
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => HubErrors.SPOOR_E_RATE_LIMITED(`at most ${ctx.max} attempts per ${ctx.after}`),
  });

  const users = new UserRepo(deps.store.sql);
  const sessions = new SessionRepo(deps.store.sql, deps.sessionTtlMs);
  const invitations = new InvitationRepo(deps.store.sql);
  const authorize = makeAuthorize({ tokens: deps.store.tokens, sessions, localAdminToken: deps.localAdminToken });
  const loginLimit = deps.loginLimit ?? DEFAULT_LOGIN_LIMIT;
  authRoutes(app, { users, sessions, authorize, errors, loginLimit });
  userRoutes(app, { users, sessions, invitations, authorize, errors, acceptLimit: loginLimit });

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    const db = await deps.store.ping();
    const broker = deps.broker ? deps.broker.isListening() : true;
    const ingest = deps.ingest ? deps.ingest.isConnected() : true;
    const ready = db && broker && ingest;
    return reply.status(ready ? 200 : 503).send({ ready, db, broker, ingest });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const clients = deps.broker ? `# HELP spoor_hub_mqtt_connected_clients Clients connected to the embedded broker\n# TYPE spoor_hub_mqtt_connected_clients gauge\nspoor_hub_mqtt_connected_clients ${deps.broker.connectedClients()}\n` : '';
    return reply.type('text/plain; version=0.0.4').send(deps.metrics.registry.render() + clients);
  });

  const ingest = deps.ingest;
  fleetRoutes(app, {
    store: deps.store,
    prefix: deps.prefix ?? 'spoor/v1',
    publisher: ingest?.publish ? { publish: (topic, payload, opts) => ingest.publish?.(topic, payload, opts) ?? Promise.resolve() } : undefined,
    authorize,
    errors,
  });

  app.post<{ Body: DeviceBody }>(
    '/api/devices',
    { onRequest: authorize(ADMIN), schema: { tags: ['devices'], body: DeviceBody, response: { 201: DeviceCredentials, ...errors } } },
    async (req, reply) => reply.status(201).send(await deps.store.devices.add(req.body)),
  );

  app.post<{ Params: DeviceParams }>(
    '/api/devices/:id/revoke',
    { onRequest: authorize(ADMIN), schema: { tags: ['devices'], params: DeviceParams, response: { 200: Device, ...errors } } },
    async (req) => {
      const device = await deps.store.devices.revoke(req.params.id);
      deps.broker?.revoke(req.params.id);
      return device;
    },
  );

  app.post<{ Params: DeviceParams }>(
    '/api/devices/:id/rotate',
    { onRequest: authorize(ADMIN), schema: { tags: ['devices'], params: DeviceParams, response: { 200: DeviceCredentials, ...errors } } },
    async (req) => {
      const creds = await deps.store.devices.rotate(req.params.id);
      deps.broker?.forget?.(req.params.id);
      return creds;
    },
  );

  app.post<{ Body: TokenBody }>(
    '/api/tokens',
    {
      onRequest: authorize(ADMIN),
      schema: { tags: ['tokens'], body: TokenBody, response: { 201: Type.Object({ token: Type.String(), id: Type.String(), role: Type.String() }), ...errors } },
    },
    async (req, reply) => reply.status(201).send(await deps.store.tokens.add(req.body.role)),
  );

  const gallery = deps.gallery ?? new Gallery({ sql: deps.store.sql, settings: DEFAULT_MATCH_SETTINGS, prefix: deps.prefix ?? 'spoor/v1', logger: deps.logger });
  galleryRoutes(app, { gallery, authorize, errors });
  reviewRoutes(app, { sql: deps.store.sql, gallery, authorize, errors });
  statsRoutes(app, { sql: deps.store.sql, authorize, errors });
  exportJobRoutes(app, { store: deps.store, logger: deps.logger, authorize, errors });
  exportRoutes(app, { store: deps.store, authorize, errors });
  mediaRoutes(app, { store: deps.store, authorize, errors });

  await consoleRoutes(app);

  return app;
}
