import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceConfig } from '../config/schema.js';
import type { Db } from '../store/db.js';

/** A bundled photo (a rendered test scene) used when no camera command is configured. */
export const SAMPLE_SHOT = fileURLToPath(new URL('../../src/system/sample-shot.jpg', import.meta.url));

export type TestShotResult =
  | { ok: true; source: 'camera' | 'sample'; file: string; at: string }
  | { ok: false; source: 'camera' | 'sample'; message: string; hint: string };

/**
 * Take a test shot into the watch folder: with the camera command when the PIR trigger is set
 * up (`gpio.enabled`), else a copy of the bundled sample. The photo is written under a dotted
 * temp name (the watch folder ignores those) and renamed in, so it is ingested like any other.
 */
export async function takeTestShot(o: { gpio: DeviceConfig['gpio']; inbox: string; now?: Date; sample?: string }): Promise<TestShotResult> {
  const at = (o.now ?? new Date()).toISOString();
  const name = `test-shot-${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.jpg`;
  const tmp = join(o.inbox, `.${name}.part`);
  const source = o.gpio.enabled ? 'camera' : 'sample';
  try {
    await mkdir(o.inbox, { recursive: true });
    if (source === 'camera') {
      const [cmd, ...args] = o.gpio.captureCommand.map((a) => a.replaceAll('{out}', tmp));
      await new Promise<void>((resolve, reject) =>
        execFile(cmd as string, args, { timeout: o.gpio.captureTimeoutMs, killSignal: 'SIGKILL' }, (err, _out, stderr) =>
          err ? reject(new Error(`${cmd}: ${String(stderr).trim().slice(-300) || err.message}`)) : resolve(),
        ),
      );
      if ((await stat(tmp)).size === 0) throw new Error('the camera command wrote an empty file');
    } else await writeFile(tmp, withComment(await readFile(o.sample ?? SAMPLE_SHOT), `spoor test shot ${at}`));
    await rename(tmp, join(o.inbox, name));
    return { ok: true, source, file: name, at };
  } catch (err) {
    await unlink(tmp).catch(() => {});
    return {
      ok: false,
      source,
      message: (err as Error).message,
      hint: source === 'camera' ? 'Check the camera cable and the capture command in the config (gpio.captureCommand); run it by hand on the unit.' : 'Check that the watch folder exists and is writable.',
    };
  }
}

/** Insert a JPEG comment (COM) after SOI, so each sample shot has its own bytes (ingest skips duplicate sha256). */
function withComment(jpeg: Buffer, text: string): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const body = Buffer.from(text, 'utf8');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, body, jpeg.subarray(2)]);
}

export interface TestShotState {
  file: string;
  /** waiting: not ingested yet; pending: ingested, not yet through the models. */
  state: 'waiting' | 'pending' | 'done' | 'quarantined';
  captureId: string | null;
  detections: { label: string; category: string; confidence: number; taxon: string | null }[];
  sightingId: string | null;
  reason: string | null;
}

/** What became of a test shot (looked up by its file name). */
export function testShotState(db: Db, file: string): TestShotState {
  const cap = db.prepare('SELECT id, status, event_id AS eventId, error_reason AS reason FROM captures WHERE original_name = ? ORDER BY ingested_at DESC LIMIT 1').get(file) as
    | { id: string; status: 'pending' | 'done' | 'quarantined'; eventId: string; reason: string | null }
    | undefined;
  if (!cap) {
    const q = db.prepare('SELECT reason FROM quarantine WHERE original_name = ? ORDER BY created_at DESC LIMIT 1').get(file) as { reason: string } | undefined;
    return { file, state: q ? 'quarantined' : 'waiting', captureId: null, detections: [], sightingId: null, reason: q?.reason ?? null };
  }
  const detections = (
    db.prepare('SELECT label, category, confidence, taxon_label AS taxon FROM detections WHERE capture_id = ? ORDER BY confidence DESC').all(cap.id) as TestShotState['detections']
  ).filter((d) => d.label !== 'frame');
  const sighting = db.prepare('SELECT id FROM sightings WHERE event_id = ?').get(cap.eventId) as { id: string } | undefined;
  return { file, state: cap.status, captureId: cap.id, detections, sightingId: sighting?.id ?? null, reason: cap.reason };
}
