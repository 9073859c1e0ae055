#!/usr/bin/env node
// Ingest benchmark: many simulated trap units (one MQTT.js connection and one set of
// credentials each) publish metadata-mode sightings at QoS 1 to the hub's embedded aedes
// broker. Measured in ONE run against three targets, each in its own process like a real
// deployment: a bare aedes whose subscriber only counts (and acks, so the load loop is the
// same), the hub on PGlite, and the hub on the Postgres server. "Commit" is the arrival of
// the receipt naming the sighting, which the hub sends only after the Postgres commit.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { benchArgs, freshDatabase, quantile, round, table } from './lib.js';

const HELP = `Usage: npm run bench:ingest -- [--devices N] [--sightings N] [--window N] [--targets list] [--json]

Connects --devices (default 1000) simulated trap units, each with its own credentials
(registered through the hub API), and has them publish --sightings (default 20000)
metadata-mode sightings at QoS 1. Each unit keeps at most --window (default 1) sightings
waiting for a receipt, like the relay's window. Reports committed sightings/s and p50/p99
publish→commit latency for each target: broker-only (bare aedes, a subscriber that counts
and acks, no DB), hub+pglite, hub+postgres (a fresh database on --database-url, default
postgres://postgres@127.0.0.1:5432/test), the ratio committed/broker-only, and the median
bytes of a metadata sighting against a 1920×1080 JPEG.
Targets: ≥ 2000 committed/s on the server; ≥ 50 % of broker-only; ≤ 1.5 KB median.
--targets picks some of broker,pglite,postgres (comma separated; default all).
--cpu-prof <dir> runs each target process under \`node --cpu-prof\` and leaves the profiles there.`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HUB_BIN = join(ROOT, 'cloud', 'bin', 'spoor-hub.js');
const PREFIX = 'spoor/v1';
const TARGET_RATE = 2000;
const TARGET_RATIO = 0.5;
const TARGET_BYTES = 1536;

const args = benchArgs(HELP, {
  devices: { type: 'string', default: '1000' },
  sightings: { type: 'string', default: '20000' },
  window: { type: 'string', default: '1' },
  targets: { type: 'string', default: 'broker,pglite,postgres' },
  'database-url': { type: 'string', default: process.env.SPOOR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  'cpu-prof': { type: 'string' },
  role: { type: 'string' },
});

const say = (line) => process.stderr.write(`${line}\n`);

if (args.role === 'broker') await brokerOnly();
else await main();

// ---------------------------------------------------------------------------------------
// The broker-only target (a child process): bare aedes, no auth, no DB. Its one subscriber
// connects over loopback TCP like the hub's ingest does, counts each sighting and answers
// with a receipt-shaped ack naming it, so the device side runs the same closed loop.

async function brokerOnly() {
  const { Aedes } = await import('aedes');
  const { createServer } = await import('node:net');
  const aedes = new Aedes({ heartbeatInterval: 60_000 });
  await aedes.listen();
  const server = createServer((s) => aedes.handle(s));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `counter-${randomBytes(3).toString('hex')}`, clean: true });
  let count = 0;
  sub.on('message', (topic, payload) => {
    count++;
    const id = /"id":"([0-9a-f-]{36})"/.exec(payload.toString('latin1', 0, 64))?.[1];
    sub.publish(topic.replace(/\/sighting$/, '/receipt'), `{"v":1,"ids":["${id}"],"committedAt":"${new Date().toISOString()}"}`, { qos: 1 });
  });
  await sub.subscribeAsync(`${PREFIX}/d/+/sighting`, { qos: 1 });
  console.log(JSON.stringify({ mqtt: port }));
  process.on('SIGTERM', () => {
    process.stderr.write(`broker-only counted ${count}\n`);
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------

async function main() {
  const D = Number(args.devices);
  const N = Number(args.sightings);
  const W = Number(args.window);
  const targets = args.targets.split(',').map((t) => t.trim());
  const ulimitN = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || Infinity;
  // One socket per unit here and one per unit in the target process, plus a margin.
  if (ulimitN < D + 200) {
    say(`error: ulimit -n is ${ulimitN}; ${D} connections need at least ${D + 200} file descriptors per process. Raise it (ulimit -n 4096) or pass --devices.`);
    process.exit(1);
  }
  const ids = Array.from({ length: D }, (_, i) => `bench-${String(i).padStart(4, '0')}`);

  // 1. The payloads, built the way the device builds them (metadata mode, 196-d int8 embeddings).
  say(`building ${N} metadata sightings for ${D} units…`);
  const { buildSightingPayload } = await import('@spoor/device/sync/payload');
  const { rng, typicalSighting } = await import('@spoor/device/sync/fixtures');
  const DIM = 196;
  const embeddings = (s, species) => {
    const r = rng(s.id.charCodeAt(35) * 31 + species.length);
    const v = Float32Array.from({ length: DIM }, () => r() * 2 - 1);
    let n = 0;
    for (const x of v) n += x * x;
    return v.map((x) => x / Math.sqrt(n));
  };
  const perDevice = ids.map(() => []);
  const sizes = [];
  const sizes1 = [];
  for (let i = 0; i < N; i++) {
    const s = typicalSighting(i + 1);
    s.deviceId = ids[i % D];
    const built = buildSightingPayload(s, 'metadata', embeddings);
    if (!built.ok) throw new Error(built.reason);
    perDevice[i % D].push({ id: built.payload.id, bytes: built.bytes });
    sizes.push(built.bytes.byteLength);
    if (built.payload.individuals.length === 1) sizes1.push(built.bytes.byteLength);
  }
  const { renderScene } = await import('@spoor/models/testing');
  const jpeg = await renderScene({ width: 1920, height: 1080, seed: 7, objects: [{ category: 'animal', species: 'Panthera pardus', individual: 1, box: [0.3, 0.35, 0.25, 0.3] }], format: 'jpeg', quality: 90 });
  const payload = {
    medianBytes: quantile(sizes, 0.5),
    medianBytesOneAnimal: quantile(sizes1, 0.5),
    targetBytes: TARGET_BYTES,
    jpeg1080pBytes: jpeg.byteLength,
    jpeg1080pMB: round(jpeg.byteLength / 1e6, 3),
    jpegOverSighting: round(jpeg.byteLength / quantile(sizes1, 0.5), 0),
  };

  // 2. The three targets, one after the other, each in its own process.
  const runs = [];
  for (const target of targets) {
    if (target === 'broker') runs.push(await brokerRun(ids, perDevice, W));
    else if (target === 'pglite' || target === 'postgres') runs.push(await hubRun(target, ids, perDevice, W));
    else throw new Error(`unknown target ${target}`);
  }

  const broker = runs.find((r) => r.target === 'broker-only');
  for (const r of runs) r.ofBrokerOnly = broker ? round(r.committedPerSec / broker.committedPerSec, 3) : null;
  const server = runs.find((r) => r.target === 'hub+postgres');
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, ulimitN },
    devices: D,
    sightings: N,
    window: W,
    payload,
    runs,
    targets: { committedPerSecServer: TARGET_RATE, ofBrokerOnly: TARGET_RATIO, medianBytes: TARGET_BYTES },
    met: {
      committedPerSecServer: server ? server.committedPerSec >= TARGET_RATE : null,
      ofBrokerOnly: server && broker ? server.ofBrokerOnly >= TARGET_RATIO : null,
      medianBytes: payload.medianBytesOneAnimal <= TARGET_BYTES,
    },
  };

  if (args.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`ingest: ${D} units, ${N} metadata sightings at QoS 1, window ${W} per unit; ${result.machine.cpus} cores, Node ${process.version}`);
    table(
      runs.map((r) => ({
        target: r.target,
        'committed/s': r.committedPerSec,
        'p50 ms': r.p50Ms,
        'p99 ms': r.p99Ms,
        'of broker-only': r.ofBrokerOnly ?? '',
        'connect s': r.connectSec,
        'cpu % target/gen/pg/other': `${r.cpu.targetPct}/${r.cpu.generatorPct}/${r.cpu.postgresPct}/${r.cpu.otherPct}`,
      })),
      ['target', 'committed/s', 'p50 ms', 'p99 ms', 'of broker-only', 'connect s', 'cpu % target/gen/pg/other'],
    );
    console.log();
    const mark = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED');
    table(
      [
        { metric: 'committed/s on the Postgres server', value: server?.committedPerSec ?? 'n/a', target: `≥ ${TARGET_RATE}`, status: mark(result.met.committedPerSecServer) },
        { metric: 'server committed / broker-only', value: server?.ofBrokerOnly ?? 'n/a', target: `≥ ${TARGET_RATIO}`, status: mark(result.met.ofBrokerOnly) },
        { metric: 'median metadata sighting (3 frames, 1 animal)', value: `${payload.medianBytesOneAnimal} B`, target: `≤ ${TARGET_BYTES} B`, status: mark(result.met.medianBytes) },
        { metric: 'median metadata sighting (load mix, 1–2 animals)', value: `${payload.medianBytes} B`, target: '', status: '' },
        { metric: '1920×1080 JPEG (synthetic scene, q90)', value: `${payload.jpeg1080pMB} MB`, target: '', status: `${payload.jpegOverSighting}× a sighting` },
      ],
      ['metric', 'value', 'target', 'status'],
    );
  }
}

// ---------------------------------------------------------------------------------------
// Targets.

async function brokerRun(ids, perDevice, window) {
  say('broker-only: starting bare aedes…');
  const child = spawn(process.execPath, [...profArgs('broker-only'), fileURLToPath(import.meta.url), '--role', 'broker'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { mqtt: port } = await firstJsonLine(child, 'broker-only');
    const creds = new Map(ids.map((id) => [id, { username: id, password: 'x' }]));
    return await load('broker-only', child.pid, port, ids, creds, perDevice, window);
  } finally {
    await stopChild(child);
  }
}

async function hubRun(kind, ids, perDevice, window) {
  const dir = await mkdtemp(join(tmpdir(), `spoor-bench-ingest-${kind}-`));
  let db = null;
  let child = null;
  try {
    if (kind === 'postgres') db = await freshDatabase(args['database-url']);
    const dbArgs = db ? ['--database-url', db.url] : [];
    const config = join(dir, 'hub.json');
    await writeFile(config, JSON.stringify({ dataDir: join(dir, 'data'), logLevel: 'warn' }));
    say(`hub+${kind}: starting spoor-hub…`);
    child = spawn(process.execPath, [...profArgs(`hub-${kind}`), HUB_BIN, 'run', '--config', config, '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--json', ...dbArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DATABASE_URL: '' },
    });
    const { http, mqtt: port } = await firstJsonLine(child, `hub+${kind}`);
    const { token } = JSON.parse(cli(['tokens', 'add', '--role', 'admin', '--data', join(dir, 'data'), '--json', ...dbArgs]));

    // Each unit gets its own credentials through the API (a scrypt hash each: the slow part).
    const creds = new Map();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < ids.length) {
          const id = ids[next++];
          const res = await fetch(`http://127.0.0.1:${http}/api/devices`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ deviceId: id }),
          });
          if (res.status !== 200 && res.status !== 201) throw new Error(`POST /api/devices ${id}: HTTP ${res.status} ${await res.text()}`);
          const c = await res.json();
          creds.set(id, { username: c.username, password: c.password });
          if (creds.size % 100 === 0) process.stderr.write(`\rhub+${kind}: ${creds.size}/${ids.length} units registered`);
        }
      }),
    );
    say(`\rhub+${kind}: ${ids.length} units registered in ${round((performance.now() - t0) / 1000, 1)} s`);
    return await load(`hub+${kind}`, child.pid, port, ids, creds, perDevice, window);
  } finally {
    if (child) await stopChild(child);
    if (db) await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The load: connect every unit (in batches), then a closed loop per unit: at most `window`
// sightings waiting for their receipt; the next goes when one comes back.

async function load(label, targetPid, port, ids, creds, perDevice, window) {
  const total = perDevice.reduce((n, l) => n + l.length, 0);
  const clients = [];
  const t0 = performance.now();
  const BATCH = 50;
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    clients.push(
      ...(await Promise.all(
        batch.map(async (id) => {
          const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
            clientId: id,
            ...creds.get(id),
            clean: false,
            reconnectPeriod: 0,
            connectTimeout: 120_000,
            keepalive: 600,
          });
          await c.subscribeAsync(`${PREFIX}/d/${id}/receipt`, { qos: 1 });
          return c;
        }),
      )),
    );
    process.stderr.write(`\r${label}: ${clients.length}/${ids.length} connected`);
  }
  const connectSec = round((performance.now() - t0) / 1000, 1);
  say(`\r${label}: ${ids.length} connected in ${connectSec} s`);

  const sentAt = new Map();
  const latencies = [];
  let done = 0;
  let resolveDone;
  const finished = new Promise((r) => (resolveDone = r));
  const units = clients.map((client, k) => ({ client, id: ids[k], list: perDevice[k], next: 0, waiting: 0 }));
  const pump = (u) => {
    while (u.waiting < window && u.next < u.list.length) {
      const s = u.list[u.next++];
      u.waiting++;
      sentAt.set(s.id, performance.now());
      u.client.publish(`${PREFIX}/d/${u.id}/sighting`, s.bytes, { qos: 1 });
    }
  };
  for (const u of units) {
    u.client.on('message', (_topic, body) => {
      const now = performance.now();
      for (const id of JSON.parse(body).ids) {
        const at = sentAt.get(id);
        if (at === undefined) continue; // a second receipt for the same id
        sentAt.delete(id);
        latencies.push(now - at);
        u.waiting--;
        if (++done === total) resolveDone();
      }
      pump(u);
    });
    u.client.on('error', (err) => say(`${label}: ${u.id}: ${err.message}`));
  }

  const cpu0 = cpuNow(targetPid);
  const start = performance.now();
  for (const u of units) pump(u);
  let lastDone = 0;
  let lastProgress = performance.now();
  const ticker = setInterval(() => {
    const secs = (performance.now() - start) / 1000;
    process.stderr.write(`\r${label}: ${done}/${total} committed, ${Math.round(done / secs)}/s   `);
    if (done !== lastDone) {
      lastDone = done;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 30_000) resolveDone(new Error(`no receipt for 30 s at ${done}/${total}`));
  }, 1000);
  const stuck = await finished;
  clearInterval(ticker);
  const wallMs = performance.now() - start;
  const cpu1 = cpuNow(targetPid);
  say(`\r${label}: ${done}/${total} committed in ${round(wallMs / 1000, 1)} s            `);

  for (let i = 0; i < clients.length; i += 200) await Promise.all(clients.slice(i, i + 200).map((c) => c.endAsync(true).catch(() => {})));
  if (stuck instanceof Error) throw new Error(`${label}: ${stuck.message}`);

  const pct = (ticks) => round((ticks / 100 / (wallMs / 1000)) * 100, 0);
  const machineBusy = cpu1.machine - cpu0.machine;
  const targetTicks = cpu1.target - cpu0.target;
  const genTicks = cpu1.self - cpu0.self;
  const pgTicks = cpu1.postgres - cpu0.postgres;
  return {
    target: label,
    committed: done,
    wallSec: round(wallMs / 1000, 2),
    committedPerSec: Math.round((done / wallMs) * 1000),
    p50Ms: round(quantile(latencies, 0.5), 1),
    p99Ms: round(quantile(latencies, 0.99), 1),
    connectSec,
    // CPU over the measured window, in % of one core (the machine has cpus × 100 %): the
    // target process, this generator process, the Postgres server (all its backends), and
    // everything else on the machine (the OS, other work).
    cpu: {
      targetPct: pct(targetTicks),
      generatorPct: pct(genTicks),
      postgresPct: pct(pgTicks),
      otherPct: pct(Math.max(0, machineBusy - targetTicks - genTicks - pgTicks)),
      machinePct: pct(machineBusy),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Helpers.

function profArgs(name) {
  return args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof'], '--cpu-prof-name', `${name}.cpuprofile`] : [];
}

function firstJsonLine(child, label) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} not ready in 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${label} exited ${code} before it was ready`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function cli(argv) {
  const r = spawnSync(process.execPath, [HUB_BIN, ...argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`spoor-hub ${argv.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** CPU clock ticks (1/100 s): the target process, this process, the Postgres server's processes and the whole machine (busy). */
function cpuNow(pid) {
  const proc = (p) => {
    const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  };
  const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = all[3] + all[4];
  let postgres = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'postgres') postgres += proc(p);
    } catch {
      // gone meanwhile
    }
  }
  return { target: proc(pid), self: proc('self'), postgres, machine: all.reduce((a, b) => a + b, 0) - idle };
}

