import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SpoorError } from './errors.js';

/** Both the device and the hub report a bad config with this code. */
export const CONFIG_INVALID = 'SPOOR_E_CONFIG_INVALID';

const invalid = (message: string, options?: { hint?: string; cause?: unknown }) => new SpoorError(CONFIG_INVALID, `The config is invalid: ${message}`, options);

/** Read a JSON or YAML config file (by extension) into a plain value; errors name the file. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`cannot read ${file}`, { cause: err, hint: 'Check the --config path.' });
  }
  const yaml = /\.ya?ml$/i.test(file);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw invalid(`${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

/** Fill the schema's defaults and check the value; the first problem is reported with its path. */
export function checkConfig<S extends TSchema>(schema: S, raw: unknown, hint = 'Fix that setting in the config file (JSON or YAML) and start again.'): Static<S> {
  const withDefaults = Value.Default(schema, structuredClone(raw ?? {}));
  const first = Value.Errors(schema, withDefaults).First();
  if (first) throw invalid(`${first.path === '' ? '(root)' : first.path}: ${first.message}`, { hint });
  return withDefaults as Static<S>;
}

/** Freeze a config so no part of the program can change it behind the others' backs. */
export function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}
