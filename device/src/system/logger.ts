import pino, { type Logger } from 'pino';
import { LogRing } from './log-ring.js';

const rings = new WeakMap<Logger, LogRing>();

/**
 * The root logger. Logs go to stderr so that `--json` output on stdout stays machine-readable,
 * and into an in-memory ring (see `logRingOf`) that the panel offers as a download.
 */
export function createLogger(level: string, opts: { quiet?: boolean } = {}): Logger {
  const ring = new LogRing();
  const lvl = opts.quiet ? 'warn' : level;
  const logger = pino(
    {
      level: lvl,
      base: { svc: 'spoor-device' },
      redact: { paths: ['*.password', '*.token', 'cloud.password', 'config.cloud.password'], censor: '[redacted]' },
    },
    pino.multistream([
      { level: lvl as pino.Level, stream: pino.destination({ fd: 2, sync: true }) },
      // At most info: debug/trace floods would push out the lines a technician needs.
      { level: lvl === 'debug' || lvl === 'trace' ? 'info' : (lvl as pino.Level), stream: ring },
    ]),
  );
  rings.set(logger, ring);
  return logger;
}

/** The recent-log ring of a logger made by `createLogger`; null for other loggers (tests). */
export function logRingOf(logger: Logger): LogRing | null {
  return rings.get(logger) ?? null;
}
