import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadAddon, tryLoadAddon } from './addon.js';
import { createNotifier } from './notify.js';
import { openLine } from './gpio.js';

const missing = join(tmpdir(), 'spoor-no-such-addon', 'spoor_native.node');

describe('loading the addon', () => {
  it('loads the addon that `npm ci` built', () => {
    expect(loadAddon(DEFAULT_ADDON_PATH).platform).toBe(process.platform === 'linux' ? 'linux' : 'other');
  });

  it('says how to build it when the .node file is missing', () => {
    expect(() => loadAddon(missing)).toThrow(expect.objectContaining({ code: 'SPOOR_E_NATIVE_NOT_BUILT', hint: expect.stringContaining('npm rebuild @spoor/native') as string }));
    expect(tryLoadAddon(missing)).toMatchObject({ addon: null, error: { code: 'SPOOR_E_NATIVE_NOT_BUILT' } });
  });

  it('says so when the file is not a loadable addon', () => {
    expect(() => loadAddon(join(import.meta.dirname, 'index.ts'))).toThrow(expect.objectContaining({ code: 'SPOOR_E_NATIVE_NOT_BUILT', message: expect.stringContaining('does not load') as string }));
  });

  it('without the addon, sd_notify is a no-op with one warning', () => {
    const warnings: string[] = [];
    const n = createNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, warn: (m) => warnings.push(m), load: () => loadAddon(missing) });
    expect(n.enabled).toBe(false);
    expect(n.ready()).toBe(false);
    expect(n.watchdog()).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('npm rebuild @spoor/native')]);
  });

  it('without the addon, a GPIO line refuses to open with that error', () => {
    // /dev/null exists everywhere, so the chip check passes and the addon load is what fails.
    expect(() => openLine({ chip: '/dev/null', line: 17, edge: 'rising' }, () => loadAddon(missing))).toThrow(
      expect.objectContaining({ code: 'SPOOR_E_NATIVE_NOT_BUILT', hint: expect.stringContaining('npm rebuild @spoor/native') as string }),
    );
  });
});
