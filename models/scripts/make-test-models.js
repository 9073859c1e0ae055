#!/usr/bin/env node
// Regenerate the bundled test models (run `npx tsc -b` first).
import { fileURLToPath } from 'node:url';
import { generateTestModels } from '../dist/testmodels/generate.js';

const out = fileURLToPath(new URL('../assets/test/', import.meta.url));
const manifest = generateTestModels(out);
for (const m of manifest.models) console.log(`${m.id}  ${m.file}  ${m.sha256}`);
