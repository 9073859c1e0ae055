import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCamtrapDp, type CamtrapExport, type Location } from '../export/camtrap.js';
import { callHub, openAdminTarget } from './admin.js';
import { type CliIo, UsageError } from './common.js';

export const EXPORT_HELP = `Usage: spoor-hub export camtrap-dp <outDir> --data <dir> [--locations <file.json>] [--json]

Write a Camtrap DP 1.0 package (datapackage.json, deployments.csv, media.csv,
observations.csv) to <outDir>. Each device is a deployment; observations carry the global
individual id. Camtrap DP requires coordinates per deployment and the hub does not know
them: pass --locations with {"<deviceId>": {"latitude": 52.1, "longitude": 5.2}}.
When a hub is running on the data dir, the command goes through its API.

Options:
  --data <dir>           the hub data dir
  --database-url <url>   a Postgres server instead of the embedded store
  --locations <file>     JSON: deviceId → {latitude, longitude, locationName?}
  --json                 print {"outDir", "counts", "missingLocations"}
  -h, --help             show this help`;

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      'database-url': { type: 'string' },
      locations: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(EXPORT_HELP), 0;
  const [format, out] = positionals;
  if (format !== 'camtrap-dp') throw new UsageError('export needs a format: camtrap-dp');
  if (!out) throw new UsageError('export camtrap-dp needs an output dir');
  const locations = values.locations ? (JSON.parse(readFileSync(values.locations, 'utf8')) as Record<string, Location>) : undefined;
  const target = await openAdminTarget({ data: values.data, databaseUrl: values['database-url'] });
  let result: CamtrapExport;
  try {
    result =
      target.kind === 'api'
        ? await callHub<CamtrapExport>(target, 'POST', '/api/export/camtrap-dp', locations ? { locations } : {})
        : await buildCamtrapDp(target.store.sql, locations ? { locations } : {});
  } finally {
    if (target.kind === 'store') await target.close();
  }
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(result.files)) writeFileSync(join(dir, name), text);
  if (values.json) io.out(JSON.stringify({ outDir: dir, counts: result.counts, missingLocations: result.missingLocations }));
  else io.out(`Camtrap DP written to ${dir}: ${result.counts.deployments} deployments, ${result.counts.media} media, ${result.counts.observations} observations`);
  if (result.missingLocations.length > 0) io.err(`warning: no coordinates for ${result.missingLocations.join(', ')}; latitude/longitude are required by Camtrap DP (use --locations)`);
  return 0;
}
