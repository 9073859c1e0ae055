import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The CPU temperature in °C: the hottest readable `thermal_zone*` whose type looks like a CPU
 * (any zone when none does). null when nothing is readable (containers, some boards).
 */
export async function readCpuTemp(thermalDir: string): Promise<number | null> {
  let zones: string[];
  try {
    zones = (await readdir(thermalDir)).filter((z) => z.startsWith('thermal_zone'));
  } catch {
    return null;
  }
  const read = await Promise.all(
    zones.map(async (z) => {
      try {
        const milli = Number.parseInt(await readFile(join(thermalDir, z, 'temp'), 'utf8'), 10);
        const type = await readFile(join(thermalDir, z, 'type'), 'utf8').catch(() => '');
        return Number.isFinite(milli) ? { c: milli / 1000, cpu: /cpu|soc|x86_pkg|core/i.test(type) } : null;
      } catch {
        return null;
      }
    }),
  );
  const ok = read.filter((r): r is { c: number; cpu: boolean } => r !== null && r.c > -50 && r.c < 150);
  const pick = ok.some((r) => r.cpu) ? ok.filter((r) => r.cpu) : ok;
  return pick.length ? Math.round(Math.max(...pick.map((r) => r.c)) * 10) / 10 : null;
}

export interface BatterySource {
  batteryVoltageFile: string | null;
  batteryVoltageCommand: readonly string[] | null;
  batteryVoltageScale: number;
}

/** The battery voltage from the configured file or command, scaled to volts; null when not configured or unreadable. */
export async function readBatteryVolts(src: BatterySource, timeoutMs = 3000): Promise<number | null> {
  let raw: string;
  try {
    if (src.batteryVoltageFile) raw = await readFile(src.batteryVoltageFile, 'utf8');
    else if (src.batteryVoltageCommand?.length) {
      const [cmd, ...args] = src.batteryVoltageCommand;
      raw = await new Promise<string>((resolve, reject) =>
        execFile(cmd as string, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout) => (err ? reject(err) : resolve(String(stdout)))),
      );
    } else return null;
  } catch {
    return null;
  }
  const n = Number.parseFloat(raw.trim().split(/\s+/)[0] ?? '');
  return Number.isFinite(n) ? Math.round(n * src.batteryVoltageScale * 1000) / 1000 : null;
}
