import { codecs, encodeEmbedding, MAX_PAYLOAD_BYTES, type SightingPayload } from '@spoor/protocol';
import type { Db } from '../store/db.js';
import type { Sighting } from '../store/sightings.js';

export type Bandwidth = 'metadata' | 'crops' | 'full';

/** Finds the representative embedding of one individual in one sighting; null when there is none. */
export type EmbeddingLookup = (s: Sighting, species: string, individualId: string | null) => Float32Array | null;

export type BuildResult = { ok: true; bytes: Buffer; payload: SightingPayload } | { ok: false; reason: string };

const TOP_K = 3;
const p3 = (x: number): number => Math.round(x * 1000) / 1000;
/** `…:09.000Z` → `…:09Z`: the same instant, 4 bytes shorter. */
const shortTime = (t: string): string => t.replace(/\.000Z$/, 'Z');

/**
 * Turn a stored sighting into the wire `SightingPayload` under the bandwidth policy.
 *
 * - `metadata` (a summary, ~1.5 KB): every frame (sha256, time, size; the original file
 *   name is left empty), ONE detection per category and taxon (the most confident, with
 *   the top-3 taxa at 3 decimals), the individual decisions, and one int8 embedding per
 *   individual (from its most confident detection). Per-detection `individual` is left
 *   out: it is `individuals[]` matched by `taxon.label === species`. No pixels.
 * - `crops` / `full`: every detection with its individual, original file names, f32
 *   embeddings. The device keeps everything, so raising the bandwidth and sending `resync`
 *   replaces the summaries on the hub (it upserts by id). The pixels travel apart, on the
 *   `media` topic (see media-maker.ts); `mediaIds` lists the ones already made.
 *
 * The codec validates what it encodes: a failure means the stored sighting breaks the
 * contract, which is a bug. It is returned (not thrown) so the relay can park the row.
 */
export function buildSightingPayload(s: Sighting, bandwidth: Bandwidth, embeddingOf: EmbeddingLookup, mediaIds: readonly string[] = []): BuildResult {
  const metadata = bandwidth === 'metadata';
  const payload: SightingPayload = {
    v: 1,
    id: s.id,
    eventId: s.eventId,
    deviceId: s.deviceId,
    cameraId: s.cameraId,
    takenAt: shortTime(s.takenAt),
    endAt: shortTime(s.endAt),
    // Metadata mode is for thin links: a frame is its id and time; the rest stays on the device.
    frames: s.frames.map((f) =>
      metadata
        ? { captureId: f.captureId, takenAt: shortTime(f.takenAt) }
        : { captureId: f.captureId, takenAt: shortTime(f.takenAt), sha256: f.sha256, originalName: f.originalName, width: f.width, height: f.height },
    ),
    detections: (metadata ? representative(s.detections) : s.detections).map((d) => {
      const out: SightingPayload['detections'][number] = {
        captureId: d.captureId,
        category: d.category as SightingPayload['detections'][number]['category'],
        label: d.label,
        bbox: [p3(d.bbox[0]), p3(d.bbox[1]), p3(d.bbox[2]), p3(d.bbox[3])],
        confidence: p3(d.confidence),
        taxon: d.taxon ? { label: d.taxon.label, rank: d.taxon.rank, p: p3(d.taxon.p) } : null,
        top: d.top ? [...d.top].sort((a, b) => b.p - a.p).slice(0, TOP_K).map((t) => ({ label: t.label, p: p3(t.p) })) : null,
      };
      // In metadata mode the decision travels once, in `individuals` (matched by taxon label = species).
      if (d.individual && !metadata) {
        out.individual = { id: d.individual.id, name: d.individual.name, decision: d.individual.decision, score: p3(d.individual.score), ...(d.individual.globalId ? { globalId: d.individual.globalId } : {}) };
      }
      return out;
    }),
    individuals: s.individuals.map((i) => {
      const out: SightingPayload['individuals'][number] = { species: i.species, id: i.id, name: i.name, decision: i.decision, score: p3(i.score), frames: i.frames };
      if (i.globalId) out.globalId = i.globalId;
      const v = embeddingOf(s, i.species, i.id);
      if (v && v.length > 0) {
        const e = encodeEmbedding(v, metadata ? 'i8' : 'f32');
        out.embedding = e.scale === undefined ? e : { ...e, scale: Number(e.scale.toPrecision(6)) };
      }
      return out;
    }),
  };
  if (!metadata && mediaIds.length > 0) payload.media = [...mediaIds];
  let bytes: Buffer;
  try {
    bytes = codecs.sighting.encode(payload);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, reason: `encoded sighting is ${bytes.byteLength} bytes, over the ${MAX_PAYLOAD_BYTES} byte limit` };
  return { ok: true, bytes, payload };
}

/**
 * Embeddings from SQLite: the highest-confidence detection of that species in the
 * sighting's event, else the newest gallery vector of the individual.
 */
export function sqliteEmbeddings(db: Db): EmbeddingLookup {
  const fromDetections = db.prepare(
    `SELECT embedding FROM detections WHERE event_id = ? AND taxon_label = ? AND embedding IS NOT NULL ORDER BY confidence DESC, id LIMIT 1`,
  );
  const fromGallery = db.prepare('SELECT vector AS embedding FROM gallery_vectors WHERE individual_id = ? ORDER BY key DESC LIMIT 1');
  return (s, species, individualId) => {
    const row = (fromDetections.get(s.eventId, species) ?? (individualId ? fromGallery.get(individualId) : undefined)) as { embedding: Buffer } | undefined;
    if (!row || row.embedding.byteLength % 4 !== 0) return null;
    const b = row.embedding;
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
}

/** The most confident detection of each category and taxon (frames come out in order). */
function representative(detections: readonly Sighting['detections'][number][]): Sighting['detections'][number][] {
  const best = new Map<string, Sighting['detections'][number]>();
  for (const d of detections) {
    const key = `${d.category}\u0000${d.taxon?.label ?? d.label}`;
    const cur = best.get(key);
    if (!cur || d.confidence > cur.confidence) best.set(key, d);
  }
  return [...best.values()];
}
