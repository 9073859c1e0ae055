import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { checkConfig, deepFreeze, readConfigFile } from '@spoor/protocol';
import { DeviceErrors } from '../errors.js';
import { DeviceConfigSchema, type DeviceConfig } from './schema.js';

export type ResolvedConfig = Readonly<DeviceConfig & { deviceId: string }>;

/** Validate a plain object as device config: fill defaults, fail with the path and the reason. */
export function parseConfig(raw: unknown, baseDir: string = process.cwd()): ResolvedConfig {
  const cfg: DeviceConfig = checkConfig(DeviceConfigSchema, raw);
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
  return parseConfig(readConfigFile(file), dirname(resolve(file)));
}
