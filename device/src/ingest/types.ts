/**
 * The contract between ingest and the store. The store implements `CaptureRepo` on
 * SQLite; ingest only calls it.
 */

export type CaptureSource = 'watch' | 'api' | 'import' | 'gpio';

export interface NewCapture {
  sha256: string;
  blobPath: string;
  bytes: number;
  originalName: string;
  source: CaptureSource;
  /** ISO 8601 UTC. */
  takenAt: string;
  takenAtSource: 'exif' | 'mtime';
  cameraId: string | null;
  /** Displayed size, EXIF orientation applied. */
  width: number;
  height: number;
  /** sharp's format name: jpeg, png, webp, tiff, heif. */
  format: string;
}

export interface NewQuarantine {
  originalName: string;
  sha256: string | null;
  /** A DeviceErrorCode, e.g. SPOOR_E_IMAGE_TRUNCATED. */
  code: string;
  reason: string;
  /** Where the bad file was kept, or null when it could not be kept. */
  path: string | null;
  source: CaptureSource;
}

export interface CaptureRepo {
  findBySha(sha256: string): { id: string; eventId: string } | undefined;
  /** A file refused before, by its bytes. */
  findQuarantinedBySha(sha256: string): { id: string } | undefined;
  /** One transaction; assigns the capture to its burst event. */
  insertCapture(c: NewCapture): { id: string; eventId: string };
  insertQuarantine(q: NewQuarantine): { id: string };
}

export type IngestOutcome =
  | { kind: 'capture'; captureId: string; eventId: string; sha256: string }
  | { kind: 'duplicate'; captureId: string | null; quarantineId?: string; sha256: string }
  | { kind: 'quarantined'; code: string; reason: string; quarantineId: string };
