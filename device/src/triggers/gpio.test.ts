import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { GpioTrigger } from './gpio.js';

class FakeLine extends EventEmitter {
  closed = false;
  close() {
    this.closed = true;
  }
  fire(edge: 'rising' | 'falling' = 'rising') {
    this.emit('edge', { timestampNs: process.hrtime.bigint(), edge });
  }
}

// A stand-in camera: writes the bytes it is given to {out}, after a short exposure.
const camera = (bytes: string, delayMs = 50) => [process.execPath, '-e', `setTimeout(() => require('fs').writeFileSync(process.argv[1], ${JSON.stringify(bytes)}), ${delayMs})`, '{out}'];

async function setup(gpio: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'spoor-gpio-'));
  const config = parseConfig({ dataDir: join(dir, 'data'), inbox: join(dir, 'inbox'), gpio: { enabled: true, ...gpio } });
  const line = new FakeLine();
  let t = 1_000_000;
  const opened: unknown[] = [];
  const trigger = new GpioTrigger({
    gpio: config.gpio,
    inbox: config.inbox,
    logger: pino({ level: 'silent' }),
    openLine: (o) => (opened.push(o), line),
    now: () => t,
  });
  await trigger.start();
  return { dir, config, line, trigger, opened, advance: (ms: number) => (t += ms) };
}

const settle = async (trigger: GpioTrigger) => {
  await new Promise((r) => setTimeout(r, 20));
  await trigger.stop();
};

describe('GPIO PIR trigger', () => {
  it('validates its config with the device schema (defaults, and refuses a bad edge)', () => {
    expect(parseConfig({ dataDir: 'd', inbox: 'i' }).gpio).toMatchObject({ enabled: false, chip: '/dev/gpiochip0', edge: 'rising', cooldownMs: 5000 });
    expect(() => parseConfig({ dataDir: 'd', inbox: 'i', gpio: { edge: 'sideways' } })).toThrow(expect.objectContaining({ code: 'SPOOR_E_CONFIG_INVALID', message: expect.stringContaining('/gpio/edge') as string }));
    expect(() => parseConfig({ dataDir: 'd', inbox: 'i', gpio: { captureCommand: [] } })).toThrow(expect.objectContaining({ code: 'SPOOR_E_CONFIG_INVALID' }));
  });

  it('opens the configured line and turns an edge into a photo renamed into the inbox', async () => {
    const { line, trigger, opened, config } = await setup({ chip: '/dev/gpiochip3', line: 22, edge: 'both', debounceMs: 20, captureCommand: camera('JPEGDATA') });
    expect(opened).toEqual([{ chip: '/dev/gpiochip3', line: 22, edge: 'both', debounceMs: 20 }]);
    line.fire();
    await settle(trigger);
    const files = await readdir(config.inbox);
    expect(files).toEqual([expect.stringMatching(/^pir-\d{8}T\d{6}Z-0001\.jpg$/)]);
    expect(await readFile(join(config.inbox, files[0] as string), 'utf8')).toBe('JPEGDATA');
    expect(trigger.stats).toEqual({ edges: 1, captures: 1, skipped: 0, failures: 0 });
    expect(line.closed).toBe(true);
  });

  it('skips edges during a capture and within the cooldown, then captures again', async () => {
    const { line, trigger, config, advance } = await setup({ cooldownMs: 5000, captureCommand: camera('x', 100) });
    line.fire();
    line.fire(); // still capturing
    await new Promise((r) => setTimeout(r, 400));
    advance(1000);
    line.fire(); // cooling down
    advance(5000);
    line.fire(); // a new capture
    await settle(trigger);
    expect(trigger.stats).toEqual({ edges: 4, captures: 2, skipped: 2, failures: 0 });
    expect(await readdir(config.inbox)).toHaveLength(2);
  });

  it('leaves nothing in the inbox when the camera command fails or writes nothing', async () => {
    const failing = await setup({ captureCommand: [process.execPath, '-e', 'process.exit(3)', '{out}'] });
    failing.line.fire();
    await settle(failing.trigger);
    const missing = await setup({ captureCommand: ['/nonexistent/libcamera-still', '-o', '{out}'] });
    missing.line.fire();
    await settle(missing.trigger);
    for (const s of [failing, missing]) {
      expect(s.trigger.stats).toMatchObject({ captures: 0, failures: 1 });
      expect(await readdir(s.config.inbox)).toEqual([]);
    }
  });
});
