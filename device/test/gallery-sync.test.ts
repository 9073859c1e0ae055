import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs, fleetTopic, uuidv7, type SightingPayload } from '@spoor/protocol';
import { createLogger, parseConfig as parseHubConfig, startHub, type Hub } from '@spoor/cloud';
import { createTestDatabase, type TestDb } from '@spoor/cloud/store/testing';
import { vectorFor } from '@spoor/cloud/testing/fixtures';
import { parseConfig } from '../src/config/load.js';
import { SightingBuilder } from '../src/pipeline/sightings.js';
import { Gallery } from '../src/reid/gallery.js';
import { GlobalGallery } from '../src/reid/global-gallery.js';
import { openDb, type Db } from '../src/store/db.js';
import { IndividualStore } from '../src/store/individuals.js';
import { SightingStore, type Sighting } from '../src/store/sightings.js';
import { GallerySync } from '../src/sync/gallery-sync.js';
import { SyncRelay } from '../src/sync/relay.js';
import { waitFor } from './helpers.js';

const SPECIES = 'Panthera pardus';
const FLEET = 'north';
/** The leopard every trap sees: one direction, a little noise per view. */
const leopard = (view: number) => vectorFor(3, 64, 0.01 * view);
const serval = (view: number) => vectorFor(11, 64, 0.01 * view);

/**
 * One trap unit without the camera and the models: its real SQLite, ReID gallery, sighting
 * builder (burst vote → sighting + outbox row), global gallery and MQTT relay. `see()` stores a
 * detection with the animal's embedding and closes the event, as the pipeline does after inference.
 */
class Trap {
  readonly db: Db;
  readonly global: GlobalGallery;
  readonly individuals: IndividualStore;
  readonly sightings: SightingStore;
  private readonly builder: SightingBuilder;
  private readonly gallery: Gallery;
  relay: SyncRelay | null = null;
  sync: GallerySync | null = null;
  /** Every delta this trap applied: whether it was a snapshot, and at which version. */
  readonly applied: { version: number; snapshot: boolean }[] = [];

  constructor(
    readonly deviceId: string,
    private readonly password: string,
    private readonly url: string,
    readonly dir = mkdtempSync(join(tmpdir(), `spoor-${deviceId}-`)),
  ) {
    this.db = openDb(join(dir, 'spoor.db'));
    this.gallery = new Gallery(this.db, join(dir, 'gallery'));
    this.individuals = new IndividualStore(this.db);
    this.sightings = new SightingStore(this.db);
    this.global = new GlobalGallery(this.db, this.gallery, deviceId, FLEET);
    this.builder = new SightingBuilder({ db: this.db, sightings: this.sightings, individuals: this.individuals, gallery: this.gallery, deviceId, thresholds: () => ({ accept: 0.85, reject: 0.6 }) });
  }

  start(): void {
    const config = parseConfig({ deviceId: this.deviceId, dataDir: this.dir, inbox: join(this.dir, 'inbox'), cloud: { mqttUrl: this.url, password: this.password, fleetId: FLEET } });
    const logger = pino({ level: 'warn' });
    this.sync = new GallerySync({ global: this.global, prefix: config.cloud.prefix, logger, retryMs: 500, onApplied: (o) => this.applied.push({ version: o.version, snapshot: o.snapshot }) });
    this.relay = new SyncRelay({ config, db: this.db, logger, gallery: this.sync, backoff: { baseMs: 50, maxMs: 300 } });
    this.sync.start();
    this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
    this.sync?.stop();
    this.relay = null;
  }

  see(v: Float32Array): Sighting {
    const eventId = uuidv7();
    const captureId = uuidv7();
    const t = new Date().toISOString();
    this.db.prepare('INSERT INTO events (id, camera_id, start_at, end_at, last_ingest_ms) VALUES (?, ?, ?, ?, 0)').run(eventId, 'cam-1', t, t);
    this.db
      .prepare(
        `INSERT INTO captures (id, sha256, blob_path, bytes, original_name, source, taken_at, taken_at_source, camera_id, width, height, format, event_id, status, ingested_at)
         VALUES (?, ?, '/dev/null', 1, 'IMG_0001.JPG', 'test', ?, 'mtime', 'cam-1', 960, 540, 'jpeg', ?, 'done', ?)`,
      )
      .run(captureId, randomBytes(32).toString('hex'), t, eventId, t);
    this.db
      .prepare(
        `INSERT INTO detections (id, capture_id, event_id, category, label, x, y, w, h, confidence, taxon_label, taxon_rank, taxon_p, top_json, embedding)
         VALUES (?, ?, ?, 'animal', 'animal', 0.1, 0.2, 0.3, 0.4, 0.9, ?, 'species', 0.9, ?, ?)`,
      )
      .run(uuidv7(), captureId, eventId, SPECIES, JSON.stringify([{ label: SPECIES, p: 0.9 }]), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    const { sighting } = this.builder.close(eventId);
    if (!sighting) throw new Error('no sighting');
    this.relay?.kick();
    return sighting;
  }

  /** What the device holds of the gallery, to prove an apply changed nothing. */
  dump(): unknown {
    const all = (sql: string) => this.db.prepare(sql).all();
    return [all('SELECT * FROM individuals ORDER BY id'), all('SELECT key, individual_id, origin FROM gallery_vectors ORDER BY key'), all('SELECT * FROM global_individuals ORDER BY id'), all('SELECT * FROM gallery_sync')];
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe.each(['pglite', 'postgres'] as const)('global gallery reaches the devices (real hub on %s, real relays)', (backend) => {
  let dir: string;
  let pg: TestDb | null = null;
  let hub: Hub;
  let reviewer: string;
  const traps: Trap[] = [];
  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${hub.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${reviewer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { items?: Record<string, unknown>[] } };
  };
  const trap = async (deviceId: string) => {
    const creds = await hub.store.devices.add({ deviceId, fleetId: FLEET });
    const t = new Trap(deviceId, creds.password, `mqtt://127.0.0.1:${hub.mqttPort}`);
    traps.push(t);
    return t;
  };
  const hubVersion = async () => Number((await api('GET', `/api/gallery/${FLEET}?since=0`)).json.version);
  const hubSighting = async (id: string) => (await hub.store.sql.query<{ body: SightingPayload }>('SELECT body FROM sightings WHERE id = $1', [id])).rows[0]?.body;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spoor-hub-gallery-'));
    if (backend === 'postgres') pg = await createTestDatabase();
    const config = parseHubConfig({
      dataDir: dir,
      ...(pg ? { databaseUrl: pg.url } : {}),
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      gallery: { keepVersions: 3 },
    });
    hub = await startHub(config, createLogger('warn'));
    reviewer = (await hub.store.tokens.add('reviewer')).token;
  });
  afterAll(async () => {
    for (const t of traps) await t.stop();
    await hub?.stop();
    for (const t of traps) t.close();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two traps see one leopard → proposal → a reviewer accepts → both traps get the delta and their next sightings carry the global id; a delta twice changes nothing', async () => {
    const a = await trap('trap-a');
    const b = await trap('trap-b');
    // Both traps see the leopard before either hears of the other: two new local individuals.
    const sa = a.see(leopard(0));
    const sb = b.see(leopard(1));
    expect([sa.individuals[0]?.decision, sb.individuals[0]?.decision]).toEqual(['new', 'new']);
    a.start();
    await waitFor(() => hubSighting(sa.id), 'trap-a sighting on the hub', 15_000);
    b.start();
    let proposals: Record<string, unknown>[] = [];
    await waitFor(async () => (proposals = (await api('GET', '/api/proposals?status=open')).json.items ?? []).length === 1, 'a proposal', 15_000);
    const p = proposals[0] as { id: string; candidateIndividualId: string; localId: string; deviceId: string };
    expect(p).toMatchObject({ deviceId: 'trap-b', localId: sb.individuals[0]?.id });
    const g = p.candidateIndividualId;

    const accepted = await api('POST', `/api/proposals/${p.id}/accept`, {});
    expect(accepted.status).toBe(200);
    const version = await hubVersion();
    await waitFor(() => a.global.version() === version && b.global.version() === version, `both traps at gallery version ${version}`, 15_000);
    expect(b.relay?.status().gallery).toEqual({ fleetId: FLEET, version });
    expect(a.individuals.get(sa.individuals[0]?.id as string)?.globalId).toBe(g);
    expect(b.individuals.get(sb.individuals[0]?.id as string)?.globalId).toBe(g);
    // trap-b's mirror of the leopard (from version 1) is gone now that its own individual is linked.
    expect(b.global.list()).toEqual([expect.objectContaining({ id: g, localId: sb.individuals[0]?.id, mirror: false })]);

    const nextA = a.see(leopard(2));
    const nextB = b.see(leopard(3));
    for (const [s, local] of [
      [nextA, sa.individuals[0]?.id],
      [nextB, sb.individuals[0]?.id],
    ] as const) {
      expect(s.individuals[0]).toMatchObject({ decision: 'known', id: local, globalId: g });
      expect(s.detections[0]?.individual).toMatchObject({ id: local, globalId: g });
    }
    const onHub = await waitFor(() => hubSighting(nextB.id), 'trap-b next sighting on the hub', 15_000);
    expect(onHub.individuals[0]?.globalId).toBe(g);

    // Each known sighting adds a reference on the hub (a version each); let both traps settle on the last one.
    await waitFor(() => hubSighting(nextA.id), 'trap-a next sighting on the hub', 15_000);
    await hub.ingest.drain();
    const last = await hubVersion();
    expect(last).toBeGreaterThan(version);
    await waitFor(() => a.global.version() === last && b.global.version() === last, `both traps at gallery version ${last}`, 15_000);

    // QoS 1 may deliver a delta twice: the hub publishing the same version again changes nothing.
    const before = a.dump();
    const again = (await api('GET', `/api/gallery/${FLEET}?since=${last - 1}`)).json.deltas as unknown[];
    expect(again).toHaveLength(1);
    await hub.ingest.publish(fleetTopic(FLEET), codecs.gallery.encode(again[0] as never), { qos: 1, retain: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(a.dump()).toEqual(before);
    expect(a.global.version()).toBe(last);
  });

  it('a trap offline through three gallery versions converges after reconnecting; a new trap catches up by snapshot', async () => {
    const [a, b] = traps as [Trap, Trap];
    const g = (a.global.list()[0] as { id: string }).id;
    await b.stop();
    const start = await hubVersion();
    // Three versions while trap-b is away: a rename, a new animal from trap-a, and its rename.
    const ind = (await api('GET', `/api/individuals/${g}`)).json as { version: number };
    expect((await api('POST', `/api/individuals/${g}/rename`, { name: 'Zawadi', expectedVersion: ind.version })).status).toBe(200);
    const s2 = a.see(serval(0));
    let g2 = '';
    await waitFor(async () => (g2 = ((await api('GET', '/api/individuals')).json.items ?? []).map((i) => String(i.id)).find((id) => id !== g) ?? ''), 'the second global individual', 15_000);
    expect((await api('POST', `/api/individuals/${g2}/rename`, { name: 'Tumaini', expectedVersion: 1 })).status).toBe(200);
    const version = await hubVersion();
    expect(version).toBe(start + 3);
    expect(b.global.version()).toBe(start);

    b.start();
    await waitFor(() => b.global.version() === version, `trap-b back at version ${version}`, 15_000);
    const held = Object.fromEntries(b.global.list().map((x) => [x.id, x]));
    expect(held[g]).toMatchObject({ name: 'Zawadi', mirror: false });
    expect(held[g2]).toMatchObject({ name: 'Tumaini', mirror: true });
    // trap-b never saw the serval, yet recognises it by its global identity.
    const seen = b.see(serval(2));
    expect(seen.individuals[0]).toMatchObject({ decision: 'known', id: held[g2]?.localId, globalId: g2, name: 'Tumaini' });
    // The hub links that local id to the serval (the trap recognised it), and the next delta makes it trap-b's own.
    await waitFor(async () => ((await api('GET', `/api/individuals/${g2}`)).json.links as { deviceId: string; localId: string }[]).some((l) => l.deviceId === 'trap-b' && l.localId === held[g2]?.localId), 'the hub linking trap-b to the serval', 15_000);
    await waitFor(() => b.global.list().find((x) => x.id === g2)?.mirror === false, 'trap-b holding the serval as its own', 15_000);
    await waitFor(() => a.global.version() >= version, 'trap-a at the fleet version');
    expect(a.individuals.get(s2.individuals[0]?.id as string)).toMatchObject({ globalId: g2, name: 'Tumaini' });

    // A trap that joins now never had a session: its status (version 0) gets a snapshot (only 3 versions are kept).
    const c = await trap('trap-c');
    c.start();
    await waitFor(async () => c.global.version() === (await hubVersion()), 'trap-c at the fleet version', 15_000);
    expect(c.global.list().map((x) => x.id).sort()).toEqual([g, g2].sort());
    expect(c.applied[0]).toMatchObject({ snapshot: true });
  });
});
