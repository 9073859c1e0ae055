import { isSpoorError } from './errors.js';

export interface ErrorReply {
  status: number;
  body: { error: { code: string; message: string; hint?: string } };
  /** 5xx: log it; its message is not sent to the client. */
  log: boolean;
}

/**
 * Map an error thrown in a request to the reply: domain codes through `statusByCode`,
 * framework errors (validation, 404, 413 …) by their own status. A 5xx never leaks its message.
 */
export function errorReply(err: { code?: string; statusCode?: number; message: string; validation?: unknown }, statusByCode: Readonly<Record<string, number>>): ErrorReply {
  if (isSpoorError(err)) {
    const status = statusByCode[err.code] ?? 500;
    return status >= 500 ? { status, body: { error: { code: err.code, message: 'internal error' } }, log: true } : { status, body: { error: err.toJSON() }, log: false };
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) return { status: 500, body: { error: { code: 'SPOOR_E_INTERNAL', message: 'internal error' } }, log: true };
  return { status, body: { error: { code: err.validation ? 'SPOOR_E_BAD_REQUEST' : (err.code ?? 'SPOOR_E_BAD_REQUEST'), message: err.message } }, log: false };
}
