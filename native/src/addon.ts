import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeErrors } from './errors.js';

/** What the compiled addon (`cc/*.cc`, built by `node-gyp rebuild`) exports. */
export interface NativeAddon {
  platform: 'linux' | 'other';
  /** Send one datagram to the notify socket; throws an errno-coded Error. */
  notify(socketPath: string, state: string): boolean;
  GpioLine: new (
    chip: string,
    line: number,
    edge: 'rising' | 'falling' | 'both',
    debounceUs: number,
    onEvent: (err: (Error & { code?: string }) | null, ev?: { timestampNs: bigint; edge: 'rising' | 'falling'; seqno: number }) => void,
  ) => { close(): void };
}

/** Where `node-gyp rebuild` puts the addon, from `src/` (tests) and `dist/` (compiled) alike. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/spoor_native.node', import.meta.url));

const cache = new Map<string, NativeAddon>();

/**
 * Load the addon. A missing or unloadable `.node` file throws SPOOR_E_NATIVE_NOT_BUILT
 * with the command that builds it; callers decide whether they can run without it.
 */
export function loadAddon(path: string = process.env.SPOOR_NATIVE_ADDON ?? DEFAULT_ADDON_PATH): NativeAddon {
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) throw NativeErrors.SPOOR_E_NATIVE_NOT_BUILT(`${path} is missing`);
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    // Built for another Node ABI or architecture, or a missing shared library.
    throw NativeErrors.SPOOR_E_NATIVE_NOT_BUILT(`${path} does not load: ${(err as Error).message}`, { cause: err });
  }
  cache.set(path, addon);
  return addon;
}

/** The addon, or the SPOOR_E_NATIVE_NOT_BUILT error explaining why not. */
export function tryLoadAddon(path?: string): { addon: NativeAddon; error: null } | { addon: null; error: Error } {
  try {
    return { addon: loadAddon(path), error: null };
  } catch (err) {
    return { addon: null, error: err as Error };
  }
}
