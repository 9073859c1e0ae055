import { type CliCommand, dispatchCli } from '@spoor/protocol';
import { importCommand } from './import.js';
import { individualsCommand } from './individuals.js';
import { runCommand } from './run.js';
import { sightingsCommand } from './sightings.js';
import { type CliIo, processIo, reportError } from './common.js';

export const HELP = `spoor-device: the Spoor trap-unit daemon and its tools

Usage: spoor-device <command> [options]

Commands:
  run --config <file>              run the daemon (watch folder, pipeline, HTTP API)
  import <dir> --data <dataDir>    ingest and process a folder of photos (SD card, archive)
  sightings list --data <dataDir>  list stored sightings
  individuals <cmd> --data <dir>   enroll, list, rename or delete known individuals

Every command takes --help; data commands take --json.`;

const COMMANDS: Record<string, CliCommand<CliIo>> = {
  run: runCommand,
  import: importCommand,
  sightings: sightingsCommand,
  individuals: individualsCommand,
};

export function main(argv: string[], io: CliIo = processIo): Promise<number> {
  return dispatchCli(argv, { help: HELP, commands: COMMANDS, io, onError: (err, json) => reportError(io, err, json) });
}
