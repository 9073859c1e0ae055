import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../store/tokens.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

export const ErrorReply = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) }) });

export const DeviceBody = Type.Object(
  { deviceId: Id, fleetId: Type.Optional(Id), name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type DeviceBody = Static<typeof DeviceBody>;

export const DeviceCredentials = Type.Object({ deviceId: Type.String(), username: Type.String(), password: Type.String(), fleetId: Type.String() });

export const Device = Type.Object({
  deviceId: Type.String(),
  fleetId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  username: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
  status: Type.Unknown(),
});

export const DeviceParams = Type.Object({ id: Id });
export type DeviceParams = Static<typeof DeviceParams>;

export const TokenBody = Type.Object({ role: Type.Union(ROLES.map((r) => Type.Literal(r))) }, { additionalProperties: false });
export type TokenBody = Static<typeof TokenBody>;

export const SightingQuery = Type.Object(
  {
    deviceId: Type.Optional(Id),
    species: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type SightingQuery = Static<typeof SightingQuery>;

export const SightingParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type SightingParams = Static<typeof SightingParams>;

/** Sightings are returned exactly as the device sent them (protocol `SightingPayload`). */
export const SightingPage = Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })), total: Type.Integer() });
