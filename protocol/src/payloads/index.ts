import { Codec } from '../codec.js';
import { CmdPayload, ConfigPayload, ReceiptPayload, StatsPayload, StatusPayload } from './control.js';
import { GalleryDeltaPayload } from './gallery.js';
import { SightingPayload } from './sighting.js';

export * from './control.js';
export * from './sighting.js';
export * from './gallery.js';

/** One compiled codec per payload kind; both ends use these. */
export const codecs = {
  sighting: new Codec(SightingPayload),
  receipt: new Codec(ReceiptPayload),
  status: new Codec(StatusPayload),
  stats: new Codec(StatsPayload),
  config: new Codec(ConfigPayload),
  cmd: new Codec(CmdPayload),
  gallery: new Codec(GalleryDeltaPayload),
} as const;
