/**
 * The daemon's recent log lines in memory (bounded by lines and bytes), for the panel's
 * "download logs". pino has already redacted known secret paths; lines are scrubbed again for
 * credentials in URLs and password-like keys, since a log download leaves the unit.
 */
export class LogRing {
  #lines: string[] = [];
  #bytes = 0;

  constructor(
    private readonly maxLines = 5000,
    private readonly maxBytes = 2 * 1024 * 1024,
  ) {}

  /** pino's multistream calls this once per line. */
  write(line: string): void {
    const clean = scrub(line.endsWith('\n') ? line : `${line}\n`);
    this.#lines.push(clean);
    this.#bytes += clean.length;
    while (this.#lines.length > this.maxLines || (this.#bytes > this.maxBytes && this.#lines.length > 1)) {
      this.#bytes -= (this.#lines.shift() as string).length;
    }
  }

  /** The lines kept, oldest first (NDJSON, one pino line each). */
  text(): string {
    return this.#lines.join('');
  }

  get size(): number {
    return this.#lines.length;
  }
}

/** Remove `user:pass@` from URLs and the values of password/secret/token keys. */
export function scrub(line: string): string {
  return line
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s"@]+@/gi, '$1[redacted]@')
    .replace(/("[^"]*(?:password|passwd|secret|token|passwordHash)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"');
}
