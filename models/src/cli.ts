import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSpoorError } from '@spoor/protocol';
import { benchModel, findModel } from './bench.js';
import { addModel, expectedSha, fetchModel, fieldModelsDir } from './convert/catalog.js';
import { defaultManifestPath, nanodetEntry } from './convert/defaults.js';
import { convertTfjs } from './convert/tfjs.js';
import { bundledManifestPath, fieldManifestPath, loadFieldManifest, loadManifest } from './manifest.js';
import { sha256File } from './sha.js';

const HELP = `Usage: spoor-models <command> [options]

Commands:
  list                      every model of the bundled test, default and field manifests,
                            with its licence and whether it is installed
  verify                    check the sha256 of every installed model file (exit 1 on a mismatch)
  convert <model.json>      convert a TF.js graph model to ONNX (--out <file.onnx> required;
                            --outputs a,b keeps only those graph outputs)
  fetch <id>                download a field model (resumes; verifies or pins its sha256)
  add <file> --as <id>      side-load a model file obtained elsewhere as field model <id>
  bench <id>                ms per inference (session.run) and the execution provider used
                            (--providers tensorrt,cuda,cpu  --runs 30  --threads N)

Options:
  --manifest <path>  manifest to read (list/verify: only this one; fetch/add: the field manifest)
  --out <file>       convert: where to write the .onnx
  --as <id>          add: the field model id
  --json             print JSON instead of text
  -h, --help         show this help
`;

export interface ModelStatus {
  id: string;
  task: string;
  license: string;
  file: string;
  /** Which manifest lists it: bundled test models, default (built at install), or field. */
  source?: 'test' | 'default' | 'field';
  /** The file exists and its sha256 matches the manifest. */
  installed: boolean;
  status: 'ok' | 'missing' | 'mismatch' | 'unpinned';
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

/** Field models: installed when the file is in models/cache/field and matches its published or pinned sha256. */
export async function fieldStatuses(manifestPath = fieldManifestPath(), dir = fieldModelsDir()): Promise<ModelStatus[]> {
  const out: ModelStatus[] = [];
  for (const m of loadFieldManifest(manifestPath).models) {
    const file = resolve(dir, m.file);
    const want = expectedSha(m, dir);
    const status = !existsSync(file) ? 'missing' : want === null ? 'unpinned' : (await sha256File(file)) === want ? 'ok' : 'mismatch';
    out.push({ id: m.id, task: m.task, license: m.license, file, source: 'field', installed: status === 'ok', status });
  }
  return out;
}

/** Every manifest Spoor knows: the bundled test models, the default models, the field models. */
export async function allStatuses(): Promise<ModelStatus[]> {
  const test = (await modelStatuses(bundledManifestPath())).map((r) => ({ ...r, source: 'test' as const }));
  const dm = defaultManifestPath();
  const defaults = existsSync(dm)
    ? (await modelStatuses(dm)).map((r) => ({ ...r, source: 'default' as const }))
    : [nanodetEntry('0'.repeat(64))].map((e) => ({ id: e.id, task: e.task, license: e.license, file: resolve(dirname(dm), e.file), source: 'default' as const, installed: false, status: 'missing' as const }));
  return [...test, ...defaults, ...(await fieldStatuses())];
}

function table(rows: ModelStatus[]): string {
  const cols = ['id', 'task', 'source', 'license', 'status'] as const;
  const cell = (r: ModelStatus, c: (typeof cols)[number]): string => r[c] ?? '';
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i] ?? 0)).join('  ').trimEnd();
  return [line([...cols]), ...rows.map((r) => line(cols.map((c) => cell(r, c))))].join('\n');
}

function progressBar(received: number, total: number | undefined): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (total === undefined) return `\r${mb(received)} MB`;
  const f = Math.min(1, received / total);
  return `\r[${'#'.repeat(Math.round(f * 30)).padEnd(30)}] ${(f * 100).toFixed(0).padStart(3)}% ${mb(received)}/${mb(total)} MB`;
}

/** Run the CLI; returns the exit code. `write` receives stdout text. */
export async function main(argv: string[], write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        manifest: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        as: { type: 'string' },
        outputs: { type: 'string' },
        providers: { type: 'string' },
        runs: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
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
  const usage = (msg: string): number => {
    process.stderr.write(`${msg}\n\n${HELP}`);
    return 2;
  };
  try {
    if (command === 'list' || command === 'verify') {
      const rows = values.manifest === undefined ? await allStatuses() : await modelStatuses(resolve(values.manifest));
      const bad = rows.filter((r) => r.status === 'mismatch');
      if (values.json) write(`${JSON.stringify(command === 'list' ? rows : { ok: bad.length === 0, models: rows }, null, 2)}\n`);
      else write(`${table(rows)}\n${command === 'verify' ? (bad.length ? `${bad.length} model file(s) do not match the manifest\n` : 'all installed models match the manifest\n') : ''}`);
      return command === 'verify' && bad.length > 0 ? 1 : 0;
    }
    if (command === 'convert') {
      const src = positionals[1];
      if (src === undefined || values.out === undefined) return usage('convert needs <model.json> and --out <file.onnx>');
      const result = convertTfjs(resolve(src), values.outputs === undefined ? {} : { outputs: values.outputs.split(',').map((o) => o.trim()).filter(Boolean) });
      writeFileSync(resolve(values.out), result.bytes);
      const summary = { out: resolve(values.out), sha256: result.sha256, bytes: result.bytes.length, inputs: result.inputs, outputs: result.outputs, opCounts: result.opCounts, folded: result.folded };
      if (values.json) write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        const ops = Object.entries(result.opCounts).map(([op, n]) => `${op} ${n}`).join(', ');
        write(
          `wrote ${summary.out} (${(summary.bytes / 1e6).toFixed(1)} MB)\nsha256  ${summary.sha256}\n` +
            `inputs  ${result.inputs.map((i) => `${i.name} [${(i.dims ?? ['?']).join(', ')}]`).join(', ')}\n` +
            `outputs ${result.outputs.map((o) => o.name).join(', ')}\nops     ${ops} (${result.folded} TF nodes folded to constants)\n`,
        );
      }
      return 0;
    }
    if (command === 'bench') {
      const id = positionals[1];
      if (id === undefined) return usage('bench needs a model id (see `spoor-models list`)');
      const { entry, modelDir } = findModel(id, values.manifest === undefined ? undefined : resolve(values.manifest));
      const providers = (values.providers ?? 'tensorrt,cuda,cpu').split(',').map((p) => p.trim()).filter(Boolean);
      const runs = Number(values.runs ?? 30);
      const threads = values.threads === undefined ? undefined : Number(values.threads);
      if (!Number.isInteger(runs) || runs < 1 || (threads !== undefined && (!Number.isInteger(threads) || threads < 1))) return usage('--runs and --threads take whole numbers ≥ 1');
      const r = await benchModel(entry, { modelDir, providers, runs, ...(threads === undefined ? {} : { threads }) });
      if (values.json) write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        write(`${r.id} on ${r.provider} (input ${r.input.join('×')}, ${r.runs} runs${r.threads ? `, ${r.threads} threads` : ''})\n`);
        write(`  ms/inference  mean ${r.msMean}  p50 ${r.msP50}  p95 ${r.msP95}  min ${r.msMin}\n`);
        for (const sk of r.skipped) write(`  skipped ${sk.provider}: ${sk.reason}\n`);
      }
      return 0;
    }
    const fieldOpts = values.manifest === undefined ? {} : { manifestPath: resolve(values.manifest) };
    if (command === 'fetch') {
      const id = positionals[1];
      if (id === undefined) return usage('fetch needs a model id (see `spoor-models list`)');
      const tty = process.stderr.isTTY;
      const res = await fetchModel(id, { ...fieldOpts, ...(tty ? { onProgress: (r: number, t: number | undefined) => process.stderr.write(progressBar(r, t)) } : {}) });
      if (tty) process.stderr.write('\n');
      write(values.json ? `${JSON.stringify(res, null, 2)}\n` : `${res.id}: ${res.check} ${res.sha256}\n${res.path}\n${res.note ? `note: ${res.note}\n` : ''}`);
      return 0;
    }
    if (command === 'add') {
      const file = positionals[1];
      if (file === undefined || values.as === undefined) return usage('add needs <file> and --as <id>');
      const res = await addModel(resolve(file), values.as, fieldOpts);
      write(values.json ? `${JSON.stringify(res, null, 2)}\n` : `${res.id}: ${res.check === 'pinned' ? 'sha256 pinned (first copy)' : 'sha256 verified'} ${res.sha256}\n${res.path}\n`);
      return 0;
    }
    return usage(`unknown command: ${command}`);
  } catch (err) {
    if (isSpoorError(err)) {
      process.stderr.write(`${err.code}: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  }
}
