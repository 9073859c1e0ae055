/**
 * The inbox trigger: hands each new file in a folder to `onFile`, once it has stopped
 * changing.
 *
 * Polling is the source of truth (fs.watch misses events on SD, FUSE and network
 * mounts); fs.watch only makes us look sooner. A file is taken when its size and mtime
 * have not changed across `stableMs` of our own observations, so a camera or FTP upload
 * still writing it is left alone. Files go one at a time, oldest mtime first. A file
 * whose `onFile` rejects is retried later with exponential backoff while the others go
 * on. A file `onFile` left in place is not handed again until it changes.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export interface WatchFolderOptions {
  dir: string;
  /** How long size and mtime must stay unchanged before a file is taken. Default 2000. */
  stableMs?: number;
  /** How often the folder is listed. Default 1000. */
  pollMs?: number;
  /** First retry delay after `onFile` rejects; doubles per failure up to 10 min. Default 5000. */
  retryMs?: number;
  onFile: (path: string) => Promise<void>;
  logger?: Logger;
  /** Return true to skip a file name (on top of the built-in partial-file patterns). */
  ignore?: (name: string) => boolean;
}

/** Dotfiles (rsync/scp temp names) and partial downloads are never taken. */
const PARTIAL = /^\.|\.(part|tmp|crdownload)$/i;
const MAX_RETRY_MS = 10 * 60_000;

interface Seen {
  size: number;
  mtimeMs: number;
  /** When we first saw the current size and mtime. */
  since: number;
  failures: number;
  retryAt: number;
  /** Set after onFile resolved for this size and mtime. */
  handled: boolean;
}

export class WatchFolder {
  readonly #dir: string;
  readonly #stableMs: number;
  readonly #pollMs: number;
  readonly #retryMs: number;
  readonly #onFile: (path: string) => Promise<void>;
  readonly #ignore: (name: string) => boolean;
  readonly #log: Logger;
  readonly #seen = new Map<string, Seen>();
  #running = false;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #wake: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #pumping: Promise<void> | undefined;

  constructor(opts: WatchFolderOptions) {
    this.#dir = opts.dir;
    this.#stableMs = opts.stableMs ?? 2000;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#retryMs = opts.retryMs ?? 5000;
    this.#onFile = opts.onFile;
    const ignore = opts.ignore;
    this.#ignore = (name) => PARTIAL.test(name) || (ignore?.(name) ?? false);
    this.#log = (opts.logger ?? pino({ level: 'silent' })).child({ module: 'watch-folder' });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    await mkdir(this.#dir, { recursive: true });
    this.#running = true;
    try {
      this.#watcher = watch(this.#dir, () => void this.#tick());
      this.#watcher.on('error', (err) => {
        this.#log.warn({ err, dir: this.#dir }, 'fs.watch failed; polling only');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (err) {
      this.#log.warn({ err, dir: this.#dir }, 'fs.watch unavailable; polling only');
    }
    this.#poll = setInterval(() => void this.#tick(), this.#pollMs);
    await this.#tick();
    this.#log.info({ dir: this.#dir, stableMs: this.#stableMs }, 'watching inbox');
  }

  /** Stop watching; resolves once the file being handled (if any) is done. */
  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#poll);
    clearTimeout(this.#wake);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#ticking;
    await this.#pumping;
  }

  /** Rescan the folder; overlapping calls fold into one extra pass. */
  #tick(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    if (this.#ticking !== undefined) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        await this.#scan();
      } while (this.#again && this.#running);
      this.#startPump();
    })()
      .catch((err: unknown) => this.#log.error({ err, dir: this.#dir }, 'inbox scan failed'))
      .finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #scan(): Promise<void> {
    const now = Date.now();
    const present = new Set<string>();
    for (const entry of await readdir(this.#dir, { withFileTypes: true })) {
      if (!entry.isFile() || this.#ignore(entry.name)) continue;
      present.add(entry.name);
      const st = await stat(join(this.#dir, entry.name)).catch(() => undefined);
      if (st === undefined) continue; // gone between readdir and stat
      this.#observe(entry.name, st.size, st.mtimeMs, now);
    }
    for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);
    this.#scheduleWake(now);
  }

  #observe(name: string, size: number, mtimeMs: number, now: number): Seen {
    const seen = this.#seen.get(name);
    if (seen === undefined) {
      const fresh: Seen = { size, mtimeMs, since: now, failures: 0, retryAt: 0, handled: false };
      this.#seen.set(name, fresh);
      return fresh;
    }
    if (seen.size !== size || seen.mtimeMs !== mtimeMs) Object.assign(seen, { size, mtimeMs, since: now, handled: false });
    return seen;
  }

  /** Look again just when the next file turns stable, if that is before the next poll. */
  #scheduleWake(now: number): void {
    let due = Infinity;
    for (const s of this.#seen.values()) {
      const at = Math.max(s.since + this.#stableMs, s.retryAt);
      if (!s.handled && at > now) due = Math.min(due, at); // files already due are the pump's
    }
    clearTimeout(this.#wake);
    if (due - now < this.#pollMs) this.#wake = setTimeout(() => void this.#tick(), due - now + 5);
  }

  #startPump(): void {
    if (this.#pumping !== undefined || !this.#running) return;
    this.#pumping = this.#pump().finally(() => (this.#pumping = undefined));
  }

  async #pump(): Promise<void> {
    for (let next = this.#nextReady(); next !== undefined && this.#running; next = this.#nextReady()) {
      const [name, seen] = next;
      const path = join(this.#dir, name);
      // The last scan may be up to pollMs old: make sure the file is still as we saw it.
      const st = await stat(path).catch(() => undefined);
      if (st === undefined) {
        this.#seen.delete(name);
        continue;
      }
      if (this.#observe(name, st.size, st.mtimeMs, Date.now()) !== seen || seen.since > Date.now() - this.#stableMs) continue;
      try {
        await this.#onFile(path);
        Object.assign(seen, { handled: true, failures: 0, retryAt: 0 });
      } catch (err) {
        seen.failures += 1;
        const delay = Math.min(this.#retryMs * 2 ** (seen.failures - 1), MAX_RETRY_MS);
        seen.retryAt = Date.now() + delay;
        this.#log.warn({ err, path, failures: seen.failures, retryInMs: delay }, 'inbox file failed; will retry');
      }
    }
  }

  /** The stable, unhandled file with the oldest mtime (then name), if any. */
  #nextReady(): [string, Seen] | undefined {
    const now = Date.now();
    let best: [string, Seen] | undefined;
    for (const [name, s] of this.#seen) {
      if (s.handled || now - s.since < this.#stableMs || now < s.retryAt) continue;
      if (best === undefined || s.mtimeMs < best[1].mtimeMs || (s.mtimeMs === best[1].mtimeMs && name < best[0])) best = [name, s];
    }
    return best;
  }
}
