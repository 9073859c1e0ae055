#!/usr/bin/env node
// `npm start`: run a local device daemon on embedded defaults, watching ./data/inbox.
// The config is written once to ./data/device.yaml; edit it and start again.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = resolve(process.env.SPOOR_DATA ?? join(root, 'data'));
const configFile = join(dataRoot, 'device.yaml');
const bin = join(root, 'device', 'bin', 'spoor-device.js');

if (!existsSync(join(root, 'device', 'dist', 'cli', 'main.js'))) {
  console.error('Spoor is not built yet. Run `npm install` (it builds), or `npm run build`.');
  process.exit(1);
}

if (!existsSync(configFile)) {
  mkdirSync(join(dataRoot, 'inbox'), { recursive: true });
  writeFileSync(
    configFile,
    [
      '# Spoor device config for the local quick start. Paths are relative to this file.',
      'name: local-trap',
      'dataDir: device',
      'inbox: inbox',
      'http:',
      `  port: ${process.env.PORT ?? 8080}`,
      'pipeline:',
      '  burstWindowSec: 10',
      '',
    ].join('\n'),
  );
  console.error(`wrote ${configFile}`);
}

console.error(`Spoor device: drop photos into ${join(dataRoot, 'inbox')}`);
console.error('  list sightings: npx spoor-device sightings list --config ' + configFile);
const child = spawn(process.execPath, [bin, 'run', '--config', configFile], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
