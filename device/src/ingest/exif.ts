/**
 * Capture time and camera identity from EXIF.
 *
 * Time: DateTimeOriginal (else CreateDate) with OffsetTimeOriginal (else OffsetTime) when
 * present. Camera traps almost never write an offset; their clock is set by hand, so a
 * naive time is taken AS UTC (it is the camera's wall clock, not this device's zone,
 * and guessing a zone would be worse). With no usable EXIF time we fall back to the
 * file's mtime. Missing or garbage EXIF never throws.
 *
 * Camera id: the body serial number, else "Make Model", else null.
 */
import exifr from 'exifr';

export interface CaptureMeta {
  /** ISO 8601 UTC, e.g. `2024-05-01T03:04:05.000Z`. */
  takenAt: string;
  takenAtSource: 'exif' | 'mtime';
  cameraId: string | null;
  make?: string;
  model?: string;
  serial?: string;
}

const PICK = [
  'DateTimeOriginal',
  'CreateDate',
  'OffsetTimeOriginal',
  'OffsetTime',
  'SubSecTimeOriginal',
  'Make',
  'Model',
  'SerialNumber', // exifr's name for 0xA431 BodySerialNumber
  'CameraSerialNumber', // DNG 0xC62F
];

export async function readCaptureMeta(buf: Buffer, fallback: { mtime: Date }): Promise<CaptureMeta> {
  let tags: Record<string, unknown> = {};
  try {
    // reviveValues: false keeps dates as written; exifr would read them in the host's zone.
    tags = ((await exifr.parse(buf, { pick: PICK, reviveValues: false })) as Record<string, unknown> | undefined) ?? {};
  } catch {
    // Not an EXIF-bearing format, or a broken segment: treated as "no EXIF".
  }

  const taken =
    exifTime(text(tags.DateTimeOriginal), text(tags.OffsetTimeOriginal) ?? text(tags.OffsetTime), text(tags.SubSecTimeOriginal)) ??
    exifTime(text(tags.CreateDate), text(tags.OffsetTime), undefined);
  const make = text(tags.Make);
  const model = text(tags.Model);
  const serial = text(tags.SerialNumber) ?? text(tags.CameraSerialNumber);

  const meta: CaptureMeta = {
    takenAt: taken ?? fallback.mtime.toISOString(),
    takenAtSource: taken === undefined ? 'mtime' : 'exif',
    cameraId: serial ?? (make !== undefined || model !== undefined ? [make, model].filter(Boolean).join(' ') : null),
  };
  if (make !== undefined) meta.make = make;
  if (model !== undefined) meta.model = model;
  if (serial !== undefined) meta.serial = serial;
  return meta;
}

/** Trimmed non-empty string without NULs, else undefined. */
function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const s = value.replace(/\u0000/g, '').trim();
  return s === '' ? undefined : s;
}

const EXIF_TIME = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Parse "YYYY:MM:DD HH:MM:SS" (+ optional offset and sub-seconds) to ISO UTC. */
export function exifTime(value: string | undefined, offset: string | undefined, subSec: string | undefined): string | undefined {
  const m = value === undefined ? null : EXIF_TIME.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = subSec !== undefined && /^\d+$/.test(subSec) ? Math.round(Number(`0.${subSec}`) * 1000) % 1000 : 0;
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 Feb over into March; a rolled date is garbage, not a time.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  const o = offset === undefined ? null : OFFSET.exec(offset);
  if (o !== null) utc -= (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) * 60_000;
  return new Date(utc).toISOString();
}
