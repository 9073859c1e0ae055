import { devicesCommand } from './devices.js';
import { exportCommand } from './export.js';
import { runCommand } from './run.js';
import { tokensCommand } from './tokens.js';
import { type CliIo, UsageError, processIo, reportError } from './common.js';

export const HELP = `spoor-hub: the Spoor cloud hub (MQTT broker, ingest, store, REST API)

Usage: spoor-hub <command> [options]

Commands:
  run --data <dir>                       run the hub
  devices add <deviceId> --data <dir>    register a trap unit; prints its MQTT credentials once
  devices list|revoke ... --data <dir>   list or revoke devices
  tokens add --role <role> --data <dir>  create an API token; prints it once
  export camtrap-dp <outDir> --data <dir>  write a Camtrap DP 1.0 package

Every command takes --help; data commands take --json.`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  run: runCommand,
  devices: devicesCommand,
  tokens: tokensCommand,
  export: exportCommand,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(HELP);
    return cmd === undefined ? 2 : 0;
  }
  const handler = COMMANDS[cmd];
  if (!handler) {
    io.err(`unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await handler(rest, io);
  } catch (err) {
    const usage = typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS');
    return reportError(io, usage ? new UsageError((err as Error).message) : err, rest.includes('--json'));
  }
}
