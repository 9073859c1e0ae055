#!/usr/bin/env node
// `npm start`: the whole local stack on embedded defaults — a hub (PGlite + embedded MQTT
// broker) and one provisioned device watching ./data/inbox — then print the URLs and, on the
// first start, a one-time admin token. Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = resolve(process.env.SPOOR_DATA ?? join(root, 'data'));
const hubData = join(dataRoot, 'hub');
const deviceConfigFile = join(dataRoot, 'device.json');
const HUB_BIN = join(root, 'cloud', 'bin', 'spoor-hub.js');
const DEVICE_BIN = join(root, 'device', 'bin', 'spoor-device.js');
const want = {
  hubHttp: Number(process.env.SPOOR_HUB_PORT ?? 8080),
  deviceHttp: Number(process.env.SPOOR_DEVICE_PORT ?? 8081),
  mqtt: Number(process.env.SPOOR_MQTT_PORT ?? 1883),
};
const say = (line) => process.stderr.write(`[spoor] ${line}\n`);

for (const f of ['cloud/dist/cli/main.js', 'device/dist/cli/main.js']) {
  if (!existsSync(join(root, f))) {
    say('Spoor is not built yet. Run `npm install` (it builds), or `npm run build`.');
    process.exit(1);
  }
}
const defaultManifest = join(root, 'models', 'cache', 'default', 'manifest.json');
if (!existsSync(defaultManifest)) {
  say('building the default detector (first start, offline)…');
  const r = spawnSync(process.execPath, [join(root, 'models', 'scripts', 'build-default-models.js')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The wanted port if it is free, else 0 (the OS picks one). */
function freeOr0(port) {
  if (port === 0) return Promise.resolve(0);
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(0));
    srv.listen(port, '0.0.0.0', () => srv.close(() => res(port)));
  });
}

/** Start a CLI with --json and resolve with its first stdout line (the ready line). */
function startJson(bin, args, name) {
  const child = spawn(process.execPath, [bin, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => res(JSON.parse(line)));
    child.once('exit', (code) => rej(new Error(`${name} exited with code ${code} before it was ready`)));
  });
  return { child, ready };
}

function cliJson(bin, args) {
  const r = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

mkdirSync(join(dataRoot, 'inbox'), { recursive: true });
const children = [];
const stopAll = (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopAll(sig));

try {
  const [hubHttp, mqtt, deviceHttp] = [await freeOr0(want.hubHttp), await freeOr0(want.mqtt), await freeOr0(want.deviceHttp)];
  const hub = startJson(HUB_BIN, ['run', '--data', hubData, '--http-port', String(hubHttp), '--mqtt-port', String(mqtt)], 'spoor-hub');
  children.push(hub.child);
  const hubPorts = await hub.ready;

  // First start: provision the local device on the hub and make the admin token.
  let token = null;
  let device = existsSync(deviceConfigFile) ? JSON.parse(readFileSync(deviceConfigFile, 'utf8')) : null;
  if (!device?.cloud?.password) {
    const creds = cliJson(HUB_BIN, ['devices', 'add', 'local-trap', '--data', hubData]);
    token = cliJson(HUB_BIN, ['tokens', 'add', '--role', 'admin', '--data', hubData]).token;
    device = {
      deviceId: creds.deviceId,
      name: 'Local trap',
      dataDir: 'device',
      inbox: 'inbox',
      http: { port: deviceHttp },
      models: { manifest: defaultManifest, detector: 'nanodet-coco', classifier: null, embedder: null },
      pipeline: { burstWindowSec: 10 },
      // Hub and trap share this machine, so bandwidth is free: send frames and crops (with
      // their keypoints), and the console shows the photos.
      sync: { bandwidth: 'full' },
      cloud: { mqttUrl: '', username: creds.username, password: creds.password, fleetId: creds.fleetId },
    };
  }
  // No console user yet: make the first admin (the password is shown once).
  let admin = null;
  if (cliJson(HUB_BIN, ['users', 'list', '--data', hubData]).items.length === 0) {
    admin = cliJson(HUB_BIN, ['users', 'add', '--email', 'admin@spoor.local', '--role', 'admin', '--name', 'Admin', '--data', hubData]);
  }
  // The broker port can change between starts (when 1883 is taken, say).
  device.cloud.mqttUrl = `mqtt://127.0.0.1:${hubPorts.mqtt}`;
  device.http = { ...device.http, port: deviceHttp };
  writeFileSync(deviceConfigFile, `${JSON.stringify(device, null, 2)}\n`, { mode: 0o600 });

  const dev = startJson(DEVICE_BIN, ['run', '--config', deviceConfigFile], 'spoor-device');
  children.push(dev.child);
  const devPorts = await dev.ready;

  say('');
  say(`console http://localhost:${hubPorts.http}/   (review console)`);
  if (admin) say(`console login (shown once): ${admin.email}  password: ${admin.password}`);
  else say(`console login: add a user with  npx spoor-hub users add --email <e> --role admin --data ${hubData}`);
  say(`hub     http://localhost:${hubPorts.http}/docs   (API and OpenAPI)   mqtt://localhost:${hubPorts.mqtt}`);
  say(`device  http://localhost:${devPorts.http}/api/status   drop photos into ${join(dataRoot, 'inbox')}`);
  if (token) say(`admin token (shown once): ${token}`);
  else say(`admin token: make one with  npx spoor-hub tokens add --role admin --data ${hubData}`);
  say(`sightings on the hub: curl -H "Authorization: Bearer <token>" http://localhost:${hubPorts.http}/api/sightings`);
  say('Ctrl-C stops both.');
  if (process.env.SPOOR_START_JSON) process.stdout.write(`${JSON.stringify({ hub: hubPorts, device: devPorts, token, admin })}\n`);
} catch (err) {
  say(`could not start: ${err.message}`);
  stopAll('SIGTERM');
  process.exitCode = 1;
}

await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
