import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { parseConfig, type ResolvedConfig } from '../config/load.js';
import { DeviceConfigSchema } from '../config/schema.js';
import { LOCAL_ONLY_SETTINGS } from '@spoor/protocol/device-config';

/** Where an accepted config push is kept; it survives restarts. */
export const PUSHED_CONFIG_FILE = 'config.pushed.json';


export interface PushedConfig {
  version: number;
  receivedAt: string;
  /** The partial config as pushed; it is merged over the config file. */
  config: Record<string, unknown>;
}

export type PushCheck =
  | { ok: true; config: ResolvedConfig; changed: string[]; restartOnly: string[] }
  | { ok: false; reason: string };

/** Validate a pushed partial config merged over the current one, with the device's own schema. */
export function checkPush(current: ResolvedConfig, pushed: Record<string, unknown>): PushCheck {
  for (const key of LOCAL_ONLY_SETTINGS) {
    if (key in pushed && pushed[key] !== current[key]) return { ok: false, reason: `/${key}: set on the device only, not by the hub` };
  }
  let config: ResolvedConfig;
  try {
    config = parseConfig(deepMerge(structuredClone(current) as Record<string, unknown>, pushed), current.dataDir);
  } catch (err) {
    return { ok: false, reason: (err as Error).message.slice(0, 2000) };
  }
  const changed = leafPaths(pushed).filter((p) => JSON.stringify(at(current, p)) !== JSON.stringify(at(config, p)));
  return { ok: true, config, changed, restartOnly: changed.filter(needsRestart) };
}

/** Write atomically: a temp file, fsync, rename. A power cut leaves the old file or the new one. */
export function writePushedConfig(dataDir: string, pushed: PushedConfig): void {
  const file = join(dataDir, PUSHED_CONFIG_FILE);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(pushed, null, 2)}\n`);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dir = openSync(dataDir, 'r');
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    /* not every file system lets a directory be fsynced */
  }
}

export function readPushedConfig(dataDir: string): PushedConfig | null {
  try {
    const raw = JSON.parse(readFileSync(join(dataDir, PUSHED_CONFIG_FILE), 'utf8')) as Partial<PushedConfig>;
    if (typeof raw.version !== 'number' || !raw.config || typeof raw.config !== 'object') return null;
    return { version: raw.version, receivedAt: String(raw.receivedAt ?? ''), config: raw.config };
  } catch {
    return null;
  }
}

/**
 * The config to run with: the file config with the last accepted push merged over it.
 * A push that no longer validates (the file changed under it) is ignored.
 * TODO(lead): call this from `cli/run.ts` after `loadConfigFile`, so pushed settings apply on restart.
 */
export function withPushedConfig(fileConfig: ResolvedConfig): { config: ResolvedConfig; version: number | null } {
  const pushed = readPushedConfig(fileConfig.dataDir);
  if (!pushed) return { config: fileConfig, version: null };
  const check = checkPush(fileConfig, pushed.config);
  return check.ok ? { config: check.config, version: pushed.version } : { config: fileConfig, version: null };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    base[k] = isPlainObject(v) && isPlainObject(b) ? deepMerge(b, v) : v;
  }
  return base;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function leafPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (isPlainObject(v) && Object.keys(v).length > 0 ? leafPaths(v, `${prefix}/${k}`) : [`${prefix}/${k}`]));
}

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('/').slice(1)) cur = isPlainObject(cur) ? cur[k] : undefined;
  return cur;
}

/** True when the schema marks the setting (or the section holding it) `restart: true`. */
function needsRestart(path: string): boolean {
  let schema: TSchema | undefined = DeviceConfigSchema;
  for (const k of path.split('/').slice(1)) {
    const props: Record<string, TSchema> | undefined = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties;
    schema = props?.[k];
    if ((schema as { restart?: boolean } | undefined)?.restart) return true;
  }
  return false;
}
