import { type CliCommand, dispatchCli } from '@spoor/protocol';
import { devicesCommand } from './devices.js';
import { exportCommand } from './export.js';
import { runCommand } from './run.js';
import { tokensCommand } from './tokens.js';
import { usersCommand } from './users.js';
import { type CliIo, UsageError, processIo, reportError } from './common.js';

export const HELP = `spoor-hub: the Spoor cloud hub (MQTT broker, ingest, store, REST API)

Usage: spoor-hub <command> [options]

Commands:
  run --data <dir>                       run the hub
  devices add <deviceId> --data <dir>    register a trap unit; prints its MQTT credentials once
  devices list|revoke ... --data <dir>   list or revoke devices
  tokens add --role <role> --data <dir>  create an API token; prints it once
  users add --email <e> --role <role> --data <dir>  create a console user; prints the password once
  users list --data <dir>                list console users
  export camtrap-dp <outDir> --data <dir>  write a Camtrap DP 1.0 package

Every command takes --help; data commands take --json.`;

const COMMANDS: Record<string, CliCommand<CliIo>> = {
  run: runCommand,
  devices: devicesCommand,
  tokens: tokensCommand,
  users: usersCommand,
  export: exportCommand,
};

export function main(argv: string[], io: CliIo = processIo): Promise<number> {
  return dispatchCli(argv, { help: HELP, commands: COMMANDS, io, onError: (err, json) => {
      const usage = typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS');
      return reportError(io, usage ? new UsageError((err as Error).message) : err, json);
    } });
}
