import { createHash } from 'node:crypto';
import { uuidv7, type CropFeatures, type MediaPayload } from '@spoor/protocol';

/** A real 16×12 baseline JPEG (made once with sharp; the hub has no image codec of its own). */
export const TINY_JPEG = Buffer.from(
  '/9j/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAMABADASIAAhEBAxEB/8QAFwAAAwEAAAAAAAAAAAAAAAAAAAEDBP/EACYQAAIBAgUCBwAAAAAAAAAAAAECAwQRABMhMUEFEhQjMlFScbH/xAAUAQEAAAAAAAAAAAAAAAAAAAAB/8QAHxEBAAEDBAMAAAAAAAAAAAAAARECMUEhUXHBobHR/9oADAMBAAIRAxEAPwASCE1K0CKRTo4ikt2hinfNDc3FjdXQbe3AxMytV05nUrHBHHmkqBq2VFMNARuYX/ft1UrRmNE0U+YRc+o+Fe+/yJONM0C1HUY+nFmWnzBEFBvZS9Sltb8HnAJTDlJ4Pr49mlaJaYJ3MvRbv//Z',
  'base64',
);

/** A valid media payload as a device sends it: a crop (with `detectionIdx`) or a frame of `sightingId`. */
export function makeMedia(deviceId: string, sightingId: string, opts: { kind?: 'crop' | 'frame'; detectionIdx?: number | null; jpeg?: Buffer; captureId?: string; features?: CropFeatures } = {}): MediaPayload {
  const jpeg = opts.jpeg ?? TINY_JPEG;
  const kind = opts.kind ?? 'crop';
  return {
    v: 1,
    id: uuidv7(),
    deviceId,
    sightingId,
    captureId: opts.captureId ?? uuidv7(),
    kind,
    detectionIdx: opts.detectionIdx === undefined ? (kind === 'crop' ? 0 : null) : opts.detectionIdx,
    contentType: 'image/jpeg',
    width: 16,
    height: 12,
    sha256: createHash('sha256').update(jpeg).digest('hex'),
    bytes: jpeg.toString('base64'),
    ...(opts.features ? { features: opts.features } : {}),
  };
}
