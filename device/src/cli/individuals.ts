import { parseArgs } from 'node:util';
import { Gallery } from '../reid/gallery.js';
import { enrollIndividual } from '../reid/enroll.js';
import { dataPaths, openRuntime } from '../runtime.js';
import { openDb } from '../store/db.js';
import { IndividualStore, type Individual } from '../store/individuals.js';
import { createLogger } from '../system/logger.js';
import { type CliIo, UsageError, configFor } from './common.js';

export const INDIVIDUALS_HELP = `Usage: spoor-device individuals <command> --data <dataDir> [--json]

Commands:
  enroll --species <taxon> --name <name> <images...>   add a known individual from reference photos
  list [--species <taxon>]                             list the on-device gallery
  rename <id> <name>                                   rename an individual
  delete <id>                                          delete an individual and its reference features

Options:
  --data <dir>     the device data dir
  --config <file>  a device config (JSON or YAML) instead of the defaults
  --json           machine-readable output`;

export async function individualsCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') return io.out(INDIVIDUALS_HELP), sub === undefined ? 2 : 0;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' }, config: { type: 'string' }, species: { type: 'string' }, name: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(INDIVIDUALS_HELP), 0;
  const config = configFor(values);
  const print = (value: unknown, text: string) => io.out(values.json ? JSON.stringify(value) : text);

  if (sub === 'enroll') {
    if (!values.species || !values.name) throw new UsageError('enroll needs --species <taxon> and --name <name>');
    if (positionals.length === 0) throw new UsageError('enroll needs at least one image');
    const rt = await openRuntime(config, createLogger(config.logLevel, { quiet: true }));
    try {
      const res = await enrollIndividual(
        { infer: (job) => rt.pool.infer(job), individuals: rt.individuals, gallery: rt.gallery },
        { species: values.species, name: values.name, files: positionals },
      );
      print({ ...res.individual, used: res.used, rejected: res.rejected }, `enrolled ${res.individual.name} (${res.individual.id}) from ${res.used.length} photo(s)${res.rejected.length ? `; ${res.rejected.length} rejected` : ''}`);
      return 0;
    } finally {
      await rt.close();
    }
  }

  const db = openDb(dataPaths(config.dataDir).db);
  try {
    const store = new IndividualStore(db);
    switch (sub) {
      case 'list': {
        const items = store.list(values.species === undefined ? {} : { species: values.species });
        print(items, items.length === 0 ? 'no individuals' : items.map(line).join('\n'));
        return 0;
      }
      case 'rename': {
        const [id, name] = positionals;
        if (!id || !name) throw new UsageError('rename needs <id> <name>');
        const ind = store.rename(id, name);
        print(ind, `renamed ${ind.id} to ${ind.name}`);
        return 0;
      }
      case 'delete': {
        const [id] = positionals;
        if (!id) throw new UsageError('delete needs <id>');
        const ind = store.require(id);
        const gallery = new Gallery(db, dataPaths(config.dataDir).gallery);
        gallery.removeIndividual(id);
        gallery.flush();
        print({ deleted: ind.id }, `deleted ${ind.name} (${ind.id})`);
        return 0;
      }
      default:
        throw new UsageError(`unknown individuals command "${sub}"`);
    }
  } finally {
    db.close();
  }
}

const line = (i: Individual) => `${i.id}  ${i.species}  ${i.name}  (${i.origin}, ${i.references} reference(s))`;
