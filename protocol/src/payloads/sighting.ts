import { Type, type Static } from '@sinclair/typebox';

const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const IsoTime = Type.String({ format: 'date-time', maxLength: 40 });
const Prob = Type.Number({ minimum: 0, maximum: 1 });
const Label = Type.String({ minLength: 1, maxLength: 200 });

export const Decision = Type.Union([Type.Literal('known'), Type.Literal('new'), Type.Literal('uncertain')]);
export const DetectionCategory = Type.Union([Type.Literal('animal'), Type.Literal('person'), Type.Literal('vehicle')]);

/** An embedding on the wire: int8 (quantised, `scale` restores floats) or f32, base64. */
export const WireEmbedding = Type.Object(
  {
    dtype: Type.Union([Type.Literal('i8'), Type.Literal('f32')]),
    dim: Type.Integer({ minimum: 1, maximum: 4096 }),
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    data: Type.String({ maxLength: 32_768, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  },
  { additionalProperties: false },
);

export const Taxon = Type.Object({ label: Label, rank: Type.String({ maxLength: 32 }), p: Prob }, { additionalProperties: false });

/** A frame of the burst. In `metadata` bandwidth mode only the id and time are sent. */
export const SightingFrame = Type.Object(
  {
    captureId: Uuid,
    takenAt: IsoTime,
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    originalName: Type.Optional(Type.String({ maxLength: 255 })),
    width: Type.Optional(Type.Integer({ minimum: 1 })),
    height: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const SightingDetection = Type.Object(
  {
    captureId: Uuid,
    category: DetectionCategory,
    label: Label,
    /** Relative x, y, w, h in 0..1 of the frame (Camtrap DP). */
    bbox: Type.Tuple([Prob, Prob, Prob, Prob]),
    confidence: Prob,
    taxon: Type.Union([Taxon, Type.Null()]),
    top: Type.Union([Type.Array(Type.Object({ label: Label, p: Prob }, { additionalProperties: false }), { maxItems: 20 }), Type.Null()]),
    individual: Type.Optional(
      Type.Object(
        {
          id: Type.Union([Uuid, Type.Null()]),
          name: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
          decision: Decision,
          score: Prob,
          /** The hub's global id of the local individual, once the device has it from a gallery delta. */
          globalId: Type.Optional(Uuid),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SightingIndividual = Type.Object(
  {
    species: Label,
    /** The device's local individual id (devices never mint global ids). */
    id: Type.Union([Uuid, Type.Null()]),
    name: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    decision: Decision,
    score: Prob,
    /** The hub's global id of this local individual, once the device has it from a gallery delta (the device never mints one). */
    globalId: Type.Optional(Uuid),
    frames: Type.Integer({ minimum: 0 }),
    embedding: Type.Optional(WireEmbedding),
  },
  { additionalProperties: false },
);

/** `d/{d}/sighting`: one burst event with everything the device concluded about it. */
export const SightingPayload = Type.Object(
  {
    v: Type.Literal(1),
    id: Uuid,
    eventId: Uuid,
    deviceId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    cameraId: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    takenAt: IsoTime,
    endAt: IsoTime,
    frames: Type.Array(SightingFrame, { maxItems: 1000 }),
    detections: Type.Array(SightingDetection, { maxItems: 5000 }),
    individuals: Type.Array(SightingIndividual, { maxItems: 100 }),
    /** Ids of the `d/{d}/media` messages (crops, frames) made for this sighting, when already known (crops/full mode). */
    media: Type.Optional(Type.Array(Uuid, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);
export type SightingPayload = Static<typeof SightingPayload>;
