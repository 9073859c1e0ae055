import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_PREFIX, checkConfig, deepFreeze, readConfigFile } from '@spoor/protocol';

const Port = (dflt?: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, ...(dflt === undefined ? {} : { default: dflt }), description: '0 picks a free port (read it back). Needs a restart.' });

/** The hub config: one schema validates the file, the CLI flags and the defaults. */
export const HubConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'Holds the embedded PGlite database (`pg/`) and `hub.lock.json`.' }),
    http: Type.Object({ host: Type.String({ default: '0.0.0.0' }), port: Port(8080) }, { default: {} }),
    mqtt: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Port(1883),
        wsPort: Type.Optional(Port()),
        tls: Type.Optional(
          Type.Object(
            { key: Type.String({ description: 'PEM file' }), cert: Type.String({ description: 'PEM file' }), ca: Type.Optional(Type.String({ description: 'PEM file' })) },
            { additionalProperties: false },
          ),
        ),
      },
      { default: {}, description: 'The embedded broker (unused when mqttUrl is set).' },
    ),
    mqttUrl: Type.Optional(Type.String({ description: 'An external broker (mqtt://, mqtts://, ws://); the hub then uses a shared subscription.' })),
    mqttUsername: Type.Optional(Type.String()),
    mqttPassword: Type.Optional(Type.String()),
    databaseUrl: Type.Optional(Type.String({ description: 'A Postgres server; without it the hub uses PGlite in dataDir/pg.' })),
    prefix: Type.String({ default: DEFAULT_PREFIX, pattern: '^[^#+]+[^/]$' }),
    sharedGroup: Type.String({ default: 'hub', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    ingest: Type.Object(
      {
        maxBatch: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
        maxWaitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 20 }),
      },
      { default: {} },
    ),
    gallery: Type.Object(
      {
        proposeThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.75, description: 'A new device individual this alike to a global one becomes a merge proposal.' }),
        autoMerge: Type.Boolean({ default: false, description: 'Link without review above autoMergeThreshold.' }),
        autoMergeThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.95 }),
        keepVersions: Type.Integer({ minimum: 1, default: 1000, description: 'Gallery deltas kept per fleet; an older resync gets a snapshot.' }),
      },
      { default: {} },
    ),
    logLevel: Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type HubConfigInput = Static<typeof HubConfigSchema>;
export type HubConfig = Readonly<HubConfigInput>;

/** Validate a plain object as hub config: fill defaults, fail with the path and the reason. */
export function parseConfig(raw: unknown, baseDir: string = process.cwd()): HubConfig {
  const cfg: HubConfigInput = checkConfig(HubConfigSchema, raw);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const tls = cfg.mqtt.tls;
  return deepFreeze({
    ...cfg,
    dataDir: abs(cfg.dataDir),
    mqtt: { ...cfg.mqtt, ...(tls ? { tls: { key: abs(tls.key), cert: abs(tls.cert), ...(tls.ca ? { ca: abs(tls.ca) } : {}) } } : {}) },
  });
}

/** Read a JSON or YAML config file; relative paths in it are relative to the file. */
export function loadConfigFile(file: string): HubConfig {
  return parseConfig(readConfigFile(file), dirname(resolve(file)));
}
