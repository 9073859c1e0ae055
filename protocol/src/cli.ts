/** Where a CLI writes: data to `out` (stdout), messages to `err` (stderr). */
export interface CliOut {
  out: (line: string) => void;
  err: (line: string) => void;
}

export type CliCommand<IO extends CliOut> = (argv: string[], io: IO) => Promise<number>;

/**
 * The top level of each Spoor CLI: `<bin> <command> [args]`, `--help`, an unknown command
 * (exit 2 with the help), and one place where a failure becomes an exit code.
 */
export async function dispatchCli<IO extends CliOut>(
  argv: string[],
  spec: { help: string; commands: Record<string, CliCommand<IO>>; io: IO; onError: (err: unknown, json: boolean) => number },
): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    spec.io.out(spec.help);
    return cmd === undefined ? 2 : 0;
  }
  const handler = spec.commands[cmd];
  if (!handler) {
    spec.io.err(`unknown command "${cmd}"\n\n${spec.help}`);
    return 2;
  }
  try {
    return await handler(rest, spec.io);
  } catch (err) {
    return spec.onError(err, rest.includes('--json'));
  }
}
