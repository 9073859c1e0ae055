/** Provisioning a trap unit end to end: hub registration → TLS identity → bundle on disk. */
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BALENA_PATHS, BUNDLE_FILES, balenaEnv, copyFile, deviceConfig, ensureEmptyDir, systemdUnit, writeSecret } from './bundle.js';
import { ProvisionErrors } from './errors.js';
import { type DeviceCredentials, type HubTarget, hubApi } from './hub-api.js';
import { caPaths, issueCert } from './pki.js';

export interface CreateOptions {
  deviceId: string;
  name?: string;
  fleetId: string;
  hub: HubTarget;
  /** The broker URL the unit connects to; default mqtts://<hub host>:8883. */
  mqttUrl?: string;
  pkiDir: string;
  outDir: string;
  installDir?: string;
  dataDir?: string;
  inbox?: string;
  extra?: Record<string, unknown>;
}

export interface BundleSummary {
  deviceId: string;
  fleetId: string;
  username: string;
  mqttUrl: string;
  bundle: string;
  files: string[];
}

export const defaultMqttUrl = (hubUrl: string) => `mqtts://${new URL(hubUrl).hostname}:8883`;

export async function createDevice(o: CreateOptions): Promise<BundleSummary> {
  const ca = caPaths(o.pkiDir);
  if (!existsSync(ca.key) || !existsSync(ca.cert)) throw ProvisionErrors.SPOOR_E_CA_MISSING(o.pkiDir);
  const out = resolve(o.outDir);
  await ensureEmptyDir(out);
  const installDir = o.installDir ?? '/etc/spoor';
  const dataDir = o.dataDir ?? '/var/lib/spoor';
  const inbox = o.inbox ?? join(dataDir, 'inbox');
  const mqttUrl = o.mqttUrl ?? defaultMqttUrl(o.hub.url);
  // Validate before registering: a bad setting must not leave a half-made device on the hub.
  const placeholder: DeviceCredentials = { deviceId: o.deviceId, username: o.deviceId, password: 'x', fleetId: o.fleetId };
  const base = { name: o.name ?? o.deviceId, mqttUrl, installDir, dataDir, inbox, ...(o.extra ? { extra: o.extra } : {}) };
  deviceConfig({ ...base, creds: placeholder });

  const creds = await hubApi.createDevice(o.hub, { deviceId: o.deviceId, fleetId: o.fleetId, ...(o.name ? { name: o.name } : {}) });
  const cfg = deviceConfig({ ...base, creds });
  const f = (n: string) => join(out, n);
  await writeSecret(f(BUNDLE_FILES.config), `${JSON.stringify(cfg.raw, null, 2)}\n`);
  await copyFile(ca.cert, f(BUNDLE_FILES.ca));
  await issueCert(o.pkiDir, { commonName: creds.deviceId, role: 'client', certOut: f(BUNDLE_FILES.cert), keyOut: f(BUNDLE_FILES.key) });
  await writeFile(f(BUNDLE_FILES.unit), systemdUnit({ installDir, dataDir, inbox }));
  await writeBalena(out, creds, base);
  return { deviceId: creds.deviceId, fleetId: creds.fleetId, username: creds.username, mqttUrl, bundle: out, files: Object.values(BUNDLE_FILES) };
}

async function writeBalena(out: string, creds: DeviceCredentials, base: Omit<Parameters<typeof deviceConfig>[0], 'creds'>): Promise<void> {
  const inContainer = deviceConfig({ ...base, ...BALENA_PATHS, creds });
  const read = (n: string) => readFile(join(out, n), 'utf8');
  await writeSecret(
    join(out, BUNDLE_FILES.balena),
    balenaEnv({ config: inContainer.raw, ca: /^(mqtts|ssl|wss):/.test(base.mqttUrl) ? await read(BUNDLE_FILES.ca) : null, cert: await read(BUNDLE_FILES.cert), key: await read(BUNDLE_FILES.key) }),
  );
}

/**
 * New MQTT password from the hub (the old one stops working at once). With `bundleDir`, the
 * bundle's device.json and balena.env get it too; copy them to the unit and restart it.
 */
export async function rotateDevice(hub: HubTarget, deviceId: string, bundleDir?: string): Promise<DeviceCredentials & { bundle: string | null }> {
  const creds = await hubApi.rotateDevice(hub, deviceId);
  if (!bundleDir) return { ...creds, bundle: null };
  const file = join(bundleDir, BUNDLE_FILES.config);
  const raw = JSON.parse(await readFile(file, 'utf8')) as { cloud: Record<string, unknown> };
  raw.cloud.password = creds.password;
  await writeSecret(file, `${JSON.stringify(raw, null, 2)}\n`);
  const envFile = join(bundleDir, BUNDLE_FILES.balena);
  if (existsSync(envFile)) {
    const text = await readFile(envFile, 'utf8');
    const updated = text.replace(/^SPOOR_DEVICE_CONFIG_B64=(.*)$/m, (_m, b64: string) => {
      const cfg = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as { cloud: Record<string, unknown> };
      cfg.cloud.password = creds.password;
      return `SPOOR_DEVICE_CONFIG_B64=${Buffer.from(JSON.stringify(cfg)).toString('base64')}`;
    });
    await writeSecret(envFile, updated);
  }
  return { ...creds, bundle: bundleDir };
}

export const revokeDevice = (hub: HubTarget, deviceId: string) => hubApi.revokeDevice(hub, deviceId);
