/**
 * Reconnect delays: exponential with full jitter (a random point in [0, base·2^attempt],
 * capped), floored at `baseMs` so a fleet that lost its hub does not reconnect in lockstep
 * nor in a tight loop. Defaults: 1 s … 5 min.
 */
export function backoffDelay(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 5 * 60 * 1000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(Math.max(base, (opts.random ?? Math.random)() * ceiling));
}
