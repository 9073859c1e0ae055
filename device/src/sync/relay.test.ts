import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, type StatusPayload } from '@spoor/protocol';
import { parseConfig } from '../config/load.js';
import { openDb, type Db } from '../store/db.js';
import { SightingStore } from '../store/sightings.js';
import { typicalSighting } from './fixtures.js';
import { SyncRelay, type SyncRelayDeps } from './relay.js';

const DEVICE = 'trap-07';
const T = (kind: string) => `spoor/v1/d/${DEVICE}/${kind}`;

/** A real aedes broker on an ephemeral port that can go down (TCP closed, sessions kept) and come back on the same port. */
async function startBroker() {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        aedes.handle(s);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async down() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    async up() {
      await listen(port);
    },
    async close() {
      await this.down().catch(() => undefined);
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

type Broker = Awaited<ReturnType<typeof startBroker>>;

/** The hub's side: every sighting delivery it saw, the retained statuses, and receipts on demand. */
async function startHub(url: string, opts: { receipts: boolean }) {
  const client = connect(url, { clientId: 'test-hub', clean: false, reconnectPeriod: 50 });
  const deliveries: string[] = [];
  const statuses: StatusPayload[] = [];
  const hub = {
    client,
    deliveries,
    statuses,
    receipts: opts.receipts,
    ids: () => new Set(deliveries),
    lastStatus: () => statuses.at(-1),
    publish: (topic: string, payload: string | Buffer, retain = false) => new Promise<void>((r) => client.publish(topic, payload, { qos: 1, retain }, () => r())),
  };
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/status')) {
      const s = codecs.status.decode(payload);
      if (s.ok) statuses.push(s.value);
      return;
    }
    const d = codecs.sighting.decode(payload);
    if (!d.ok) throw new Error(`hub got an invalid sighting: ${d.reason}`);
    deliveries.push(d.value.id);
    if (hub.receipts) void hub.publish(T('receipt'), JSON.stringify({ v: 1, ids: [d.value.id], committedAt: new Date().toISOString() }));
  });
  await new Promise<void>((r) => client.once('connect', () => r()));
  await client.subscribeAsync(['spoor/v1/d/+/sighting', 'spoor/v1/d/+/status'], { qos: 1 });
  return hub;
}

async function waitFor<T>(fn: () => T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function seed(db: Db, n: number, priority = 0, from = 1): string[] {
  const store = new SightingStore(db);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = typicalSighting(from + i);
    db.prepare('INSERT INTO events (id, camera_id, start_at, end_at, last_ingest_ms) VALUES (?, ?, ?, ?, 0)').run(s.eventId, s.cameraId, s.takenAt, s.endAt);
    store.commit(s, { topic: 'sighting', priority });
    ids.push(s.id);
  }
  return ids;
}

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(opts: { url?: string; sync?: Record<string, unknown>; receipts?: boolean; deps?: Partial<SyncRelayDeps> } = {}) {
  const broker: Broker | null = opts.url ? null : await startBroker();
  if (broker) cleanup.push(() => broker.close());
  const url = opts.url ?? (broker as Broker).url;
  const dir = await mkdtemp(join(tmpdir(), 'spoor-sync-'));
  const db = openDb(join(dir, 'spoor.db'));
  cleanup.push(() => db.close());
  const config = parseConfig({ deviceId: DEVICE, dataDir: dir, inbox: join(dir, 'inbox'), cloud: { mqttUrl: url }, sync: { receiptTimeoutSec: 1, ...opts.sync } });
  const logs: { msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const clients: MqttClient[] = [];
  const relay = new SyncRelay({
    config,
    db,
    logger,
    backoff: { baseMs: 50, maxMs: 300 },
    connect: (u: string, o: IClientOptions) => {
      const c = connect(u, o);
      clients.push(c);
      return c;
    },
    ...opts.deps,
  });
  cleanup.push(() => relay.stop());
  const hub = broker ? await startHub(url, { receipts: opts.receipts ?? true }) : null;
  if (hub) cleanup.push(() => hub.client.endAsync(true));
  return { broker, hub: hub as Awaited<ReturnType<typeof startHub>>, db, dir, relay, logs, clients, config };
}

const depth = (db: Db) => (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;

describe('SyncRelay against a real aedes broker', () => {
  it('delivers stored sightings and deletes outbox rows only when the receipt names them', async () => {
    const { hub, db, relay } = await setup();
    const ids = seed(db, 5);
    relay.start();
    await waitFor(() => depth(db) === 0, 'the outbox to empty');
    expect(hub.ids()).toEqual(new Set(ids));
    expect(relay.status()).toMatchObject({ connection: 'connected', outbox: { depth: 0 }, lastSyncAt: expect.any(String) });
    expect(hub.lastStatus()).toMatchObject({ deviceId: DEVICE, state: 'online' });
    await relay.stop();
    await waitFor(() => hub.lastStatus()?.state === 'offline', 'the retained offline status after a clean stop');
  });

  it('treats a PUBACK as not delivered: without receipts rows stay and are sent again after the receipt timeout', async () => {
    const { hub, db, relay } = await setup({ receipts: false });
    const ids = seed(db, 3);
    relay.start();
    await waitFor(() => hub.ids().size === 3, 'the first delivery');
    await sleep(300);
    expect(depth(db)).toBe(3); // the broker acknowledged every publish; nothing was deleted
    await waitFor(() => ids.every((id) => hub.deliveries.filter((d) => d === id).length >= 2), 'a resend after receiptTimeoutSec');
    expect(depth(db)).toBe(3);
    hub.receipts = true;
    await waitFor(() => depth(db) === 0, 'the outbox to empty once receipts come');
    expect(hub.ids()).toEqual(new Set(ids));
  });

  it('keeps sightings through a broker outage and delivers every one once it is back', async () => {
    const { broker, hub, db, relay } = await setup({ sync: { receiptTimeoutSec: 2 } });
    const before = seed(db, 3, 0, 1);
    relay.start();
    await waitFor(() => depth(db) === 0, 'the first sightings');
    await broker?.down();
    await waitFor(() => relay.status().connection !== 'connected', 'the relay to notice the outage');
    const during = seed(db, 30, 0, 10);
    relay.kick();
    await sleep(500);
    expect(depth(db)).toBe(30);
    expect(relay.status().connection).not.toBe('connected');
    await broker?.up();
    await waitFor(() => depth(db) === 0, 'the backlog to drain', 20_000);
    // Duplicates are allowed on the wire; the set of ids the hub holds equals what was queued.
    expect(hub.ids()).toEqual(new Set([...before, ...during]));
  });

  it('spends the daily budget, then sends only priority sightings until the UTC day rolls over', async () => {
    let now = Date.parse('2026-05-01T10:00:00.000Z');
    const { hub, db, relay, logs } = await setup({ sync: { dailyBudgetBytes: 1500 }, deps: { clock: () => now } });
    const plain = seed(db, 3, 0, 1); // 1-animal sightings, 1.0–1.5 KB each in metadata mode
    const priority = seed(db, 1, 1, 20);
    relay.start();
    await waitFor(() => hub.ids().size === 1 && depth(db) === 3, 'the priority sighting');
    await sleep(300);
    expect(hub.ids()).toEqual(new Set(priority)); // it went first and spent the budget
    const later = seed(db, 1, 1, 30);
    relay.kick();
    await waitFor(() => hub.ids().has(later[0] as string), 'a new priority sighting past the budget');
    await sleep(300);
    expect(plain.some((id) => hub.ids().has(id))).toBe(false);
    expect(relay.status().budget.exhausted).toBe(true);
    expect(logs.filter((l) => l.msg.startsWith('daily sync budget spent'))).toHaveLength(1);
    now += 24 * 3600 * 1000;
    relay.kick();
    await waitFor(() => plain.filter((id) => hub.ids().has(id)).length === 1, 'the next day');
    await sleep(300);
    expect(plain.filter((id) => hub.ids().has(id))).toHaveLength(1); // the new day's 1500 B fit one plain sighting
  });

  it('keeps the outbox within its disk quota by dropping plain sightings first, oldest first, and logs each drop', async () => {
    const { db, relay, logs } = await setup({ url: 'mqtt://127.0.0.1:1', sync: { outboxQuotaBytes: 1024 * 8 } });
    const oldPlain = seed(db, 4, 0, 1);
    const prio = seed(db, 2, 1, 10);
    const newPlain = seed(db, 2, 0, 20);
    relay.start();
    const dropped = logs.filter((l) => l.msg.startsWith('outbox row dropped')).map((l) => l.sightingId);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped).toEqual([...oldPlain, ...newPlain].slice(0, dropped.length));
    expect(relay.status().dropped).toBe(dropped.length);
    const left = (db.prepare('SELECT ref_id AS id FROM outbox').all() as { id: string }[]).map((r) => r.id);
    expect(left).toEqual(expect.arrayContaining(prio));
    expect(relay.status().outbox.bytes).toBeLessThanOrEqual(8 * 1024);
  });

  it('applies a valid config push (file written, retained status says applied) and rejects an invalid one with its path', async () => {
    const { hub, relay, dir } = await setup();
    relay.start();
    await waitFor(() => hub.lastStatus()?.state === 'online', 'online');
    await hub.publish(T('config'), JSON.stringify({ v: 1, version: 2, config: { sync: { statsIntervalSec: 60 }, cloud: { fleetId: 'north' } } }), true);
    const applied = await waitFor(() => hub.statuses.find((s) => s.config?.state === 'applied'), 'applied');
    expect(applied.config).toMatchObject({ version: 2, reason: expect.stringContaining('/cloud/fleetId') });
    const file = JSON.parse(readFileSync(join(dir, 'config.pushed.json'), 'utf8'));
    expect(file).toMatchObject({ version: 2, config: { sync: { statsIntervalSec: 60 } } });

    await hub.publish(T('config'), JSON.stringify({ v: 1, version: 3, config: { sync: { bandwidth: 'everything' } } }), true);
    const rejected = await waitFor(() => hub.statuses.find((s) => s.config?.state === 'rejected'), 'rejected');
    expect(rejected.config).toMatchObject({ version: 3, reason: expect.stringContaining('/sync/bandwidth') });
    expect(JSON.parse(readFileSync(join(dir, 'config.pushed.json'), 'utf8')).version).toBe(2);
    expect(relay.status()).toMatchObject({ connection: 'connected', config: { version: 3, state: 'rejected' } });

    await hub.publish(T('config'), 'not json', true);
    await waitFor(() => relay.status().config.reason?.startsWith('SPOOR_E_PAYLOAD_JSON'), 'a garbage push reported');
    expect(relay.status().connection).toBe('connected');
    expect(existsSync(join(dir, 'config.pushed.json'))).toBe(true);
  });

  it('leaves a retained offline status (the will) when the connection dies, and comes back online', async () => {
    const { hub, relay, clients } = await setup();
    relay.start();
    await waitFor(() => hub.lastStatus()?.state === 'online', 'online');
    const n = hub.statuses.length;
    clients[0]?.stream.destroy();
    await waitFor(() => hub.statuses.slice(n).some((s) => s.state === 'offline'), 'the will');
    await waitFor(() => hub.statuses.slice(n).at(-1)?.state === 'online' && relay.status().connection === 'connected', 'the reconnect');
    expect(clients.length).toBeGreaterThanOrEqual(2);
  });

  it('ignores malformed receipts and keeps the rows', async () => {
    const { hub, db, relay, logs } = await setup({ receipts: false });
    const ids = seed(db, 2);
    relay.start();
    await waitFor(() => hub.ids().size === 2, 'delivery');
    await hub.publish(T('receipt'), 'not json');
    await hub.publish(T('receipt'), JSON.stringify({ v: 1, ids: [], committedAt: new Date().toISOString() }));
    await hub.publish(T('receipt'), JSON.stringify({ v: 2, ids, committedAt: 'yesterday' }));
    await waitFor(() => logs.filter((l) => l.msg === 'malformed receipt ignored').length === 3, 'three warnings');
    expect(depth(db)).toBe(2);
    await hub.publish(T('receipt'), JSON.stringify({ v: 1, ids: [ids[0]], committedAt: new Date().toISOString() }));
    await waitFor(() => depth(db) === 1, 'the valid receipt');
    expect(relay.status().connection).toBe('connected');
  });

  it('resync queues every stored sighting again; unsupported commands are reported, not fatal', async () => {
    const { hub, db, relay } = await setup();
    const ids = seed(db, 3);
    relay.start();
    await waitFor(() => depth(db) === 0, 'delivery');
    const first = hub.deliveries.length;
    await hub.publish(T('cmd'), JSON.stringify({ v: 1, id: 'c1', cmd: 'resync' }));
    await waitFor(() => depth(db) === 0 && hub.deliveries.length >= first + 3, 'the resync');
    expect(new Set(hub.deliveries.slice(first))).toEqual(new Set(ids));
    await hub.publish(T('cmd'), JSON.stringify({ v: 1, id: 'c2', cmd: 'reindex' }));
    await waitFor(() => relay.status().lastCommand?.id === 'c2', 'the command');
    expect(relay.status().lastCommand).toMatchObject({ cmd: 'reindex', state: 'unsupported', reason: 'not supported yet' });
  });
});
