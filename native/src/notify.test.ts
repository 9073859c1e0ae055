import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, sdNotify, watchdogUsec } from './notify.js';
import { bindNotifySocket, type NotifySocket } from './testing/notify-socket.js';

describe('sd_notify over a real AF_UNIX datagram socket', () => {
  let dir: string;
  const sockets: NotifySocket[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spoor-notify-'));
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const variants = [
    ['a filesystem path', () => join(dir, 'notify.sock')],
    ['an abstract name (@ prefix)', () => `@spoor-test-${process.pid}-${Date.now()}`],
  ] as const;

  for (const [what, address] of variants) {
    it(`delivers READY, STATUS, WATCHDOG and STOPPING to ${what}`, async () => {
      const sock = await bindNotifySocket(address());
      sockets.push(sock);
      const env = { NOTIFY_SOCKET: sock.address };
      const n = createNotifier({ env, warn: (m) => expect.fail(m) });
      expect(n.enabled).toBe(true);
      expect(n.ready('2 models loaded\nqueue 0')).toBe(true);
      expect(n.watchdog()).toBe(true);
      expect(n.status('processing 3')).toBe(true);
      expect(sdNotify('WATCHDOG=1', env)).toBe(true);
      expect(n.stopping()).toBe(true);
      await sock.waitFor((t) => t === 'STOPPING=1');
      // One datagram per call, in order; a newline in a status cannot inject another key.
      expect(sock.messages.map((m) => m.text)).toEqual(['READY=1\nSTATUS=2 models loaded queue 0', 'WATCHDOG=1', 'STATUS=processing 3', 'WATCHDOG=1', 'STOPPING=1']);
    });
  }

  it('does nothing and returns false without NOTIFY_SOCKET', () => {
    expect(sdNotify('READY=1', {})).toBe(false);
    const n = createNotifier({ env: {}, warn: (m) => expect.fail(m) });
    expect(n.enabled).toBe(false);
    expect(n.ready()).toBe(false);
    expect(n.watchdog()).toBe(false);
  });

  it('throws a coded error from sdNotify, and only warns (once) from a notifier, when nobody listens', () => {
    const env = { NOTIFY_SOCKET: join(dir, 'nobody.sock') };
    expect(() => sdNotify('READY=1', env)).toThrow(expect.objectContaining({ code: 'SPOOR_E_NOTIFY_FAILED', message: expect.stringContaining('ENOENT') as string }));
    const warnings: string[] = [];
    const n = createNotifier({ env, warn: (m) => warnings.push(m) });
    expect(n.watchdog()).toBe(false);
    expect(n.watchdog()).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('refuses a relative NOTIFY_SOCKET instead of sending somewhere unexpected', () => {
    expect(() => sdNotify('READY=1', { NOTIFY_SOCKET: 'relative.sock' })).toThrow(expect.objectContaining({ code: 'SPOOR_E_NOTIFY_FAILED' }));
  });

  it('reads WATCHDOG_USEC, honouring WATCHDOG_PID', () => {
    expect(watchdogUsec({})).toBeNull();
    expect(watchdogUsec({ WATCHDOG_USEC: '30000000' })).toBe(30_000_000);
    expect(watchdogUsec({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid) })).toBe(30_000_000);
    expect(watchdogUsec({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, 4242)).toBeNull();
    expect(watchdogUsec({ WATCHDOG_USEC: 'soon' })).toBeNull();
  });
});
