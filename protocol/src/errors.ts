/**
 * Domain errors with stable codes. Each workspace keeps its own catalogue built with
 * `defineErrors`; services throw `SpoorError`, and only the HTTP/CLI edges turn codes into
 * status codes or exit codes.
 */
export class SpoorError extends Error {
  readonly code: string;
  /** What the user should do next. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpoorError';
    this.code = code;
    this.hint = options?.hint;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export interface ErrorSpec {
  readonly message: string;
  readonly hint?: string;
}

export type ErrorFactory = (detail?: string, options?: { cause?: unknown; hint?: string }) => SpoorError;

/**
 * Build a catalogue: `const E = defineErrors({ SPOOR_E_X: { message: '...' } })`, then
 * `throw E.SPOOR_E_X('detail')`. The code is the key, so it cannot drift from its message.
 */
export function defineErrors<K extends string>(specs: Record<K, ErrorSpec>): Record<K, ErrorFactory> {
  const out = {} as Record<K, ErrorFactory>;
  for (const code of Object.keys(specs) as K[]) {
    const spec = specs[code];
    out[code] = (detail, options) => {
      const hint = options?.hint ?? spec.hint;
      return new SpoorError(code, detail ? `${spec.message}: ${detail}` : spec.message, {
        ...(hint === undefined ? {} : { hint }),
        ...(options?.cause === undefined ? {} : { cause: options.cause }),
      });
    };
  }
  return out;
}

export function isSpoorError(err: unknown, code?: string): err is SpoorError {
  return err instanceof SpoorError && (code === undefined || err.code === code);
}
