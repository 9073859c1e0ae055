import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLine } from './gpio.js';

describe('GPIO line events (gpiochip v2 uAPI)', () => {
  it('fails with SPOOR_E_GPIO_UNAVAILABLE and a hint when the chip does not exist', () => {
    expect(() => openLine({ chip: '/dev/gpiochip-spoor-missing', line: 17, edge: 'rising', debounceMs: 5 })).toThrow(
      expect.objectContaining({ code: 'SPOOR_E_GPIO_UNAVAILABLE', message: expect.stringContaining('/dev/gpiochip-spoor-missing does not exist') as string, hint: expect.stringContaining('gpiochip') as string }),
    );
  });

  it('runs the real GPIO_V2_GET_LINE_IOCTL and maps its failure on a device that is no gpiochip', () => {
    // /dev/null answers the ioctl with ENOTTY: this goes through open(2) and ioctl(2) in the addon.
    expect(() => openLine({ chip: '/dev/null', line: 0, edge: 'both', debounceMs: 10 })).toThrow(
      expect.objectContaining({ code: 'SPOOR_E_GPIO_UNAVAILABLE', message: expect.stringMatching(/GPIO_V2_GET_LINE_IOCTL on \/dev\/null line 0: .*(ioctl|tty)/i) as string }),
    );
  });

  it('validates the line and debounce before touching the hardware', () => {
    expect(() => openLine({ chip: '/dev/null', line: -1, edge: 'rising' })).toThrow(expect.objectContaining({ code: 'SPOOR_E_GPIO_UNAVAILABLE' }));
    expect(() => openLine({ chip: '/dev/null', line: 1, edge: 'rising', debounceMs: 5000 })).toThrow(expect.objectContaining({ code: 'SPOOR_E_GPIO_UNAVAILABLE' }));
  });

  // Real edges need a gpiochip. CI machines have none; with gpio-sim loaded (configfs) point
  // SPOOR_TEST_GPIOCHIP at its chip to at least request a line and close it again.
  const chip = process.env.SPOOR_TEST_GPIOCHIP;
  it.runIf(chip !== undefined && existsSync(chip))('requests and releases a line on a real chip', () => {
    const line = openLine({ chip: chip as string, line: 0, edge: 'both', debounceMs: 1 });
    line.close();
    line.close();
  });

});
