/**
 * Docker and balena cannot run here, so check what can be checked without them: every
 * file the stacks name exists, every variable they set for our services is one the code
 * reads, every flag they pass is one the CLI takes, and the hub config they mount is valid.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '@spoor/cloud';
import { RUN_HELP as HUB_RUN_HELP } from '@spoor/cloud/cli/run';
import { RUN_HELP as DEVICE_RUN_HELP } from '@spoor/device/cli/run';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  devices?: string[];
  profiles?: string[];
}
const compose = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** Variables that other software reads: the NVIDIA container runtime and third-party images. */
const READ_ELSEWHERE = new Set(['NVIDIA_VISIBLE_DEVICES', 'NVIDIA_DRIVER_CAPABILITIES']);
const ours = (s: Service) => s.build !== undefined || s.image?.startsWith('spoor/') === true;

function sources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|sh)$/.test(name) && !/\.test\.ts$/.test(name) && !relative(ROOT, p).includes('testing')) out.push(readFileSync(p, 'utf8'));
    }
  };
  for (const ws of ['protocol', 'models', 'device', 'cloud', 'native', 'provisioning']) walk(join(ROOT, ws, 'src'));
  walk(join(ROOT, 'deploy'));
  return out.join('\n');
}

describe('deploy stacks (static checks; no Docker engine here)', () => {
  const files = { root: compose('docker-compose.yml'), balena: compose('deploy/balena/docker-compose.yml') };
  const code = sources();

  for (const [which, file] of Object.entries(files)) {
    it(`${which} compose: every path it names exists in the repo`, () => {
      for (const [name, svc] of Object.entries(file.services)) {
        if (svc.build) {
          expect(existsSync(join(ROOT, svc.build.context)), `${name} build context`).toBe(true);
          expect(existsSync(join(ROOT, svc.build.context, svc.build.dockerfile)), `${name} dockerfile`).toBe(true);
        }
        for (const v of svc.volumes ?? []) {
          const src = v.split(':')[0] as string;
          if (src.startsWith('./')) expect(existsSync(join(ROOT, src)), `${name} mounts ${src}`).toBe(true);
        }
      }
    });

    it(`${which} compose: every variable set for our services is read by the code`, () => {
      for (const [name, svc] of Object.entries(file.services)) {
        if (!ours(svc)) continue;
        for (const key of Object.keys(svc.environment ?? {})) {
          if (READ_ELSEWHERE.has(key)) continue;
          expect(new RegExp(`\\b${key}\\b`).test(code), `${name} sets ${key}, which nothing reads`).toBe(true);
        }
      }
    });
  }

  it('the flags passed to spoor-hub run are flags it takes, and the mounted hub config is valid', () => {
    for (const [name, svc] of Object.entries(files.root.services)) {
      if (!svc.build?.dockerfile.includes('cloud')) continue;
      for (const flag of (svc.command ?? []).filter((a) => a.startsWith('--'))) expect(HUB_RUN_HELP, `${name} passes ${flag}`).toContain(`${flag} `);
    }
    const cfg = loadConfigFile(join(ROOT, 'deploy/cloud/hub-scale.yaml'));
    expect(cfg).toMatchObject({ sharedGroup: 'hub', mqttUsername: 'spoor-hub' });
    expect(DEVICE_RUN_HELP).toContain('--config <file>');
  });

  it('the scale profile has Mosquitto and two hubs on the external broker', () => {
    const scale = Object.entries(files.root.services).filter(([, s]) => s.profiles?.includes('scale'));
    expect(scale.map(([n]) => n).sort()).toEqual(['hub-a', 'hub-b', 'mosquitto']);
    for (const n of ['hub-a', 'hub-b']) expect(files.root.services[n]?.command).toContain('--mqtt-url');
    expect(files.root.services.device).toMatchObject({ runtime: 'nvidia' });
  });

  it('Dockerfiles and the entrypoint refer to files that exist', () => {
    for (const f of ['deploy/device/Dockerfile', 'deploy/cloud/Dockerfile', 'deploy/device/entrypoint.sh', 'deploy/balena/push.sh']) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/\/opt\/spoor\/([\w./-]+\.(?:js|sh))/g)) expect(existsSync(join(ROOT, m[1] as string)), `${f} → ${m[1]}`).toBe(true);
      for (const m of text.matchAll(/\$root\/([\w./-]+\.ya?ml)/g)) expect(existsSync(join(ROOT, m[1] as string)), `${f} → ${m[1]}`).toBe(true);
    }
  });

  it('balena.yml names a fleet type whose default device is supported', () => {
    const b = parse(readFileSync(join(ROOT, 'balena.yml'), 'utf8')) as { name: string; type: string; data: { defaultDeviceType: string; supportedDeviceTypes: string[] } };
    expect(b.type).toBe('sw.application');
    expect(b.data.supportedDeviceTypes).toContain(b.data.defaultDeviceType);
  });
});
