import { Type, type Static } from '@sinclair/typebox';

const IsoTime = Type.String({ format: 'date-time', maxLength: 40 });
const DeviceId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

/** `d/{d}/receipt`: sighting ids the hub has committed to Postgres. Only then may the device drop them. */
export const ReceiptPayload = Type.Object(
  { v: Type.Literal(1), ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 10_000 }), committedAt: IsoTime },
  { additionalProperties: false },
);
export type ReceiptPayload = Static<typeof ReceiptPayload>;

/** `d/{d}/status` (retained; the last will is the `offline` form). */
export const StatusPayload = Type.Object(
  {
    v: Type.Literal(1),
    deviceId: DeviceId,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    at: IsoTime,
    versions: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 64 }))),
    models: Type.Optional(Type.Array(Type.Object({ id: Type.String({ maxLength: 128 }), provider: Type.String({ maxLength: 32 }) }), { maxItems: 16 })),
    queue: Type.Optional(Type.Object({ pending: Type.Integer({ minimum: 0 }) })),
    outbox: Type.Optional(Type.Object({ depth: Type.Integer({ minimum: 0 }), bytes: Type.Integer({ minimum: 0 }), oldestAt: Type.Union([IsoTime, Type.Null()]) })),
    lastSyncAt: Type.Optional(Type.Union([IsoTime, Type.Null()])),
    /** The global gallery version the device has applied; a hub that is ahead answers with what it missed. */
    gallery: Type.Optional(Type.Object({ fleetId: DeviceId, version: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })),
    config: Type.Optional(
      Type.Object({
        version: Type.Integer({ minimum: 0 }),
        state: Type.Union([Type.Literal('applied'), Type.Literal('rejected'), Type.Literal('local')]),
        reason: Type.Optional(Type.String({ maxLength: 2000 })),
      }),
    ),
  },
  { additionalProperties: false },
);
export type StatusPayload = Static<typeof StatusPayload>;

/** `d/{d}/stats` (QoS 0): periodic metrics. */
export const StatsPayload = Type.Object(
  {
    v: Type.Literal(1),
    at: IsoTime,
    uptimeSec: Type.Integer({ minimum: 0 }),
    captures: Type.Integer({ minimum: 0 }),
    sightings: Type.Integer({ minimum: 0 }),
    inferenceMs: Type.Object({ p50: Type.Number({ minimum: 0 }), p95: Type.Number({ minimum: 0 }) }),
    outboxDepth: Type.Integer({ minimum: 0 }),
    bytesSentToday: Type.Integer({ minimum: 0 }),
    diskFreeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type StatsPayload = Static<typeof StatsPayload>;

/** `d/{d}/config` (retained): the desired device config, validated on the device by its own schema. */
export const ConfigPayload = Type.Object(
  { v: Type.Literal(1), version: Type.Integer({ minimum: 1 }), config: Type.Record(Type.String(), Type.Unknown()) },
  { additionalProperties: false },
);
export type ConfigPayload = Static<typeof ConfigPayload>;

/** `d/{d}/cmd`: one-off commands. */
export const CmdPayload = Type.Object(
  {
    v: Type.Literal(1),
    id: Type.String({ minLength: 1, maxLength: 64 }),
    cmd: Type.Union([Type.Literal('reindex'), Type.Literal('resync'), Type.Literal('rotate-credentials')]),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CmdPayload = Static<typeof CmdPayload>;
