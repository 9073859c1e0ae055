import { describe, expect, it } from 'vitest';
import { buildCamtrapPackage, parseCsv, toCsv, validateCamtrapPackage, type CamtrapSighting } from './index.js';

const sighting = (over: Partial<CamtrapSighting> = {}): CamtrapSighting => ({
  id: '0190a0b0-0000-7000-8000-000000000001',
  eventId: '0190a0b0-0000-7000-8000-0000000000e1',
  deviceId: 'trap-1',
  cameraId: null,
  takenAt: '2025-07-01T04:00:00.500Z',
  endAt: '2025-07-01T04:00:04Z',
  frames: [
    { captureId: 'c1', takenAt: '2025-07-01T04:00:00.500Z', originalName: 'IMG, "1".JPG' },
    { captureId: 'c2', takenAt: '2025-07-01T04:00:04Z' },
  ],
  detections: [{ captureId: 'c1', category: 'animal', bbox: [0.1, 0.2, 0.3, 0.4], confidence: 0.9, taxon: { label: 'Lynx lynx', rank: 'species', p: 0.8 }, individual: { id: 'ind-1' } }],
  ...over,
});

describe('Camtrap DP package (shared by hub and device)', () => {
  it('writes tables that validate, with the deployment settings and mapped individual ids', () => {
    const pkg = buildCamtrapPackage({
      sightings: [{ sighting: sighting(), classifiedAt: '2025-07-01T04:01:00Z', individualID: (l) => `global-${l}` }],
      deployments: { 'trap-1': { deploymentID: 'dep-7', latitude: -1.5, longitude: 36.8, cameraHeading: 270, baitUse: false, featureType: 'trailGame', setupBy: 'Wanjiru' } },
      publisher: 'test',
    });
    expect(validateCamtrapPackage(pkg.files)).toEqual([]);
    expect(pkg.counts).toEqual({ deployments: 1, media: 2, observations: 1 });
    const dep = parseCsv(pkg.files['deployments.csv']).rows[0];
    expect(dep).toMatchObject({ deploymentID: 'dep-7', latitude: '-1.5', cameraHeading: '270', baitUse: 'false', featureType: 'trailGame', setupBy: 'Wanjiru', deploymentStart: '2025-07-01T04:00:00Z' });
    const media = parseCsv(pkg.files['media.csv']).rows;
    expect(media.map((m) => [m.deploymentID, m.fileName])).toEqual([['dep-7', 'IMG, "1".JPG'], ['dep-7', 'c2.jpg']]);
    expect(parseCsv(pkg.files['observations.csv']).rows[0]).toMatchObject({ individualID: 'global-ind-1', scientificName: 'Lynx lynx', deploymentID: 'dep-7' });
  });

  it('reports what the standard forbids: no coordinates, an out-of-range latitude, a bad enum, a dangling key', () => {
    const none = buildCamtrapPackage({ sightings: [{ sighting: sighting(), classifiedAt: new Date(), individualID: () => null }], publisher: 'test' });
    expect(none.missingLocations).toEqual(['trap-1']);
    expect(validateCamtrapPackage(none.files)).toEqual(['deployments row 2: latitude is required', 'deployments row 2: longitude is required']);
    const bad = buildCamtrapPackage({
      sightings: [{ sighting: sighting(), classifiedAt: new Date(), individualID: () => null }],
      deployments: { 'trap-1': { latitude: 123, longitude: 10, featureType: 'garden' } },
      publisher: 'test',
    });
    const problems = validateCamtrapPackage({ ...bad.files, 'media.csv': toCsv(['mediaID'], []) });
    expect(problems).toEqual(
      expect.arrayContaining(['deployments row 2: latitude=123 > 90', expect.stringMatching(/featureType=garden is not one of/), expect.stringMatching(/^media: columns/), 'observations row 2: mediaID=c1 is not in media.mediaID']),
    );
    expect(validateCamtrapPackage({})).toContain('datapackage.json is missing');
  });
});
