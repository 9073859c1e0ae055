import { Codec } from '../codec.js';
import { CmdPayload, ConfigPayload, ReceiptPayload, StatsPayload, StatusPayload } from './control.js';
import { GalleryDeltaPayload } from './gallery.js';
import { MAX_MEDIA_PAYLOAD_BYTES, MediaPayload } from './media.js';
import { SightingPayload } from './sighting.js';

export * from './control.js';
export * from './sighting.js';
export * from './gallery.js';
export * from './media.js';

/** One compiled codec per payload kind; both ends use these. */
export const codecs = {
  sighting: new Codec(SightingPayload),
  receipt: new Codec(ReceiptPayload),
  status: new Codec(StatusPayload),
  stats: new Codec(StatsPayload),
  config: new Codec(ConfigPayload),
  cmd: new Codec(CmdPayload),
  gallery: new Codec(GalleryDeltaPayload),
  media: new Codec(MediaPayload, MAX_MEDIA_PAYLOAD_BYTES),
} as const;
