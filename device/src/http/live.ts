import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

export interface LiveDeps {
  status: () => Record<string, unknown>;
  /** How often the status is computed and compared (ms). */
  checkMs?: number;
  /** A push at least this often, changed or not (ms). */
  tickMs?: number;
  /** Receives `poke`, which pushes now (the daemon calls it on a sighting or a trigger). */
  onPoke?: (poke: () => void) => void;
}

/** Close code for a session that ended while the socket was open (the panel goes back to login). */
export const WS_SESSION_ENDED = 4401;

/**
 * `GET /api/live`: the status over a WebSocket. It is an ordinary route, so the auth hook refuses
 * the upgrade (401) without a valid session; the session is re-checked on every push and the
 * socket closed with 4401 once it ends. A message goes out when anything but the uptime changes
 * (checked every `checkMs`), on `poke()` (a sighting, a trigger), and every `tickMs` regardless.
 */
/** Needs @fastify/websocket registered first (see `buildApp`). */
export function registerLive(app: FastifyInstance, deps: LiveDeps, hasSession: (req: FastifyRequest) => boolean): void {
  const clients = new Map<WebSocket, FastifyRequest>();
  let lastKey = '';
  let lastSentAt = 0;
  const tickMs = deps.tickMs ?? 5000;

  const push = (force: boolean) => {
    if (clients.size === 0) return;
    const status = deps.status();
    const key = JSON.stringify({ ...status, uptimeSec: undefined });
    if (!force && key === lastKey && Date.now() - lastSentAt < tickMs) return;
    lastKey = key;
    lastSentAt = Date.now();
    const msg = JSON.stringify({ type: 'status', status });
    for (const [socket, req] of clients) {
      if (!hasSession(req)) socket.close(WS_SESSION_ENDED, 'session ended');
      else if (socket.readyState === socket.OPEN) socket.send(msg);
    }
  };
  const timer = setInterval(() => push(false), deps.checkMs ?? 1000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  // Defence in depth beside SameSite=Strict: a page from another origin may not open the socket.
  const sameOrigin = async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin && safeHost(origin) !== req.headers.host) return reply.status(403).send({ error: { code: 'SPOOR_E_CSRF', message: 'the live status only opens from the panel itself' } });
  };
  app.get('/api/live', { websocket: true, preHandler: sameOrigin }, (socket, req) => {
    clients.set(socket, req);
    socket.on('close', () => clients.delete(socket));
    // The panel sends nothing; anything it does send is ignored.
    socket.send(JSON.stringify({ type: 'status', status: deps.status() }));
  });
  deps.onPoke?.(() => push(true));
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
