/**
 * The other half of balena.env: in the device container, turn the SPOOR_*_B64 variables
 * back into the bundle files (config validated by the daemon's schema) before the daemon starts.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '@spoor/device/config/load';
import { BUNDLE_FILES, writeSecret } from './bundle.js';
import { ProvisionErrors } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export async function bundleFromEnv(outDir: string, env: Env = process.env): Promise<{ config: string; files: string[] }> {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw ProvisionErrors.SPOOR_E_ENV_MISSING(name);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  const raw = JSON.parse(need('SPOOR_DEVICE_CONFIG_B64')) as unknown;
  parseConfig(raw, outDir);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files: [string, string][] = [[BUNDLE_FILES.config, JSON.stringify(raw, null, 2)]];
  if (env.SPOOR_CA_PEM_B64) files.push([BUNDLE_FILES.ca, need('SPOOR_CA_PEM_B64')]);
  if (env.SPOOR_CLIENT_CERT_B64) files.push([BUNDLE_FILES.cert, need('SPOOR_CLIENT_CERT_B64')]);
  if (env.SPOOR_CLIENT_KEY_B64) files.push([BUNDLE_FILES.key, need('SPOOR_CLIENT_KEY_B64')]);
  for (const [name, text] of files) await writeSecret(join(outDir, name), text);
  return { config: join(outDir, BUNDLE_FILES.config), files: files.map(([n]) => n) };
}
