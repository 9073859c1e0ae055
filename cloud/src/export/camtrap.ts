import type { SightingPayload } from '@spoor/protocol';
import type { Queryable } from '../store/sql.js';

/** Camtrap DP 1.0 (https://camtrap-dp.tdwg.org): the package profile and the three table schemas. */
export const CAMTRAP_DP = {
  profile: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json',
  deployments: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/deployments-table-schema.json',
  media: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/media-table-schema.json',
  observations: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/observations-table-schema.json',
} as const;

/** Column order of the standard's tables (all of them; the ones we do not know stay empty). */
export const COLUMNS = {
  deployments: [
    'deploymentID', 'locationID', 'locationName', 'latitude', 'longitude', 'coordinateUncertainty', 'deploymentStart', 'deploymentEnd', 'setupBy',
    'cameraID', 'cameraModel', 'cameraDelay', 'cameraHeight', 'cameraDepth', 'cameraTilt', 'cameraHeading', 'detectionDistance', 'timestampIssues',
    'baitUse', 'featureType', 'habitat', 'deploymentGroups', 'deploymentTags', 'deploymentComments',
  ],
  media: ['mediaID', 'deploymentID', 'captureMethod', 'timestamp', 'filePath', 'filePublic', 'fileName', 'fileMediatype', 'exifData', 'favorite', 'mediaComments'],
  observations: [
    'observationID', 'deploymentID', 'mediaID', 'eventID', 'eventStart', 'eventEnd', 'observationLevel', 'observationType', 'cameraSetupType',
    'scientificName', 'count', 'lifeStage', 'sex', 'behavior', 'individualID', 'individualPositionRadius', 'individualPositionAngle', 'individualSpeed',
    'bboxX', 'bboxY', 'bboxWidth', 'bboxHeight', 'classificationMethod', 'classifiedBy', 'classificationTimestamp', 'classificationProbability',
    'observationTags', 'observationComments',
  ],
} as const;

type Row = Record<string, string | number | boolean | null | undefined>;

export interface Location {
  latitude: number;
  longitude: number;
  locationName?: string;
}

export interface CamtrapExport {
  files: Record<'datapackage.json' | 'deployments.csv' | 'media.csv' | 'observations.csv', string>;
  counts: { deployments: number; media: number; observations: number };
  /** Deployments without coordinates (latitude/longitude are required by the standard). */
  missingLocations: string[];
}

export function csv(columns: readonly string[], rows: readonly Row[]): string {
  const cell = (v: Row[string]) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** Camtrap DP datetimes are `%Y-%m-%dT%H:%M:%S%z`: ISO 8601 to the second, with a zone. */
export const dt = (v: unknown): string => new Date(v as string).toISOString().replace(/\.\d{3}Z$/, 'Z');

const OBSERVATION_TYPE: Record<string, string> = { animal: 'animal', person: 'human', vehicle: 'vehicle' };

/**
 * Build a Camtrap DP 1.0 package from the store: one deployment per device (its first to its
 * last sighting), one media row per frame, one media-level observation per detection (with
 * the GLOBAL individual id where the device's local individual is linked), and one event-level
 * `blank` observation for a sighting without detections.
 */
export async function buildCamtrapDp(sql: Queryable, opts: { locations?: Record<string, Location>; created?: Date } = {}): Promise<CamtrapExport> {
  const { rows } = await sql.query<{ body: SightingPayload; received_at: unknown; unidentifiable: boolean }>(
    'SELECT body, received_at, unidentifiable FROM sightings ORDER BY taken_at, id',
  );
  const links = await sql.query<{ device_id: string; local_id: string; individual_id: string }>(
    "SELECT l.device_id, l.local_id, l.individual_id FROM individual_links l JOIN individuals i ON i.id = l.individual_id WHERE i.status = 'active'",
  );
  const globalOf = new Map(links.rows.map((l) => [`${l.device_id}\u0000${l.local_id}`, l.individual_id]));
  const deployments = new Map<string, { start: string; end: string; cameraID: string | null }>();
  const media: Row[] = [];
  const observations: Row[] = [];
  const taxa = new Map<string, string>();
  for (const { body: s, received_at, unidentifiable } of rows) {
    const dep = deployments.get(s.deviceId);
    if (!dep) deployments.set(s.deviceId, { start: s.takenAt, end: s.endAt, cameraID: s.cameraId });
    else {
      if (Date.parse(s.takenAt) < Date.parse(dep.start)) dep.start = s.takenAt;
      if (Date.parse(s.endAt) > Date.parse(dep.end)) dep.end = s.endAt;
    }
    for (const f of s.frames) {
      media.push({
        mediaID: f.captureId,
        deploymentID: s.deviceId,
        captureMethod: 'activityDetection',
        timestamp: dt(f.takenAt),
        filePath: `${s.deviceId}/${f.originalName ?? `${f.captureId}.jpg`}`,
        filePublic: false,
        fileName: f.originalName ?? `${f.captureId}.jpg`,
        fileMediatype: 'image/jpeg',
      });
    }
    const classifiedAt = dt(received_at);
    s.detections.forEach((d, idx) => {
      const local = d.individual?.id ?? null;
      const individualID = !unidentifiable && local ? (globalOf.get(`${s.deviceId}\u0000${local}`) ?? null) : null;
      const name = d.category === 'animal' ? (d.taxon?.label ?? null) : null;
      if (name) taxa.set(name, d.taxon?.rank ?? 'species');
      observations.push({
        observationID: `${s.id}:${idx}`,
        deploymentID: s.deviceId,
        mediaID: d.captureId,
        eventID: s.eventId,
        eventStart: dt(s.takenAt),
        eventEnd: dt(s.endAt),
        observationLevel: 'media',
        observationType: name || d.category !== 'animal' ? (OBSERVATION_TYPE[d.category] ?? 'unknown') : 'unclassified',
        scientificName: name,
        count: 1,
        individualID,
        bboxX: d.bbox[0],
        bboxY: d.bbox[1],
        bboxWidth: Math.max(d.bbox[2], 1e-6),
        bboxHeight: Math.max(d.bbox[3], 1e-6),
        classificationMethod: 'machine',
        classifiedBy: 'spoor',
        classificationTimestamp: classifiedAt,
        classificationProbability: d.taxon?.p ?? d.confidence,
      });
    });
    if (s.detections.length === 0) {
      observations.push({
        observationID: `${s.id}:event`,
        deploymentID: s.deviceId,
        eventID: s.eventId,
        eventStart: dt(s.takenAt),
        eventEnd: dt(s.endAt),
        observationLevel: 'event',
        observationType: 'blank',
        classificationMethod: 'machine',
        classifiedBy: 'spoor',
        classificationTimestamp: classifiedAt,
      });
    }
  }
  const missingLocations: string[] = [];
  const depRows: Row[] = [...deployments].map(([id, d]) => {
    const loc = opts.locations?.[id];
    if (!loc) missingLocations.push(id);
    return {
      deploymentID: id,
      locationID: id,
      locationName: loc?.locationName ?? id,
      latitude: loc?.latitude,
      longitude: loc?.longitude,
      deploymentStart: dt(d.start),
      deploymentEnd: dt(d.end),
      cameraID: d.cameraID,
    };
  });
  const starts = [...deployments.values()].map((d) => dt(d.start)).sort();
  const ends = [...deployments.values()].map((d) => dt(d.end)).sort();
  const lats = depRows.flatMap((r) => (typeof r.latitude === 'number' ? [r.latitude] : []));
  const lons = depRows.flatMap((r) => (typeof r.longitude === 'number' ? [r.longitude] : []));
  const pkg = {
    profile: CAMTRAP_DP.profile,
    name: 'spoor-export',
    created: (opts.created ?? new Date()).toISOString(),
    contributors: [{ title: 'Spoor hub', role: 'publisher' }],
    project: { title: 'Spoor camera traps', samplingDesign: 'opportunistic', captureMethod: ['activityDetection'], individualAnimals: true, observationLevel: ['media', 'event'] },
    spatial:
      lats.length > 0
        ? { type: 'Polygon', coordinates: [[[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)], [Math.min(...lons), Math.max(...lats)], [Math.min(...lons), Math.min(...lats)]]] }
        : null,
    temporal: { start: (starts[0] ?? '').slice(0, 10), end: (ends[ends.length - 1] ?? '').slice(0, 10) },
    taxonomic: [...taxa].map(([scientificName, taxonRank]) => ({ scientificName, taxonRank })),
    resources: (['deployments', 'media', 'observations'] as const).map((name) => ({
      name,
      path: `${name}.csv`,
      profile: 'tabular-data-resource',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      schema: CAMTRAP_DP[name],
    })),
  };
  return {
    files: {
      'datapackage.json': `${JSON.stringify(pkg, null, 2)}\n`,
      'deployments.csv': csv(COLUMNS.deployments, depRows),
      'media.csv': csv(COLUMNS.media, media),
      'observations.csv': csv(COLUMNS.observations, observations),
    },
    counts: { deployments: depRows.length, media: media.length, observations: observations.length },
    missingLocations,
  };
}
