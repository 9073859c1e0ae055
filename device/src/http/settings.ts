import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseConfig, type ResolvedConfig } from '../config/load.js';
import { DeploymentSchema, DeviceConfigSchema } from '../config/schema.js';

/** The Camtrap DP deployment section: every field of the schema's `deployment`, in its order. */
export const DEPLOYMENT_SETTINGS = Object.keys(DeploymentSchema.properties).map((k) => `/deployment/${k}`);

/**
 * Settings the panel edits. Each is a path into the device config; the form is generated from
 * the TypeBox schema at that path, and the same schema validates what comes back. Changes are
 * kept in `<dataDir>/settings.json`, an overlay over the config file read at start.
 */
export const PANEL_SETTINGS = [
  '/name',
  '/pipeline/minDetectionConfidence',
  '/pipeline/burstWindowSec',
  '/pipeline/speciesAllowList',
  '/reid/acceptThreshold',
  '/reid/rejectThreshold',
  '/inbox',
  '/watch/stableMs',
  '/cloud/mqttUrl',
  '/cloud/username',
  '/cloud/password',
  '/sync/bandwidth',
  '/sync/dailyBudgetBytes',
  ...DEPLOYMENT_SETTINGS,
] as const;

/** Settings the running daemon picks up without a restart (the daemon swaps them in). */
export const LIVE_SETTINGS: readonly string[] = ['/name', '/pipeline/burstWindowSec', '/reid/acceptThreshold', '/reid/rejectThreshold', ...DEPLOYMENT_SETTINGS];

const SECRET = new Set(['/cloud/password']);

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string[]';

export interface FieldDescriptor {
  path: string;
  kind: FieldKind;
  nullable: boolean;
  options?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
  /** Needs a restart to take effect. */
  restart: boolean;
  /** Write-only: its value is never sent to the panel. */
  secret: boolean;
}

function subschema(path: string): TSchema {
  let s: TSchema = DeviceConfigSchema;
  for (const key of path.split('/').slice(1)) {
    const next = (s as { properties?: Record<string, TSchema> }).properties?.[key];
    if (!next) throw new Error(`no setting ${path}`);
    s = next;
  }
  return s;
}

function describe(path: string): FieldDescriptor {
  const s = subschema(path) as TSchema & { anyOf?: TSchema[]; description?: string; restart?: boolean };
  const variants = s.anyOf ?? [s];
  const nullable = variants.some((v) => v.type === 'null');
  const main = variants.filter((v) => v.type !== 'null');
  const literals = main.filter((v) => v.const !== undefined).map((v) => String(v.const));
  const first = main[0] as TSchema & { type?: string; minimum?: number; maximum?: number; items?: TSchema };
  const kind: FieldKind =
    literals.length > 0 ? 'enum' : first.type === 'array' ? 'string[]' : first.type === 'number' || first.type === 'integer' || first.type === 'boolean' ? first.type : 'string';
  return {
    path,
    kind,
    nullable,
    ...(literals.length > 0 ? { options: literals } : {}),
    ...(first.minimum !== undefined ? { minimum: first.minimum } : {}),
    ...(first.maximum !== undefined ? { maximum: first.maximum } : {}),
    ...(s.description ? { description: s.description } : {}),
    restart: s.restart === true || !LIVE_SETTINGS.includes(path),
    secret: SECRET.has(path),
  };
}

export const FIELDS: readonly FieldDescriptor[] = PANEL_SETTINGS.map(describe);

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('/').slice(1)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('/').slice(1);
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    cur = (cur[k] = next && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {}) as Record<string, unknown>;
  }
  cur[keys.at(-1) as string] = value;
}

export type Overlay = Record<string, unknown>;

/** The current values of the panel's settings (secrets say only whether they are set). */
export function currentValues(config: ResolvedConfig): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((f) => [f.path, f.secret ? (getPath(config, f.path) ? '••••••' : null) : getPath(config, f.path)]));
}

export type SettingsResult = { ok: true; config: ResolvedConfig; overlay: Overlay; changed: string[] } | { ok: false; errors: Record<string, string> };

/**
 * Validate a change (`{ "/reid/acceptThreshold": 0.9, ... }`) against the schema, field by field.
 * Unknown paths are refused; a secret sent back as its mask is left as it is.
 */
export function applyChange(base: ResolvedConfig, overlay: Overlay, change: Record<string, unknown>): SettingsResult {
  const errors: Record<string, string> = {};
  const next: Overlay = structuredClone(overlay);
  const changed: string[] = [];
  for (const [path, value] of Object.entries(change)) {
    const field = FIELDS.find((f) => f.path === path);
    if (!field) {
      errors[path] = 'not a panel setting';
      continue;
    }
    if (field.secret && value === '••••••') continue;
    const sub = subschema(path);
    if (!Value.Check(sub, value)) {
      errors[path] = explain(sub, value);
      continue;
    }
    setPath(next, path, value);
    changed.push(path);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const merged = mergeOverlay(base, next);
  const accept = getPath(merged, '/reid/acceptThreshold') as number;
  const reject = getPath(merged, '/reid/rejectThreshold') as number;
  if (reject > accept) return { ok: false, errors: { [changed.includes('/reid/rejectThreshold') ? '/reid/rejectThreshold' : '/reid/acceptThreshold']: 'rejectThreshold must not be above acceptThreshold' } };
  try {
    return { ok: true, config: parseConfig(merged), overlay: next, changed };
  } catch (err) {
    return { ok: false, errors: { '': (err as Error).message } };
  }
}

function mergeOverlay(base: unknown, overlay: Overlay): Record<string, unknown> {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = getPath(overlay, f.path);
    if (v !== undefined) setPath(out, f.path, v);
  }
  return out;
}

/** Why a value fails its schema; for `X | null` the reason X refuses it ("Expected number to be less or equal to 90"), not "Expected union value". */
function explain(schema: TSchema, value: unknown): string {
  const variants = ((schema as { anyOf?: TSchema[] }).anyOf ?? [schema]).filter((v) => v.type !== 'null');
  if (variants.length > 1 && variants.every((v) => v.const !== undefined)) return `must be one of ${variants.map((v) => String(v.const)).join(', ')}`;
  const main = variants.length === 1 ? (variants[0] as TSchema) : schema;
  return Value.Errors(main, value).First()?.message ?? 'invalid value';
}

/** The overlay file: `<dataDir>/settings.json`. */
export class SettingsFile {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'settings.json');
  }

  read(): Overlay {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Overlay;
    } catch {
      return {};
    }
  }

  async write(overlay: Overlay): Promise<void> {
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, `${JSON.stringify(overlay, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

/** The config file with the panel's overlay on top (at start). A bad overlay is ignored and reported. */
export function withOverlay(config: ResolvedConfig): { config: ResolvedConfig; overlay: Overlay; error: string | null } {
  const overlay = new SettingsFile(config.dataDir).read();
  if (Object.keys(overlay).length === 0) return { config, overlay, error: null };
  try {
    return { config: parseConfig(mergeOverlay(config, overlay)), overlay, error: null };
  } catch (err) {
    return { config, overlay: {}, error: (err as Error).message };
  }
}

/** The settings as saved, the config the daemon started with, and the hook that applies live ones. */
export class SettingsService {
  #saved: ResolvedConfig;
  #overlay: Overlay;

  constructor(
    private readonly running: ResolvedConfig,
    overlay: Overlay,
    private readonly file: SettingsFile,
    private readonly applyLive: (config: ResolvedConfig, changed: string[]) => void,
  ) {
    this.#saved = running;
    this.#overlay = overlay;
  }

  view() {
    return {
      fields: FIELDS,
      values: currentValues(this.#saved),
      /** Saved but not in effect until the daemon restarts. */
      pendingRestart: FIELDS.filter((f) => f.restart && JSON.stringify(getPath(this.#saved, f.path)) !== JSON.stringify(getPath(this.running, f.path))).map((f) => f.path),
    };
  }

  async change(change: Record<string, unknown>): Promise<SettingsResult> {
    const r = applyChange(this.#saved, this.#overlay, change);
    if (!r.ok) return r;
    await this.file.write(r.overlay);
    this.#saved = r.config;
    this.#overlay = r.overlay;
    this.applyLive(r.config, r.changed.filter((p) => LIVE_SETTINGS.includes(p)));
    return r;
  }
}
