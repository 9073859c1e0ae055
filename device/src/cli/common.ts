import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isSpoorError } from '@spoor/protocol';
import { loadConfigFile, parseConfig, type ResolvedConfig } from '../config/load.js';
import { DeviceErrors } from '../errors.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

/** A usage mistake: print the message and the command's help, exit 2. */
export class UsageError extends Error {}

/**
 * The config a data-dir command works with: `--config` if given, else `<data>/config.json`
 * or `.yaml` when present, else defaults with `--data` as the data dir.
 */
export function configFor(opts: { data?: string | undefined; config?: string | undefined }): ResolvedConfig {
  if (opts.config) {
    const cfg = loadConfigFile(opts.config);
    return opts.data ? parseConfig({ ...structuredClone(cfg), dataDir: opts.data }) : cfg;
  }
  if (!opts.data) throw new UsageError('--data <dir> (or --config <file>) is required');
  for (const name of ['config.json', 'config.yaml', 'config.yml']) {
    const file = join(opts.data, name);
    if (existsSync(file)) return parseConfig({ ...structuredClone(loadConfigFile(file)), dataDir: opts.data });
  }
  return parseConfig({ dataDir: opts.data, inbox: join(opts.data, 'inbox') });
}

/** Print a failure the way the user asked for it; returns the exit code. */
export function reportError(io: CliIo, err: unknown, json: boolean): number {
  if (err instanceof UsageError) {
    io.err(`error: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
  const coded = isSpoorError(err) ? err : DeviceErrors.SPOOR_E_INTERNAL((err as Error)?.message ?? String(err), { cause: err });
  if (json) io.out(JSON.stringify({ error: coded.toJSON() }));
  io.err(`error ${coded.code}: ${coded.message}${coded.hint ? `\n  → ${coded.hint}` : ''}`);
  return 1;
}

/** A one-line progress bar on a TTY (stderr); silent otherwise. */
export function progress(io: CliIo, label: string, total: number): { tick(n?: number): void; done(): void } {
  let n = 0;
  let last = 0;
  const draw = (force = false) => {
    if (!io.isTTY || total === 0) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((n / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total}`);
  };
  return {
    tick(k = 1) {
      n += k;
      draw(n === total);
    },
    done() {
      if (io.isTTY && total > 0) process.stderr.write('\n');
    },
  };
}
