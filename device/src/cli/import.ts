import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { IngestOutcome } from '../ingest/types.js';
import { openRuntime } from '../runtime.js';
import { createLogger } from '../system/logger.js';
import { type CliIo, UsageError, configFor, progress } from './common.js';

export const IMPORT_HELP = `Usage: spoor-device import <dir> --data <dataDir> [--config <file>] [--json]

Ingest every file under <dir> (recursively; the files stay where they are), run the
pipeline on them and print what happened. Each file is counted exactly once: as a
capture, a duplicate (same bytes seen before) or quarantined (with a code and reason).

Options:
  --data <dir>     the device data dir (database, blobs, gallery)
  --config <file>  a device config (JSON or YAML) instead of the defaults
  --json           print one JSON object: {captures, duplicates, events, sightings, quarantined}
  -h, --help       show this help`;

export interface ImportSummary {
  files: number;
  captures: number;
  duplicates: number;
  events: number;
  sightings: number;
  quarantined: { file: string; code: string; reason: string }[];
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { data: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(IMPORT_HELP), 0;
  const dir = positionals[0];
  if (!dir) throw new UsageError('import needs the folder to read: spoor-device import <dir> --data <dataDir>');
  const config = configFor(values);
  const files = listFiles(dir);
  const logger = createLogger(config.logLevel, { quiet: true });

  let sightings = 0;
  let inferred = 0;
  const inferBar = { current: null as ReturnType<typeof progress> | null };
  const rt = await openRuntime(config, logger, {
    onFrame: () => {
      inferred++;
      inferBar.current?.tick();
    },
    onSighting: () => void sightings++,
  });
  try {
    const summary: ImportSummary = { files: files.length, captures: 0, duplicates: 0, events: 0, sightings: 0, quarantined: [] };
    const accepted: { file: string; captureId: string }[] = [];
    const events = new Set<string>();
    const bar = progress(io, 'ingest', files.length);
    for (const file of files) {
      const name = relative(dir, file);
      const outcome: IngestOutcome = await rt.ingestor.ingestFile(file, { source: 'import', removeSource: false });
      if (outcome.kind === 'capture') {
        accepted.push({ file: name, captureId: outcome.captureId });
        events.add(outcome.eventId);
      } else if (outcome.kind === 'duplicate') summary.duplicates++;
      else summary.quarantined.push({ file: name, code: outcome.code, reason: outcome.reason });
      bar.tick();
    }
    bar.done();

    inferBar.current = progress(io, 'detect', rt.captures.counts().pending);
    await rt.processor.drain({ force: true });
    inferBar.current.done();

    // A capture that passed the header check but failed to decode counts as quarantined, not as a capture.
    for (const a of accepted) {
      const row = rt.db.prepare('SELECT status, error_code AS code, error_reason AS reason FROM captures WHERE id = ?').get(a.captureId) as {
        status: string;
        code: string | null;
        reason: string | null;
      };
      if (row.status === 'quarantined') summary.quarantined.push({ file: a.file, code: row.code ?? 'SPOOR_E_IMAGE_DECODE', reason: row.reason ?? '' });
      else summary.captures++;
    }
    summary.events = events.size;
    summary.sightings = sightings;

    if (values.json) io.out(JSON.stringify(summary));
    else {
      io.out(`${files.length} file(s): ${summary.captures} captured, ${summary.duplicates} duplicate, ${summary.quarantined.length} quarantined`);
      io.out(`${summary.events} event(s), ${summary.sightings} new sighting(s); ${inferred} frame(s) through the models`);
      for (const q of summary.quarantined) io.out(`  quarantined ${q.file}: ${q.code} ${q.reason}`);
    }
    return 0;
  } finally {
    await rt.close();
  }
}

/** Every regular file below `dir`, skipping dotfiles, in name order (cameras number their files). */
function listFiles(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UsageError(`${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}
