import type { Logger } from 'pino';
import { codecs, fleetTopic } from '@spoor/protocol';
import type { ApplyOutcome, GlobalGallery } from '../reid/global-gallery.js';

/** What the relay needs from the gallery sync: one topic to subscribe to, messages in, the version for the retained status. */
export interface GalleryChannel {
  readonly topic: string;
  onMessage(payload: Buffer): void;
  state(): { fleetId: string; version: number };
  /** The relay's way to republish the retained status, which is how the device asks the hub to catch it up. */
  setRequester(request: () => void): void;
}

export interface GallerySyncDeps {
  global: GlobalGallery;
  prefix: string;
  logger: Logger;
  /** How often to ask again while still behind (the hub may have been down). */
  retryMs?: number;
  /** Each applied delta (tests, the panel's live view). */
  onApplied?: (outcome: Extract<ApplyOutcome, { kind: 'applied' }>) => void;
}

/**
 * The device side of the fleet gallery: deltas from `f/{fleet}/gallery` are validated with the
 * protocol codec and applied in version order (GlobalGallery). A version gap, or a device that
 * was offline through several versions, is caught up by the hub: the device's retained status
 * carries `gallery.version`, and a hub that is ahead answers on the fleet topic with the missed
 * deltas or a snapshot addressed to this device. Every (re)connect republishes that status.
 */
export class GallerySync implements GalleryChannel {
  readonly topic: string;
  private request: () => void = () => {};
  private behindSince: number | null = null;
  private lastAsk = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly deps: GallerySyncDeps) {
    this.topic = fleetTopic(deps.global.fleetId, deps.prefix);
    this.log = deps.logger;
  }

  start(): void {
    if (this.timer) return;
    const every = this.deps.retryMs ?? 30_000;
    this.timer = setInterval(() => {
      if (this.behindSince !== null) this.ask(true);
    }, every);
    this.timer.unref();
    this.log.info({ fleetId: this.deps.global.fleetId, version: this.deps.global.version() }, 'gallery sync started');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  setRequester(request: () => void): void {
    this.request = request;
  }

  state(): { fleetId: string; version: number } {
    return { fleetId: this.deps.global.fleetId, version: this.deps.global.version() };
  }

  /** Whether a gap was seen and not yet closed. */
  behind(): boolean {
    return this.behindSince !== null;
  }

  onMessage(payload: Buffer): void {
    const r = codecs.gallery.decode(payload);
    if (!r.ok) {
      this.log.warn({ code: r.code, reason: r.reason }, 'malformed gallery delta ignored');
      return;
    }
    const d = r.value;
    let outcome: ApplyOutcome;
    try {
      outcome = this.deps.global.apply(d);
    } catch (err) {
      // Nothing was committed (one transaction per delta): ask for it again rather than skip it.
      this.log.error({ err, version: d.version }, 'gallery delta could not be applied; asking the hub again');
      this.behindSince ??= Date.now();
      this.ask(false);
      return;
    }
    switch (outcome.kind) {
      case 'applied':
        this.log.info({ version: outcome.version, upserts: outcome.upserts, removes: outcome.removes, snapshot: outcome.snapshot }, 'gallery delta applied');
        this.behindSince = null;
        this.deps.onApplied?.(outcome);
        // The retained status now says the new version; the hub sees the device caught up.
        if (d.snapshot || d.to !== undefined) this.request();
        break;
      case 'gap':
        this.log.info({ have: outcome.have, got: outcome.got }, 'gallery versions missed; asking the hub to catch up');
        this.behindSince ??= Date.now();
        this.ask(false);
        break;
      case 'part':
        this.log.debug({ version: outcome.version, part: outcome.n, of: outcome.of }, 'gallery snapshot part applied');
        break;
      case 'duplicate':
      case 'ignored':
        break;
    }
  }

  /** Republish the status (at most every 5 s unless `force`): the hub answers what it shows. */
  private ask(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastAsk < 5_000) return;
    this.lastAsk = now;
    this.request();
  }
}
