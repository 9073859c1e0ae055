import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { DeviceErrors } from '../errors.js';
import { DeviceConfigSchema, type DeviceConfig } from './schema.js';

export type ResolvedConfig = Readonly<DeviceConfig & { deviceId: string }>;

/** Validate a plain object as device config: fill defaults, fail with the path and the reason. */
export function parseConfig(raw: unknown, baseDir: string = process.cwd()): ResolvedConfig {
  const withDefaults = Value.Default(DeviceConfigSchema, structuredClone(raw ?? {}));
  const first = Value.Errors(DeviceConfigSchema, withDefaults).First();
  if (first) {
    const path = first.path === '' ? '(root)' : first.path;
    throw DeviceErrors.SPOOR_E_CONFIG_INVALID(`${path}: ${first.message}`, {
      hint: 'Fix that setting in the config file (JSON or YAML) and start again.',
    });
  }
  const cfg = withDefaults as DeviceConfig;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (cfg.reid.rejectThreshold > cfg.reid.acceptThreshold) {
    throw DeviceErrors.SPOOR_E_CONFIG_INVALID('/reid: rejectThreshold must not be above acceptThreshold');
  }
  return deepFreeze({
    ...cfg,
    deviceId: cfg.deviceId ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '-'),
    dataDir: abs(cfg.dataDir),
    inbox: abs(cfg.inbox),
    models: { ...cfg.models, ...(cfg.models.manifest === undefined ? {} : { manifest: abs(cfg.models.manifest) }) },
  });
}

/** Read a JSON or YAML config file; relative paths in it are relative to the file. */
export function loadConfigFile(file: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw DeviceErrors.SPOOR_E_CONFIG_INVALID(`cannot read ${file}`, { cause: err, hint: 'Check the --config path.' });
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw DeviceErrors.SPOOR_E_CONFIG_INVALID(`${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  return parseConfig(raw, dirname(resolve(file)));
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}
