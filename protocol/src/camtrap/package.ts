import { camtrapDatetime as dt, toCsv, type CsvRow } from './csv.js';
import { CAMTRAP_COLUMNS, CAMTRAP_DP } from './tables.js';

/** What the package needs of a sighting: the wire payload and the device's stored sighting both fit. */
export interface CamtrapSighting {
  id: string;
  eventId: string;
  deviceId: string;
  cameraId: string | null;
  takenAt: string;
  endAt: string;
  frames: readonly { captureId: string; takenAt: string; originalName?: string | undefined }[];
  detections: readonly {
    captureId: string;
    category: string;
    bbox: readonly [number, number, number, number];
    confidence: number;
    taxon: { label: string; rank: string; p: number } | null;
    individual?: { id: string | null } | undefined;
  }[];
}

/** Deployment facts known beyond the sightings (from the device's `deployment` settings or the hub's locations file). */
export interface CamtrapDeployment {
  deploymentID?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  coordinateUncertainty?: number | null;
  locationID?: string | null;
  locationName?: string | null;
  setupBy?: string | null;
  cameraModel?: string | null;
  cameraDelay?: number | null;
  cameraHeight?: number | null;
  cameraTilt?: number | null;
  cameraHeading?: number | null;
  detectionDistance?: number | null;
  deploymentStart?: string | null;
  deploymentEnd?: string | null;
  habitat?: string | null;
  featureType?: string | null;
  baitUse?: boolean | null;
  deploymentTags?: string | null;
  deploymentComments?: string | null;
}

export interface CamtrapPackageInput {
  /**
   * In any order; each with when it was classified, by whom when a person reviewed it
   * (`classificationMethod: human`; otherwise `machine` by spoor), and how its local
   * individual ids map to exported ones.
   */
  sightings: Iterable<{ sighting: CamtrapSighting; classifiedAt: unknown; classifiedBy?: string | null | undefined; individualID: (localId: string) => string | null }>;
  /** Per deviceId. */
  deployments?: Record<string, CamtrapDeployment | undefined>;
  created?: Date;
  /** `contributors[0].title`, e.g. "Spoor hub". */
  publisher: string;
}

export interface CamtrapFiles {
  files: Record<'datapackage.json' | 'deployments.csv' | 'media.csv' | 'observations.csv', string>;
  counts: { deployments: number; media: number; observations: number };
  /** Deployments without coordinates (latitude/longitude are required by the standard). */
  missingLocations: string[];
}

const OBSERVATION_TYPE: Record<string, string> = { animal: 'animal', person: 'human', vehicle: 'vehicle' };

/**
 * A Camtrap DP 1.0 package from sightings: one deployment per device (its configured span, or its
 * first to its last sighting), one media row per frame, one media-level observation per detection
 * (with the individual id the caller maps to), and one event-level `blank` observation for a
 * sighting without detections. Pure: the hub and the device feed it from their own stores.
 */
export function buildCamtrapPackage(input: CamtrapPackageInput): CamtrapFiles {
  const spans = new Map<string, { start: string; end: string; cameraID: string | null }>();
  const media: CsvRow[] = [];
  const observations: CsvRow[] = [];
  const taxa = new Map<string, string>();
  const depId = (deviceId: string) => input.deployments?.[deviceId]?.deploymentID || deviceId;
  for (const { sighting: s, classifiedAt, classifiedBy, individualID } of input.sightings) {
    const span = spans.get(s.deviceId);
    if (!span) spans.set(s.deviceId, { start: s.takenAt, end: s.endAt, cameraID: s.cameraId });
    else {
      if (Date.parse(s.takenAt) < Date.parse(span.start)) span.start = s.takenAt;
      if (Date.parse(s.endAt) > Date.parse(span.end)) span.end = s.endAt;
    }
    const deploymentID = depId(s.deviceId);
    for (const f of s.frames) {
      const fileName = f.originalName || `${f.captureId}.jpg`;
      media.push({
        mediaID: f.captureId,
        deploymentID,
        captureMethod: 'activityDetection',
        timestamp: dt(f.takenAt),
        filePath: `${s.deviceId}/${fileName}`,
        filePublic: false,
        fileName,
        fileMediatype: 'image/jpeg',
      });
    }
    const classification = {
      classificationMethod: classifiedBy ? 'human' : 'machine',
      classifiedBy: classifiedBy || 'spoor',
      classificationTimestamp: dt(classifiedAt),
    };
    s.detections.forEach((d, idx) => {
      const local = d.individual?.id ?? null;
      const name = d.category === 'animal' ? (d.taxon?.label ?? null) : null;
      if (name) taxa.set(name, d.taxon?.rank ?? 'species');
      observations.push({
        observationID: `${s.id}:${idx}`,
        deploymentID,
        mediaID: d.captureId,
        eventID: s.eventId,
        eventStart: dt(s.takenAt),
        eventEnd: dt(s.endAt),
        observationLevel: 'media',
        observationType: name || d.category !== 'animal' ? (OBSERVATION_TYPE[d.category] ?? 'unknown') : 'unclassified',
        scientificName: name,
        count: 1,
        individualID: local ? individualID(local) : null,
        bboxX: d.bbox[0],
        bboxY: d.bbox[1],
        bboxWidth: Math.max(d.bbox[2], 1e-6),
        bboxHeight: Math.max(d.bbox[3], 1e-6),
        ...classification,
        // A person's verdict has no model probability.
        classificationProbability: classifiedBy ? null : (d.taxon?.p ?? d.confidence),
      });
    });
    if (s.detections.length === 0) {
      observations.push({
        observationID: `${s.id}:event`,
        deploymentID,
        eventID: s.eventId,
        eventStart: dt(s.takenAt),
        eventEnd: dt(s.endAt),
        observationLevel: 'event',
        observationType: 'blank',
        ...classification,
      });
    }
  }
  const missingLocations: string[] = [];
  const depRows: CsvRow[] = [...spans].map(([deviceId, span]) => {
    const d = input.deployments?.[deviceId] ?? {};
    if (typeof d.latitude !== 'number' || typeof d.longitude !== 'number') missingLocations.push(deviceId);
    return {
      ...d,
      deploymentID: depId(deviceId),
      locationID: d.locationID || deviceId,
      locationName: d.locationName || deviceId,
      deploymentStart: dt(d.deploymentStart || span.start),
      deploymentEnd: dt(d.deploymentEnd || span.end),
      cameraID: span.cameraID,
    };
  });
  const starts = depRows.map((r) => String(r.deploymentStart)).sort();
  const ends = depRows.map((r) => String(r.deploymentEnd)).sort();
  const lats = depRows.flatMap((r) => (typeof r.latitude === 'number' ? [r.latitude] : []));
  const lons = depRows.flatMap((r) => (typeof r.longitude === 'number' ? [r.longitude] : []));
  const [w, s, e, n] = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
  const pkg = {
    profile: CAMTRAP_DP.profile,
    name: 'spoor-export',
    created: (input.created ?? new Date()).toISOString(),
    contributors: [{ title: input.publisher, role: 'publisher' }],
    project: { title: 'Spoor camera traps', samplingDesign: 'opportunistic', captureMethod: ['activityDetection'], individualAnimals: true, observationLevel: ['media', 'event'] },
    spatial: lats.length > 0 ? { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } : null,
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
      'deployments.csv': toCsv(CAMTRAP_COLUMNS.deployments, depRows),
      'media.csv': toCsv(CAMTRAP_COLUMNS.media, media),
      'observations.csv': toCsv(CAMTRAP_COLUMNS.observations, observations),
    },
    counts: { deployments: depRows.length, media: media.length, observations: observations.length },
    missingLocations,
  };
}
