import { isSpoorError } from '@spoor/protocol';
import { loadAddon, type NativeAddon } from './addon.js';
import { NativeErrors } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * sd_notify(3): send `state` (e.g. "READY=1\nSTATUS=...") to `$NOTIFY_SOCKET` as one
 * datagram. Returns false, doing nothing, when `$NOTIFY_SOCKET` is unset (not started by
 * systemd with Type=notify). Throws SPOOR_E_NOTIFY_FAILED when the socket is unreachable,
 * SPOOR_E_NATIVE_NOT_BUILT when the addon is missing.
 */
export function sdNotify(state: string, env: Env = process.env, addon: NativeAddon = loadAddon()): boolean {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return false;
  try {
    return addon.notify(socket, state);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw NativeErrors.SPOOR_E_NOTIFY_FAILED(`${(err as Error).message}${code ? ` (${code})` : ''}`, { cause: err });
  }
}

/**
 * The watchdog interval systemd asked for (WatchdogSec=), in microseconds; null when the
 * watchdog is off or meant for another process (`WATCHDOG_PID` names a different pid).
 */
export function watchdogUsec(env: Env = process.env, pid: number = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return usec;
}

export interface Notifier {
  /** False when no service manager listens (no NOTIFY_SOCKET, or no addon). */
  readonly enabled: boolean;
  ready(status?: string): boolean;
  status(status: string): boolean;
  watchdog(): boolean;
  stopping(status?: string): boolean;
}

/**
 * A notifier for a daemon: never throws. Without `$NOTIFY_SOCKET` every call is a no-op
 * returning false. With it but without the addon, it warns once and is a no-op. A send
 * that fails is reported through `warn` (once per distinct message) and returns false.
 */
export function createNotifier(opts: { env?: Env; warn?: (msg: string, err: unknown) => void; load?: () => NativeAddon } = {}): Notifier {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((msg) => process.emitWarning(msg));
  let addon: NativeAddon | null = null;
  if (env.NOTIFY_SOCKET) {
    try {
      addon = (opts.load ?? loadAddon)();
    } catch (err) {
      warn(`sd_notify is off: ${(err as Error).message}${isSpoorError(err) && err.hint ? ` (${err.hint})` : ''}`, err);
    }
  }
  const warned = new Set<string>();
  const send = (state: string): boolean => {
    if (!addon) return false;
    try {
      return sdNotify(state, env, addon);
    } catch (err) {
      const msg = (err as Error).message;
      if (!warned.has(msg)) {
        warned.add(msg);
        warn(msg, err);
      }
      return false;
    }
  };
  const line = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return {
    enabled: addon !== null,
    ready: (status) => send(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${line(status)}`),
    status: (status) => send(`STATUS=${line(status)}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (status) => send(status === undefined ? 'STOPPING=1' : `STOPPING=1\nSTATUS=${line(status)}`),
  };
}
