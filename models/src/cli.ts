import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSpoorError } from '@spoor/protocol';
import { bundledManifestPath, loadManifest } from './manifest.js';
import { sha256File } from './sha.js';

const HELP = `Usage: spoor-models <command> [options]

Commands:
  list      list the models in the manifest and whether each is installed
  verify    check the sha256 of every installed model file (exit 1 on a mismatch)

Options:
  --manifest <path>  manifest to read (default: the bundled test models)
  --json             print JSON instead of a table
  -h, --help         show this help
`;

export interface ModelStatus {
  id: string;
  task: string;
  license: string;
  file: string;
  /** The file exists and its sha256 matches the manifest. */
  installed: boolean;
  status: 'ok' | 'missing' | 'mismatch';
}

export async function modelStatuses(manifestPath: string): Promise<ModelStatus[]> {
  const manifest = loadManifest(manifestPath);
  const dir = dirname(manifestPath);
  const out: ModelStatus[] = [];
  for (const m of manifest.models) {
    const file = resolve(dir, m.file);
    const status = !existsSync(file) ? 'missing' : (await sha256File(file)) === m.sha256 ? 'ok' : 'mismatch';
    out.push({ id: m.id, task: m.task, license: m.license, file, installed: status === 'ok', status });
  }
  return out;
}

function table(rows: ModelStatus[]): string {
  const cols = ['id', 'task', 'license', 'status'] as const;
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i] ?? 0)).join('  ').trimEnd();
  return [line([...cols]), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}

/** Run the CLI; returns the exit code. `write` receives stdout text. */
export async function main(argv: string[], write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { manifest: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const manifestPath = resolve(values.manifest ?? bundledManifestPath());
  try {
    if (command === 'list' || command === 'verify') {
      const rows = await modelStatuses(manifestPath);
      const bad = rows.filter((r) => r.status === 'mismatch');
      if (values.json) write(`${JSON.stringify(command === 'list' ? rows : { ok: bad.length === 0, models: rows }, null, 2)}\n`);
      else write(`${table(rows)}\n${command === 'verify' ? (bad.length ? `${bad.length} model file(s) do not match the manifest\n` : 'all installed models match the manifest\n') : ''}`);
      return command === 'verify' && bad.length > 0 ? 1 : 0;
    }
    process.stderr.write(`unknown command: ${command}\n\n${HELP}`);
    return 2;
  } catch (err) {
    if (isSpoorError(err)) {
      process.stderr.write(`${err.code}: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  }
}
