import { isSpoorError } from '@spoor/protocol';
import { HubErrors } from '../errors.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A usage mistake: print the message and point at --help, exit 2. */
export class UsageError extends Error {}

/** Print a failure the way the user asked for it; returns the exit code. */
export function reportError(io: CliIo, err: unknown, json: boolean): number {
  if (err instanceof UsageError) {
    io.err(`error: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
  const coded = isSpoorError(err) ? err : HubErrors.SPOOR_E_INTERNAL((err as Error)?.message ?? String(err), { cause: err });
  if (json) io.out(JSON.stringify({ error: coded.toJSON() }));
  io.err(`error ${coded.code}: ${coded.message}${coded.hint ? `\n  → ${coded.hint}` : ''}`);
  return 1;
}
