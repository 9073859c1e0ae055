/**
 * Camtrap DP 1.0 (https://camtrap-dp.tdwg.org): the package profile, the three table schemas'
 * URLs, and their fields (name, order, type, required, ranges, enums). Hand-copied from the
 * standard's deployments/media/observations table schemas (no network here); the hub and the
 * device write and validate their exports against this one copy.
 */
export const CAMTRAP_DP = {
  profile: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json',
  deployments: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/deployments-table-schema.json',
  media: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/media-table-schema.json',
  observations: 'https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/observations-table-schema.json',
} as const;

export interface CamtrapField {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'object';
  required?: boolean;
  unique?: boolean;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
  pattern?: string;
  foreignKey?: string;
}

export type CamtrapTable = 'deployments' | 'media' | 'observations';

export const CAMTRAP_FEATURE_TYPES = [
  'roadPaved', 'roadDirt', 'trailHiking', 'trailGame', 'roadUnderpass', 'roadOverpass', 'roadBridge', 'culvert', 'burrow', 'nestSite', 'carcass', 'waterSource', 'fruitingTree',
] as const;

export const CAMTRAP_TABLES: Record<CamtrapTable, readonly CamtrapField[]> = {
  deployments: [
    { name: 'deploymentID', type: 'string', required: true, unique: true },
    { name: 'locationID', type: 'string' },
    { name: 'locationName', type: 'string' },
    { name: 'latitude', type: 'number', required: true, minimum: -90, maximum: 90 },
    { name: 'longitude', type: 'number', required: true, minimum: -180, maximum: 180 },
    { name: 'coordinateUncertainty', type: 'integer', minimum: 1 },
    { name: 'deploymentStart', type: 'datetime', required: true },
    { name: 'deploymentEnd', type: 'datetime', required: true },
    { name: 'setupBy', type: 'string' },
    { name: 'cameraID', type: 'string' },
    { name: 'cameraModel', type: 'string' },
    { name: 'cameraDelay', type: 'integer', minimum: 0 },
    { name: 'cameraHeight', type: 'number', minimum: 0 },
    { name: 'cameraDepth', type: 'number', minimum: 0 },
    { name: 'cameraTilt', type: 'integer', minimum: -90, maximum: 90 },
    { name: 'cameraHeading', type: 'integer', minimum: 0, maximum: 360 },
    { name: 'detectionDistance', type: 'number', minimum: 0 },
    { name: 'timestampIssues', type: 'boolean' },
    { name: 'baitUse', type: 'boolean' },
    { name: 'featureType', type: 'string', enum: CAMTRAP_FEATURE_TYPES },
    { name: 'habitat', type: 'string' },
    { name: 'deploymentGroups', type: 'string' },
    { name: 'deploymentTags', type: 'string' },
    { name: 'deploymentComments', type: 'string' },
  ],
  media: [
    { name: 'mediaID', type: 'string', required: true, unique: true },
    { name: 'deploymentID', type: 'string', required: true, foreignKey: 'deployments.deploymentID' },
    { name: 'captureMethod', type: 'string', enum: ['activityDetection', 'timeLapse'] },
    { name: 'timestamp', type: 'datetime', required: true },
    { name: 'filePath', type: 'string', required: true },
    { name: 'filePublic', type: 'boolean', required: true },
    { name: 'fileName', type: 'string' },
    { name: 'fileMediatype', type: 'string', required: true, pattern: '^(image|video|audio)/.*$' },
    { name: 'exifData', type: 'object' },
    { name: 'favorite', type: 'boolean' },
    { name: 'mediaComments', type: 'string' },
  ],
  observations: [
    { name: 'observationID', type: 'string', required: true, unique: true },
    { name: 'deploymentID', type: 'string', required: true, foreignKey: 'deployments.deploymentID' },
    { name: 'mediaID', type: 'string', foreignKey: 'media.mediaID' },
    { name: 'eventID', type: 'string' },
    { name: 'eventStart', type: 'datetime', required: true },
    { name: 'eventEnd', type: 'datetime', required: true },
    { name: 'observationLevel', type: 'string', required: true, enum: ['media', 'event'] },
    { name: 'observationType', type: 'string', required: true, enum: ['animal', 'human', 'vehicle', 'blank', 'unknown', 'unclassified'] },
    { name: 'cameraSetupType', type: 'string', enum: ['setup', 'calibration'] },
    { name: 'scientificName', type: 'string' },
    { name: 'count', type: 'integer', minimum: 1 },
    { name: 'lifeStage', type: 'string', enum: ['adult', 'subadult', 'juvenile'] },
    { name: 'sex', type: 'string', enum: ['female', 'male'] },
    { name: 'behavior', type: 'string' },
    { name: 'individualID', type: 'string' },
    { name: 'individualPositionRadius', type: 'number', minimum: 0 },
    { name: 'individualPositionAngle', type: 'number', minimum: -90, maximum: 90 },
    { name: 'individualSpeed', type: 'number', minimum: 0 },
    { name: 'bboxX', type: 'number', minimum: 0, maximum: 1 },
    { name: 'bboxY', type: 'number', minimum: 0, maximum: 1 },
    { name: 'bboxWidth', type: 'number', minimum: 1e-15, maximum: 1 },
    { name: 'bboxHeight', type: 'number', minimum: 1e-15, maximum: 1 },
    { name: 'classificationMethod', type: 'string', enum: ['human', 'machine'] },
    { name: 'classifiedBy', type: 'string' },
    { name: 'classificationTimestamp', type: 'datetime' },
    { name: 'classificationProbability', type: 'number', minimum: 0, maximum: 1 },
    { name: 'observationTags', type: 'string' },
    { name: 'observationComments', type: 'string' },
  ],
};

/** Column order of each table (all of the standard's columns; unknown ones stay empty). */
export const CAMTRAP_COLUMNS = {
  deployments: CAMTRAP_TABLES.deployments.map((f) => f.name),
  media: CAMTRAP_TABLES.media.map((f) => f.name),
  observations: CAMTRAP_TABLES.observations.map((f) => f.name),
} as const;
