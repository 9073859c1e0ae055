import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox';

/** The largest payload either side accepts (a sighting with a thumbnail ref is far below). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; code: 'SPOOR_E_PAYLOAD_TOO_LARGE' | 'SPOOR_E_PAYLOAD_JSON' | 'SPOOR_E_PAYLOAD_SCHEMA'; reason: string };

/** A compiled validator for one payload schema: decode bytes from the wire, encode values for it. */
export class Codec<S extends TSchema> {
  private readonly check: TypeCheck<S>;

  /** `maxBytes`: the largest message this codec decodes (media messages carry images, so theirs is larger). */
  constructor(
    readonly schema: S,
    readonly maxBytes: number = MAX_PAYLOAD_BYTES,
  ) {
    this.check = TypeCompiler.Compile(schema);
  }

  decode(bytes: Buffer | Uint8Array | string): DecodeResult<Static<S>> {
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
    if (size > this.maxBytes) return { ok: false, code: 'SPOOR_E_PAYLOAD_TOO_LARGE', reason: `${size} bytes, limit ${this.maxBytes}` };
    let value: unknown;
    try {
      value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } catch (err) {
      return { ok: false, code: 'SPOOR_E_PAYLOAD_JSON', reason: (err as Error).message };
    }
    if (!this.check.Check(value)) {
      const first = this.check.Errors(value).First();
      return { ok: false, code: 'SPOOR_E_PAYLOAD_SCHEMA', reason: first ? `${first.path || '/'}: ${first.message}` : 'does not match the schema' };
    }
    return { ok: true, value };
  }

  /** Validate and serialise; a value that breaks the contract is a bug on our side, so it throws. */
  encode(value: Static<S>): Buffer {
    if (!this.check.Check(value)) {
      const first = this.check.Errors(value).First();
      throw new Error(`refusing to send an invalid payload: ${first ? `${first.path || '/'}: ${first.message}` : 'schema mismatch'}`);
    }
    return Buffer.from(JSON.stringify(value));
  }
}
