import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HealthMonitor } from './health.js';
import { readBatteryVolts, readCpuTemp } from './sensors.js';

async function thermal(zones: Record<string, { type: string; temp: string }>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spoor-thermal-'));
  for (const [z, v] of Object.entries(zones)) {
    await mkdir(join(dir, z));
    await writeFile(join(dir, z, 'type'), `${v.type}\n`);
    await writeFile(join(dir, z, 'temp'), `${v.temp}\n`);
  }
  return dir;
}

describe('unit sensors', () => {
  it('reads the hottest CPU thermal zone in °C, and nothing when no zone is readable', async () => {
    const dir = await thermal({ thermal_zone0: { type: 'CPU-therm', temp: '48500' }, thermal_zone1: { type: 'GPU-therm', temp: '61000' }, thermal_zone2: { type: 'SOC-therm', temp: '51250' } });
    expect(await readCpuTemp(dir)).toBe(51.3);
    expect(await readCpuTemp(join(dir, 'missing'))).toBeNull();
    expect(await readCpuTemp(await thermal({ thermal_zone0: { type: 'acpitz', temp: 'garbage' } }))).toBeNull();
  });

  it('reads the battery from a sysfs-style file or a command, scaled to volts; unset or broken is null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-battery-'));
    await writeFile(join(dir, 'in_voltage0_raw'), '12640\n');
    expect(await readBatteryVolts({ batteryVoltageFile: join(dir, 'in_voltage0_raw'), batteryVoltageCommand: null, batteryVoltageScale: 0.001 })).toBe(12.64);
    const script = join(dir, 'battery.sh');
    await writeFile(script, '#!/bin/sh\necho "11.9 V"\n');
    await chmod(script, 0o755);
    expect(await readBatteryVolts({ batteryVoltageFile: null, batteryVoltageCommand: [script], batteryVoltageScale: 1 })).toBe(11.9);
    expect(await readBatteryVolts({ batteryVoltageFile: null, batteryVoltageCommand: null, batteryVoltageScale: 1 })).toBeNull();
    expect(await readBatteryVolts({ batteryVoltageFile: join(dir, 'nope'), batteryVoltageCommand: null, batteryVoltageScale: 1 })).toBeNull();
  });

  it('turns frame times into p50/p95 points over time, and leaves absent sensors out', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const h = new HealthMonitor({ health: { thermalDir: '/nonexistent', batteryVoltageFile: null, batteryVoltageCommand: null, batteryVoltageScale: 1 }, clock: () => now });
    for (let i = 1; i <= 100; i++) h.recordFrame(i);
    await h.sample();
    now += 10_000;
    await h.sample(); // no frames: no point
    h.recordFrame(500);
    await h.sample();
    const s = h.snapshot();
    expect(s.inferenceMs.series).toEqual([
      { t: '2026-01-01T00:00:00.000Z', p50: 51, p95: 96, n: 100 },
      { t: '2026-01-01T00:00:10.000Z', p50: 500, p95: 500, n: 1 },
    ]);
    expect(s.inferenceMs.p95).toBe(96);
    expect('cpuTempC' in s || 'batteryV' in s).toBe(false);
  });
});
