/** Sample wire payloads for protocol tests. */
import type { MediaPayload } from '../payloads/media.js';

/** A crop media message with `bytes` as given (base64 of a fill pattern by default). */
export function sampleMedia(bytes: string = Buffer.alloc(1024, 7).toString('base64')): MediaPayload {
  return {
    v: 1,
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    deviceId: 'trap-a',
    sightingId: '01890a5d-ac96-774b-bcce-b302099a8058',
    captureId: '01890a5d-ac96-774b-bcce-b302099a8059',
    kind: 'crop',
    detectionIdx: 0,
    contentType: 'image/jpeg',
    width: 512,
    height: 384,
    sha256: 'a'.repeat(64),
    bytes,
  };
}
