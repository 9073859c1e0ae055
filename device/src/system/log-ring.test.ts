import { describe, expect, it } from 'vitest';
import { LogRing, scrub } from './log-ring.js';
import { createLogger, logRingOf } from './logger.js';

describe('log ring', () => {
  it('keeps the newest lines within its bounds', () => {
    const ring = new LogRing(3, 1000);
    for (let i = 0; i < 5; i++) ring.write(`{"n":${i}}\n`);
    expect(ring.text()).toBe('{"n":2}\n{"n":3}\n{"n":4}\n');
    const small = new LogRing(100, 20);
    for (let i = 0; i < 5; i++) small.write(`{"n":${i}}`);
    expect(small.text()).toBe('{"n":3}\n{"n":4}\n');
  });

  it('redacts passwords and URL credentials from what the logger writes', () => {
    const logger = createLogger('info');
    logger.child({ mod: 'sync' }).info({ cloud: { password: 'hunter22' }, url: 'mqtts://trap-1:hunter22@hub:8883' }, 'connecting');
    logger.debug('not kept at info');
    const text = logRingOf(logger)?.text() ?? '';
    expect(text).toContain('"msg":"connecting"');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('not kept');
    expect(scrub('{"newPassword":"x1","token":"abc"}')).toBe('{"newPassword":"[redacted]","token":"[redacted]"}');
  });
});
