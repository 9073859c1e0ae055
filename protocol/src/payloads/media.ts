import { Type, type Static } from '@sinclair/typebox';
import { CropFeatures, MAX_CROP_FEATURES_JSON_BYTES } from '../keypoints.js';

const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });

/** The largest image one media message may carry (raw bytes, before base64). */
export const MAX_MEDIA_BYTES = 3 * 1024 * 1024;
/** The largest `d/{d}/media` message: the base64 of MAX_MEDIA_BYTES, the largest keypoint set, and room for the fields. */
export const MAX_MEDIA_PAYLOAD_BYTES = Math.ceil(MAX_MEDIA_BYTES / 3) * 4 + MAX_CROP_FEATURES_JSON_BYTES + 4096;

export const MediaKind = Type.Union([Type.Literal('crop'), Type.Literal('frame')]);
export type MediaKind = Static<typeof MediaKind>;

/**
 * `d/{d}/media`: one image of a sighting, sent in `crops` (a crop per detection) or `full`
 * (crops plus each downscaled frame) bandwidth mode. Person regions are blurred on the
 * device before it leaves (`sync.blurPersons`). `id` is a UUIDv7 made on the device, so a
 * resend is idempotent; the hub checks `sha256` against the decoded bytes and receipts `id`.
 * A crop of an animal the device ran local-feature ReID on also carries those keypoints
 * (`features`), so the hub can draw which regions of two crops match.
 */
export const MediaPayload = Type.Object(
  {
    v: Type.Literal(1),
    id: Uuid,
    deviceId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    sightingId: Uuid,
    captureId: Uuid,
    kind: MediaKind,
    /** Index into the sighting's `detections` (as the device stored them) for a crop; null for a frame. */
    detectionIdx: Type.Union([Type.Integer({ minimum: 0, maximum: 4999 }), Type.Null()]),
    contentType: Type.Literal('image/jpeg'),
    width: Type.Integer({ minimum: 1, maximum: 16_384 }),
    height: Type.Integer({ minimum: 1, maximum: 16_384 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** The JPEG, base64. */
    bytes: Type.String({ minLength: 4, maxLength: Math.ceil(MAX_MEDIA_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    /** Crops only: the ORB keypoints and descriptors ReID used on this animal. */
    features: Type.Optional(CropFeatures),
  },
  { additionalProperties: false },
);
export type MediaPayload = Static<typeof MediaPayload>;
