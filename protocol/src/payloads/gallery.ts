import { Type, type Static } from '@sinclair/typebox';

const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

/** A reference embedding of a global individual: int8, `scale` restores floats (see embedding.ts). */
export const GalleryRef = Type.Object(
  {
    dim: Type.Integer({ minimum: 1, maximum: 4096 }),
    scale: Type.Number({ exclusiveMinimum: 0 }),
    data: Type.String({ maxLength: 8_192, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  },
  { additionalProperties: false },
);

/**
 * The whole current state of one global individual. Applying it replaces what the device
 * holds for that id, so applying it twice changes nothing.
 */
export const GalleryUpsertOp = Type.Object(
  {
    op: Type.Literal('upsert'),
    individualId: Uuid,
    species: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    /** Which device-local individuals are this global one. */
    links: Type.Array(Type.Object({ deviceId: Id, localId: Uuid }, { additionalProperties: false }), { maxItems: 1000 }),
    refs: Type.Array(GalleryRef, { maxItems: 64 }),
  },
  { additionalProperties: false },
);

/** The individual is gone from the gallery (merged into another, or undone); removing twice is a no-op. */
export const GalleryRemoveOp = Type.Object(
  { op: Type.Literal('remove'), individualId: Uuid, mergedInto: Type.Optional(Type.Union([Uuid, Type.Null()])) },
  { additionalProperties: false },
);

export const GalleryOp = Type.Union([GalleryUpsertOp, GalleryRemoveOp]);
export type GalleryOp = Static<typeof GalleryOp>;

/**
 * `f/{f}/gallery` (QoS 1): one fleet gallery version. Versions increase by one per change;
 * a device that sees a gap reports its `gallery.version` in its retained status and the hub
 * answers on this topic: the missed deltas again, or a snapshot addressed to it (`to`). With
 * `snapshot: true` the ops are the whole gallery: drop what is not in it.
 */
export const GalleryDeltaPayload = Type.Object(
  {
    v: Type.Literal(1),
    fleetId: Id,
    version: Type.Integer({ minimum: 0 }),
    snapshot: Type.Optional(Type.Boolean()),
    /**
     * A catch-up answer addressed to one device (a snapshot for a device that was behind):
     * every other device of the fleet ignores it.
     */
    to: Type.Optional(Id),
    /** A snapshot too large for one message comes in parts 1..of of the same version; drop what is not in any part only after the last. */
    part: Type.Optional(Type.Object({ n: Type.Integer({ minimum: 1 }), of: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false })),
    ops: Type.Array(GalleryOp, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type GalleryDeltaPayload = Static<typeof GalleryDeltaPayload>;
