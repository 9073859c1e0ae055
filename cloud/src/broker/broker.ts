import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { randomSecret, sha256Hex } from '../store/secrets.js';
import type { DeviceRepo } from '../store/devices.js';
import { mayPublish, maySubscribe, type DeviceIdentity } from './acl.js';

/** The username of the hub's own client; `$` cannot occur in a device id, so no device can take it. */
export const HUB_USERNAME = '$hub';

export interface BrokerOptions {
  host: string;
  port: number;
  wsPort?: number | undefined;
  tls?: { key: string; cert: string; ca?: string | undefined } | undefined;
  prefix: string;
  devices: DeviceRepo;
  logger: Logger;
  /** How long verified device credentials are trusted without asking the store again. */
  credentialCacheMs?: number;
}

export interface Broker {
  readonly aedes: Aedes;
  /** The bound MQTT port (TCP, or TLS when configured). */
  readonly port: number;
  readonly wsPort: number | null;
  /** Credentials for the hub's internal client (random per process). */
  readonly hubCredentials: { username: string; password: string };
  connectedClients(): number;
  isListening(): boolean;
  /** Forget cached credentials and disconnect the device's live sessions at once. */
  revoke(deviceId: string): void;
  /** After a password rotation: forget cached credentials and drop live sessions (they reconnect with the new password). */
  forget(deviceId: string): void;
  stop(): Promise<void>;
}

type Identity = { kind: 'hub' } | ({ kind: 'device' } & DeviceIdentity);

/** The embedded aedes broker with per-device credentials and the topic ACL. */
export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const log = opts.logger.child({ mod: 'broker' });
  const hubSecret = randomSecret(32);
  const cacheMs = opts.credentialCacheMs ?? 30_000;
  const identities = new WeakMap<Client, Identity>();
  const live = new Map<string, Set<Client>>();
  const cache = new Map<string, { digest: string; who: DeviceIdentity; until: number }>();
  const revoked = new Set<string>();

  const aedes = new Aedes({ drainTimeout: 30_000, heartbeatInterval: 60_000 });
  const refuse = (returnCode: 2 | 4 | 5, message: string) => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

  aedes.authenticate = (client, username, password, done) => {
    const pw = password?.toString('utf8') ?? '';
    if (username === HUB_USERNAME) {
      const ok = pw.length === hubSecret.length && timingSafeEqual(Buffer.from(pw), Buffer.from(hubSecret));
      if (ok) identities.set(client, { kind: 'hub' });
      return ok ? done(null, true) : done(refuse(4, 'bad hub credentials'), false);
    }
    if (!username || !pw) return done(refuse(4, 'username and password required'), false);
    const digest = sha256Hex(`${username}\u0000${pw}`);
    const hit = cache.get(username);
    const accept = (who: DeviceIdentity) => {
      if (revoked.has(who.deviceId)) return done(refuse(5, 'device revoked'), false);
      // The client id is the device id, so one device cannot knock another off by taking its id.
      if (client.id !== who.deviceId) return done(refuse(2, `client id must be the device id (${who.deviceId})`), false);
      identities.set(client, { kind: 'device', ...who });
      // Tracked from here (not from clientReady, which comes after the CONNACK) so a revoke cannot miss it.
      let set = live.get(who.deviceId);
      if (!set) live.set(who.deviceId, (set = new Set()));
      set.add(client);
      const s = set;
      client.conn.once('close', () => s.delete(client));
      done(null, true);
    };
    if (hit && hit.digest === digest && hit.until > Date.now()) return accept(hit.who);
    opts.devices.verify(username, pw).then(
      (who) => {
        if (!who) {
          log.info({ username, clientId: client.id }, 'device refused: unknown, revoked or wrong password');
          return done(refuse(4, 'bad username or password'), false);
        }
        cache.set(username, { digest, who, until: Date.now() + cacheMs });
        accept(who);
      },
      (err: unknown) => {
        log.error({ err, username }, 'credential check failed');
        done(refuse(5, 'server unavailable'), false);
      },
    );
  };

  aedes.authorizePublish = (client, packet, done) => {
    const who = client ? identities.get(client) : undefined;
    if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS is reserved'));
    if (who?.kind === 'hub') return done(null);
    // client is null only for a stored will of a client that is gone; it was its own status topic.
    if (!client) return done(/^.*\/d\/[^/]+\/status$/.test(packet.topic) ? null : new Error('not authorized'));
    if (who?.kind === 'device' && !revoked.has(who.deviceId) && mayPublish(who, packet.topic, opts.prefix)) return done(null);
    log.warn({ clientId: client.id, deviceId: who?.kind === 'device' ? who.deviceId : undefined, topic: packet.topic }, 'publish refused; disconnecting');
    done(new Error('not authorized'));
  };

  aedes.authorizeSubscribe = (client, sub, done) => {
    const who = identities.get(client);
    if (who?.kind === 'hub') return done(null, sub);
    if (who?.kind === 'device' && !revoked.has(who.deviceId) && maySubscribe(who, sub.topic, opts.prefix)) return done(null, sub);
    log.info({ clientId: client.id, topic: sub.topic }, 'subscribe refused');
    // A null subscription is answered with granted QoS 0x80 instead of dropping the connection.
    done(null, null);
  };

  aedes.on('clientDisconnect', (client) => {
    const who = identities.get(client);
    if (who?.kind === 'device') live.get(who.deviceId)?.delete(client);
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'connection error'));

  await aedes.listen();

  const handle = (socket: Socket) => {
    socket.on('error', () => {});
    aedes.handle(socket);
  };
  let server: NetServer;
  if (opts.tls) {
    server = createTlsServer(
      { key: readFileSync(opts.tls.key), cert: readFileSync(opts.tls.cert), ...(opts.tls.ca ? { ca: readFileSync(opts.tls.ca) } : {}) },
      handle,
    );
  } else {
    server = createNetServer(handle);
  }
  await listen(server, opts.port, opts.host);
  const port = (server.address() as AddressInfo).port;

  let httpServer: HttpServer | null = null;
  let wss: WebSocketServer | null = null;
  let wsPort: number | null = null;
  if (opts.wsPort !== undefined) {
    httpServer = createHttpServer((_req, res) => res.writeHead(426).end('MQTT over WebSocket only\n'));
    wss = new WebSocketServer({ server: httpServer });
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => {});
      aedes.handle(stream, req);
    });
    await listen(httpServer, opts.wsPort, opts.host);
    wsPort = (httpServer.address() as AddressInfo).port;
  }
  log.info({ port, wsPort, tls: Boolean(opts.tls) }, 'broker listening');

  let listening = true;
  return {
    aedes,
    port,
    wsPort,
    hubCredentials: { username: HUB_USERNAME, password: hubSecret },
    connectedClients: () => aedes.connectedClients,
    isListening: () => listening && !aedes.closed,
    revoke(deviceId) {
      revoked.add(deviceId);
      for (const [username, entry] of cache) if (entry.who.deviceId === deviceId) cache.delete(username);
      for (const client of live.get(deviceId) ?? []) {
        log.info({ deviceId, clientId: client.id }, 'revoked device disconnected');
        client.close();
      }
      live.delete(deviceId);
    },
    forget(deviceId) {
      for (const [username, entry] of cache) if (entry.who.deviceId === deviceId) cache.delete(username);
      for (const client of live.get(deviceId) ?? []) client.close();
      live.delete(deviceId);
    },
    async stop() {
      listening = false;
      for (const c of wss?.clients ?? []) c.terminate();
      await new Promise<void>((r) => aedes.close(() => r()));
      wss?.close();
      await Promise.all([close(server), httpServer ? close(httpServer) : Promise.resolve()]);
    },
  };
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as HttpServer).closeAllConnections?.();
  });
}
