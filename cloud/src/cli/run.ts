import { parseArgs } from 'node:util';
import { loadConfigFile, parseConfig, type HubConfig } from '../config.js';
import { startHub } from '../hub.js';
import { createLogger } from '../system/logger.js';
import { type CliIo, UsageError } from './common.js';

export const RUN_HELP = `Usage: spoor-hub run --data <dir> [options]

Run the hub: the embedded MQTT broker (or a connection to --mqtt-url), ingest into the
store (PGlite in <data>/pg, or the Postgres server at --database-url / DATABASE_URL) and
the HTTP API (/health, /ready, /metrics, /docs, /api/...). Port 0 picks a free port.
SIGTERM or SIGINT stops it cleanly.

Options:
  --data <dir>            the hub data dir (required unless --config sets dataDir)
  --config <file>         a hub config (JSON or YAML); flags override it
  --http-port <p>         HTTP port (default 8080)
  --mqtt-port <q>         embedded broker TCP port (default 1883)
  --mqtt-ws-port <w>      also serve MQTT over WebSocket on this port
  --mqtt-url <url>        use an external broker instead (shared subscription $share/hub/...)
  --database-url <url>    a Postgres server instead of PGlite
  --host <addr>           listen address for HTTP and MQTT (default 0.0.0.0)
  --json                  print {"http": <port>, "mqtt": <port>} as the first stdout line once ready
  -h, --help              show this help`;

const port = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} must be a port number (0 picks a free one)`);
  return n;
};

export function configFromFlags(values: Record<string, string | boolean | undefined>): HubConfig {
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const base: Record<string, unknown> = s('config') ? structuredClone(loadConfigFile(s('config') as string)) : {};
  const http = { ...(base.http as object), ...(s('host') ? { host: s('host') } : {}) } as Record<string, unknown>;
  const mqtt = { ...(base.mqtt as object), ...(s('host') ? { host: s('host') } : {}) } as Record<string, unknown>;
  const hp = port('--http-port', s('http-port'));
  const mp = port('--mqtt-port', s('mqtt-port'));
  const wp = port('--mqtt-ws-port', s('mqtt-ws-port'));
  if (hp !== undefined) http.port = hp;
  if (mp !== undefined) mqtt.port = mp;
  if (wp !== undefined) mqtt.wsPort = wp;
  const databaseUrl = s('database-url') ?? process.env.DATABASE_URL ?? (base.databaseUrl as string | undefined);
  const dataDir = s('data') ?? (base.dataDir as string | undefined);
  if (!dataDir) throw new UsageError('run needs --data <dir>');
  return parseConfig({
    ...base,
    dataDir,
    http,
    mqtt,
    ...(s('mqtt-url') ? { mqttUrl: s('mqtt-url') } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
  });
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      config: { type: 'string' },
      'http-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'mqtt-ws-port': { type: 'string' },
      'mqtt-url': { type: 'string' },
      'database-url': { type: 'string' },
      host: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(RUN_HELP), 0;
  const config = configFromFlags(values);
  const logger = createLogger(config.logLevel);
  const hub = await startHub(config, logger);
  if (values.json) io.out(JSON.stringify({ http: hub.httpPort, mqtt: hub.mqttPort, ...(hub.mqttWsPort ? { mqttWs: hub.mqttWsPort } : {}) }));
  else io.err(`spoor-hub ready: http://localhost:${hub.httpPort}/docs  mqtt://localhost:${hub.mqttPort ?? '(external)'}`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      const force = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      hub.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
