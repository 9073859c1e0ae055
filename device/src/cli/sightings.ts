import { parseArgs } from 'node:util';
import { openDb } from '../store/db.js';
import { SightingStore, type Sighting } from '../store/sightings.js';
import { dataPaths } from '../runtime.js';
import { type CliIo, UsageError, configFor } from './common.js';

export const SIGHTINGS_HELP = `Usage: spoor-device sightings list --data <dataDir> [--species <taxon>] [--limit <n>] [--offset <n>] [--json]

List stored sightings, newest first. Each has its frames, detections (category, relative
bbox x,y,w,h, confidence, taxon) and, where re-identification ran, the individual with
its decision (known, new or uncertain) and score, and its global id once the hub's
gallery has reached this device (cloud.fleetId).`;

export async function sightingsCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') return io.out(SIGHTINGS_HELP), sub === undefined ? 2 : 0;
  if (sub !== 'list') throw new UsageError(`unknown sightings command "${sub}"`);
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' }, config: { type: 'string' }, species: { type: 'string' },
      limit: { type: 'string', default: '100' }, offset: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(SIGHTINGS_HELP), 0;
  const config = configFor(values);
  const db = openDb(dataPaths(config.dataDir).db);
  try {
    const items = new SightingStore(db).list({
      limit: positiveInt(values.limit, '--limit'),
      offset: positiveInt(values.offset, '--offset'),
      ...(values.species === undefined ? {} : { species: values.species }),
    });
    if (values.json) io.out(JSON.stringify(items));
    else if (items.length === 0) io.out('no sightings yet');
    else for (const s of items) io.out(describe(s));
    return 0;
  } finally {
    db.close();
  }
}

function describe(s: Sighting): string {
  const what = s.detections
    .map((d) => `${d.taxon?.label ?? d.label} ${Math.round(d.confidence * 100)}%${d.individual ? ` [${d.individual.decision} ${d.individual.name ?? ''}${d.individual.globalId ? ` global ${d.individual.globalId}` : ''}]` : ''}`)
    .join(', ');
  return `${s.takenAt}  ${s.id}  ${s.frames.length} frame(s)  ${what}`;
}

export function positiveInt(v: string | undefined, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number`);
  return n;
}
