import { uuidv7 } from '@spoor/protocol';
import { unpackFeatures, type LocalFeatures } from '../reid/features.js';
import type { Gallery, GalleryMatch } from '../reid/gallery.js';
import { mergeFrameMatches, voteBurst, type Thresholds } from '../reid/vote.js';
import type { Db } from '../store/db.js';
import type { IndividualStore } from '../store/individuals.js';
import type { Sighting, SightingDetection, SightingFrame, SightingIndividual, SightingStore } from '../store/sightings.js';

interface DetectionRow {
  captureId: string;
  category: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  confidence: number;
  taxonLabel: string | null;
  taxonRank: string | null;
  taxonP: number | null;
  topJson: string | null;
  embedding: Buffer | null;
  features: Buffer | null;
}

export interface CloseTimings {
  searchMs: number;
  writeMs: number;
}

/**
 * Turns a closed burst event into one sighting: every frame's ReID matches vote per species,
 * a new individual is added to the gallery as a candidate, and the sighting goes into SQLite
 * together with its outbox row.
 */
export class SightingBuilder {
  constructor(
    private readonly deps: {
      db: Db;
      sightings: SightingStore;
      individuals: IndividualStore;
      gallery: Gallery;
      deviceId: string;
      thresholds: () => Thresholds;
    },
  ) {}

  close(eventId: string): { sighting: Sighting | null; timings: CloseTimings } {
    const { db, sightings } = this.deps;
    const frames = db
      .prepare(
        `SELECT id AS captureId, taken_at AS takenAt, sha256, original_name AS originalName, width, height
         FROM captures WHERE event_id = ? AND status = 'done' ORDER BY taken_at, id`,
      )
      .all(eventId) as SightingFrame[];
    const rows = db
      .prepare(
        `SELECT d.capture_id AS captureId, d.category, d.label, d.x, d.y, d.w, d.h, d.confidence, d.taxon_label AS taxonLabel,
                d.taxon_rank AS taxonRank, d.taxon_p AS taxonP, d.top_json AS topJson, d.embedding, d.features
         FROM detections d JOIN captures c ON c.id = d.capture_id
         WHERE d.event_id = ? ORDER BY c.taken_at, c.id, d.confidence DESC`,
      )
      .all(eventId) as DetectionRow[];
    if (rows.length === 0) {
      sightings.closeEvent(eventId); // a blank burst: nothing to report
      return { sighting: null, timings: { searchMs: 0, writeMs: 0 } };
    }

    const t0 = performance.now();
    const verdicts = this.decideIndividuals(rows);
    const t1 = performance.now();

    const event = db.prepare('SELECT camera_id AS cameraId, start_at AS startAt, end_at AS endAt FROM events WHERE id = ?').get(eventId) as {
      cameraId: string | null;
      startAt: string;
      endAt: string;
    };
    const sighting = db.transaction((): Sighting => {
      for (const v of verdicts.values()) v.persist();
      const s: Sighting = {
        id: uuidv7(),
        eventId,
        deviceId: this.deps.deviceId,
        cameraId: event.cameraId,
        takenAt: event.startAt,
        endAt: event.endAt,
        frames,
        detections: rows.map((r) => toDetection(r, verdicts)),
        individuals: [...verdicts.values()].map((v) => v.individual),
      };
      const priority = s.individuals.some((i) => i.decision === 'new') || rows.some((r) => r.category === 'person') ? 1 : 0;
      sightings.commit(s, { topic: 'sighting', priority });
      return s;
    })();
    this.deps.gallery.flush();
    return { sighting, timings: { searchMs: t1 - t0, writeMs: performance.now() - t1 } };
  }

  /**
   * One verdict per species seen with ReID evidence (embedding and/or local features). Each
   * detection's matches are calibrated probabilities, so the burst vote and the thresholds
   * mean the same for every species. `persist` runs inside the sighting's transaction.
   */
  private decideIndividuals(rows: readonly DetectionRow[]): Map<string, { individual: SightingIndividual; persist: () => void }> {
    const { gallery, individuals } = this.deps;
    const bySpecies = new Map<string, Map<string, { vectors: Float32Array[]; features: LocalFeatures[]; matches: GalleryMatch[][] }>>();
    for (const r of rows) {
      if (!hasReid(r) || r.taxonRank !== 'species' || !r.taxonLabel) continue;
      const vector = r.embedding ? toVector(r.embedding) : null;
      const features = r.features ? unpackFeatures(r.features) : null;
      const frames = bySpecies.get(r.taxonLabel) ?? new Map();
      bySpecies.set(r.taxonLabel, frames);
      const frame = frames.get(r.captureId) ?? { vectors: [], features: [], matches: [] };
      frames.set(r.captureId, frame);
      if (vector) frame.vectors.push(vector);
      if (features && features.descriptors.length > 0) frame.features.push(features);
      frame.matches.push(gallery.match(r.taxonLabel, { embedding: vector, features }).map((m) => ({ individualId: m.individualId, score: m.score })));
    }
    const out = new Map<string, { individual: SightingIndividual; persist: () => void }>();
    for (const [species, frames] of bySpecies) {
      const verdict = voteBurst([...frames.values()].map((f) => mergeFrameMatches(f.matches)), this.deps.thresholds());
      const vectors = [...frames.values()].flatMap((f) => f.vectors);
      const features = [...frames.values()].flatMap((f) => f.features);
      const individual: SightingIndividual = {
        species,
        id: verdict.individualId,
        name: verdict.individualId ? (individuals.get(verdict.individualId)?.name ?? null) : null,
        decision: verdict.decision,
        score: round(verdict.score),
        frames: verdict.frames,
      };
      const globalId = verdict.individualId ? individuals.get(verdict.individualId)?.globalId : null;
      if (globalId) individual.globalId = globalId;
      const persist = () => {
        if (verdict.decision === 'new') {
          const created = individuals.create(species, `${species} #${individuals.countSpecies(species) + 1}`, 'sighted');
          individual.id = created.id;
          individual.name = created.name;
          gallery.add(created.id, species, vectors, 'sighting');
          gallery.addFeatures(created.id, species, features, 'sighting');
        } else if (verdict.decision === 'known' && verdict.individualId) {
          gallery.add(verdict.individualId, species, vectors, 'sighting');
          gallery.addFeatures(verdict.individualId, species, features, 'sighting');
        }
      };
      out.set(species, { individual, persist });
    }
    return out;
  }
}

function toDetection(r: DetectionRow, verdicts: Map<string, { individual: SightingIndividual }>): SightingDetection {
  const d: SightingDetection = {
    captureId: r.captureId,
    category: r.category,
    label: r.label,
    bbox: [round(r.x), round(r.y), round(r.w), round(r.h)],
    confidence: round(r.confidence),
    taxon: r.taxonLabel ? { label: r.taxonLabel, rank: r.taxonRank ?? 'unknown', p: round(r.taxonP ?? 0) } : null,
    top: r.topJson ? (JSON.parse(r.topJson) as { label: string; p: number }[]) : null,
  };
  const v = hasReid(r) && r.taxonLabel ? verdicts.get(r.taxonLabel) : undefined;
  if (v) d.individual = { id: v.individual.id, name: v.individual.name, decision: v.individual.decision, score: v.individual.score, ...(v.individual.globalId ? { globalId: v.individual.globalId } : {}) };
  return d;
}

function hasReid(r: DetectionRow): boolean {
  return r.embedding !== null || (r.features !== null && r.features.readUInt32LE(0) > 0);
}

function toVector(buf: Buffer): Float32Array {
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
