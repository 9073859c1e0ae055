import pino, { type Logger } from 'pino';

/** The root logger. Logs go to stderr so that `--json` output on stdout stays machine-readable. */
export function createLogger(level: string, opts: { quiet?: boolean } = {}): Logger {
  return pino(
    {
      level: opts.quiet ? 'warn' : level,
      base: { svc: 'spoor-hub' },
      redact: { paths: ['*.password', '*.token', '*.mqttPassword', '*.databaseUrl', 'password', 'token'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
