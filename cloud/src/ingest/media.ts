import { createHash } from 'node:crypto';
import { decodeCropFeatures, keypointCount, MAX_MEDIA_BYTES, type MediaPayload } from '@spoor/protocol';
import type { MediaRecord } from '../store/media.js';
import { jpegSize } from './jpeg.js';

/** Why a media message that passed the schema is still refused (counted in /metrics by code). */
export const MEDIA_REJECT = {
  deviceMismatch: 'SPOOR_E_PAYLOAD_DEVICE_MISMATCH',
  tooLarge: 'SPOOR_E_PAYLOAD_TOO_LARGE',
  sha256: 'SPOOR_E_MEDIA_SHA256',
  content: 'SPOOR_E_MEDIA_CONTENT',
  features: 'SPOOR_E_MEDIA_FEATURES',
} as const;

export type MediaCheck = { ok: true; record: MediaRecord } | { ok: false; code: (typeof MEDIA_REJECT)[keyof typeof MEDIA_REJECT]; reason: string };

/**
 * Check a decoded media payload against what it claims: it comes from the device of its
 * topic, its base64 is canonical, the image is within the size limit, the sha256 is that of
 * the bytes, the bytes are a JPEG of the stated width and height, and keypoints (crops
 * only) agree with their descriptors.
 */
export function checkMedia(p: MediaPayload, topicDeviceId: string): MediaCheck {
  if (p.deviceId !== topicDeviceId) return { ok: false, code: MEDIA_REJECT.deviceMismatch, reason: `payload deviceId ${p.deviceId}` };
  const data = Buffer.from(p.bytes, 'base64');
  if (data.toString('base64') !== p.bytes) return { ok: false, code: MEDIA_REJECT.content, reason: 'bytes is not canonical base64' };
  if (data.byteLength > MAX_MEDIA_BYTES) return { ok: false, code: MEDIA_REJECT.tooLarge, reason: `${data.byteLength} image bytes, limit ${MAX_MEDIA_BYTES}` };
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== p.sha256) return { ok: false, code: MEDIA_REJECT.sha256, reason: `sha256 of the bytes is ${sha}, the payload says ${p.sha256}` };
  const size = jpegSize(data);
  if (!size) return { ok: false, code: MEDIA_REJECT.content, reason: 'the bytes are not a JPEG' };
  if (size.width !== p.width || size.height !== p.height) return { ok: false, code: MEDIA_REJECT.content, reason: `the JPEG is ${size.width}×${size.height}, the payload says ${p.width}×${p.height}` };
  let keypoints: number | null = null;
  if (p.features) {
    if (p.kind !== 'crop') return { ok: false, code: MEDIA_REJECT.features, reason: 'only a crop carries keypoints' };
    const f = decodeCropFeatures(p.features);
    if (!f.ok) return { ok: false, code: MEDIA_REJECT.features, reason: f.reason };
    keypoints = keypointCount(f.keypoints);
  }
  return { ok: true, record: { payload: p, data, keypoints } };
}
