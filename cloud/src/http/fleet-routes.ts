import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { codecs, deviceTopic, TOPIC_QOS } from '@spoor/protocol';
import { checkConfigPush } from '@spoor/protocol/device-config';
import { HubErrors } from '../errors.js';
import { FleetRepo } from '../store/fleet.js';
import type { Store } from '../store/store.js';
import { ADMIN, READ, type Authorize } from './auth.js';
import { Device, DeviceParams } from './schemas.js';

/** The hub's own MQTT connection, as far as config push needs it. */
export interface Publisher {
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
}

const FleetDevice = Type.Composite([
  Device,
  Type.Object({
    online: Type.Boolean(),
    outbox: Type.Union([Type.Object({ depth: Type.Integer(), bytes: Type.Integer(), oldestAt: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    queue: Type.Union([Type.Object({ pending: Type.Integer() }), Type.Null()]),
    models: Type.Array(Type.Object({ id: Type.String(), provider: Type.String() })),
    versions: Type.Record(Type.String(), Type.String()),
    lastSyncAt: Type.Union([Type.String(), Type.Null()]),
    config: Type.Object({
      version: Type.Union([Type.Integer(), Type.Null()]),
      state: Type.String(),
      reason: Type.Union([Type.String(), Type.Null()]),
      desiredVersion: Type.Union([Type.Integer(), Type.Null()]),
      pushedAt: Type.Union([Type.String(), Type.Null()]),
      pushedBy: Type.Union([Type.String(), Type.Null()]),
    }),
    location: Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number() }), Type.Null()]),
  }),
]);
const ConfigBody = Type.Object({ config: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false });
type ConfigBody = Static<typeof ConfigBody>;

/** The fleet page: devices with their live status, and config push (retained, versioned). */
export function fleetRoutes(
  app: FastifyInstance,
  deps: { store: Store; prefix: string; publisher?: Publisher | undefined; authorize: Authorize; errors: Record<number, TSchema> },
): void {
  const { authorize, errors } = deps;
  const fleet = new FleetRepo(deps.store.sql, deps.store.devices);

  app.get('/api/devices', { onRequest: authorize(READ), schema: { tags: ['devices'], response: { 200: Type.Object({ items: Type.Array(FleetDevice) }), ...errors } } }, async () => ({
    items: await fleet.list(),
  }));

  app.get<{ Params: DeviceParams }>(
    '/api/devices/:id',
    { onRequest: authorize(READ), schema: { tags: ['devices'], params: DeviceParams, response: { 200: FleetDevice, ...errors } } },
    async (req) => {
      const d = await fleet.get(req.params.id);
      if (!d) throw HubErrors.SPOOR_E_NOT_FOUND(`device ${req.params.id}`);
      return d;
    },
  );

  app.get<{ Params: DeviceParams }>(
    '/api/devices/:id/config',
    {
      onRequest: authorize(READ),
      schema: { tags: ['devices'], params: DeviceParams, response: { 200: Type.Object({ version: Type.Union([Type.Integer(), Type.Null()]), config: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]) }), ...errors } },
    },
    async (req) => {
      if (!(await deps.store.devices.get(req.params.id))) throw HubErrors.SPOOR_E_NOT_FOUND(`device ${req.params.id}`);
      return (await fleet.desired(req.params.id)) ?? { version: null, config: null };
    },
  );

  app.post<{ Params: DeviceParams; Body: ConfigBody }>(
    '/api/devices/:id/config',
    { onRequest: authorize(ADMIN), schema: { tags: ['devices'], params: DeviceParams, body: ConfigBody, response: { 202: Type.Object({ version: Type.Integer(), topic: Type.String() }), ...errors } } },
    async (req, reply) => {
      const publisher = deps.publisher;
      if (!publisher) throw HubErrors.SPOOR_E_MQTT_UNAVAILABLE('this hub has no MQTT connection to push configs with');
      // The device's own schema (from protocol/): a push it would refuse is refused here, before it is retained.
      const check = checkConfigPush(req.body.config);
      if (!check.ok) throw HubErrors.SPOOR_E_DEVICE_CONFIG_INVALID(check.reason);
      const { version } = await fleet.setDesired(req.params.id, req.body.config, req.actor ?? 'unknown');
      const topic = deviceTopic('config', req.params.id, deps.prefix);
      // Retained: a device that is offline now gets it when it next connects. The device validates it and reports back in its status.
      await publisher.publish(topic, codecs.config.encode({ v: 1, version, config: req.body.config }), TOPIC_QOS.config);
      req.log.info({ deviceId: req.params.id, version, by: req.actor }, 'config pushed');
      return reply.status(202).send({ version, topic });
    },
  );
}
