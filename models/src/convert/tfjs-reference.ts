import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * A TF.js IOHandler that reads a graph model (model.json + shards) from the file system,
 * for running the original model as a reference with `@tensorflow/tfjs` (a devDependency;
 * used by tests only, never imported by the runtime).
 */
export function fileModelArtifacts(modelJsonPath: string): {
  modelTopology: unknown;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: unknown;
} {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as {
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: unknown[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: unknown;
  };
  const dir = dirname(modelJsonPath);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(resolve(dir, p))));
  const all = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    ...(json.format === undefined ? {} : { format: json.format }),
    ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
    ...(json.convertedBy === undefined ? {} : { convertedBy: json.convertedBy }),
    ...(json.signature === undefined ? {} : { signature: json.signature }),
  };
}
