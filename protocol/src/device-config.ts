import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CAMTRAP_FEATURE_TYPES } from './camtrap/index.js';

/**
 * The device's configuration: one TypeBox schema validates the config file, the settings
 * API and configs pushed from the hub, on the device and (before it publishes one) on the hub.
 * Every setting but `dataDir` and `inbox` has a default. `restart: true` marks settings that
 * only take effect after a restart.
 */

/** The panel's admin password hash: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export const PASSWORD_HASH_PATTERN = '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$';

/** Settings the hub may not push: they locate the unit's own data. */
export const LOCAL_ONLY_SETTINGS = ['deviceId', 'dataDir', 'inbox'] as const;
const restart = { restart: true } as const;

export const ProviderName = Type.Union([Type.Literal('tensorrt'), Type.Literal('cuda'), Type.Literal('cpu')]);

const nullable = <T extends TSchema>(t: T, description: string) => Type.Union([t, Type.Null()], { default: null, description });
/** A date (2025-07-01) or a datetime with its zone (2025-07-01T08:00:00+03:00), as Camtrap DP wants. */
const DATE_OR_DATETIME = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2}))?$';

/** Where and how this unit is deployed: the Camtrap DP 1.0 deployment fields (https://camtrap-dp.tdwg.org). Read at export time, so live. */
export const DeploymentSchema = Type.Object(
  {
    deploymentID: nullable(Type.String({ minLength: 1, maxLength: 120 }), 'Camtrap DP deploymentID; empty = the device id.'),
    locationID: nullable(Type.String({ minLength: 1, maxLength: 120 }), 'Identifier of the location, shared by deployments at the same spot.'),
    locationName: nullable(Type.String({ minLength: 1, maxLength: 200 }), 'Name of the location, e.g. "Oak ridge trail".'),
    latitude: nullable(Type.Number({ minimum: -90, maximum: 90 }), 'Latitude in decimal degrees (WGS84).'),
    longitude: nullable(Type.Number({ minimum: -180, maximum: 180 }), 'Longitude in decimal degrees (WGS84).'),
    coordinateUncertainty: nullable(Type.Integer({ minimum: 1, maximum: 100_000 }), 'Uncertainty of the coordinates in metres.'),
    cameraHeight: nullable(Type.Number({ minimum: 0, maximum: 50 }), 'Height of the camera above the ground, in metres.'),
    cameraHeading: nullable(Type.Integer({ minimum: 0, maximum: 360 }), 'Direction the camera faces, in degrees clockwise from north (0–360).'),
    cameraTilt: nullable(Type.Integer({ minimum: -90, maximum: 90 }), 'Tilt in degrees: 0 horizontal, -90 straight down, 90 straight up.'),
    cameraModel: nullable(Type.String({ minLength: 1, maxLength: 120 }), 'Make and model, e.g. "Reconyx-HC600".'),
    setupBy: nullable(Type.String({ minLength: 1, maxLength: 120 }), 'Who set up this deployment.'),
    deploymentStart: nullable(Type.String({ pattern: DATE_OR_DATETIME }), 'When the deployment began: 2025-07-01 or 2025-07-01T08:00:00+03:00; empty = the first sighting.'),
    deploymentEnd: nullable(Type.String({ pattern: DATE_OR_DATETIME }), 'When it ended (same format); empty = the last sighting.'),
    habitat: nullable(Type.String({ minLength: 1, maxLength: 200 }), 'Short description of the habitat.'),
    featureType: Type.Union([...CAMTRAP_FEATURE_TYPES.map((f) => Type.Literal(f)), Type.Null()], { default: null, description: 'The feature the camera points at (Camtrap DP vocabulary).' }),
    baitUse: Type.Union([Type.Boolean(), Type.Null()], { default: null, description: 'Was bait used?' }),
    deploymentComments: nullable(Type.String({ minLength: 1, maxLength: 1000 }), 'Anything else worth knowing about this deployment.'),
  },
  { default: {}, additionalProperties: false },
);

export const DeviceConfigSchema = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'Stable id of this unit; defaults to the host name.', ...restart })),
    name: Type.String({ default: 'spoor-device', minLength: 1, maxLength: 80, description: 'Human name shown in the panel and on the hub.' }),
    dataDir: Type.String({ minLength: 1, description: 'Where the database, blobs and gallery index live.', ...restart }),
    inbox: Type.String({ minLength: 1, description: 'Watch folder the camera drops photos into.', ...restart }),
    logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace')], { default: 'info' }),
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0', ...restart }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port.', ...restart }),
        maxUploadBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      },
      { default: {} },
    ),
    watch: Type.Object(
      {
        enabled: Type.Boolean({ default: true, ...restart }),
        stableMs: Type.Integer({ minimum: 0, default: 2000, description: 'A file is taken once its size has not changed for this long.' }),
        pollMs: Type.Integer({ minimum: 50, default: 1000 }),
      },
      { default: {} },
    ),
    gpio: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Take a photo when a PIR sensor on a GPIO line fires (needs @spoor/native and a gpiochip).', ...restart }),
        chip: Type.String({ default: '/dev/gpiochip0', minLength: 1, description: 'GPIO character device; `gpiodetect` lists them.', ...restart }),
        line: Type.Integer({ minimum: 0, default: 17, description: 'Line offset on that chip (see `gpioinfo`), not the header pin number.', ...restart }),
        edge: Type.Union([Type.Literal('rising'), Type.Literal('falling'), Type.Literal('both')], { default: 'rising', description: 'Which edge is a trigger; most PIR modules drive the line high on motion.', ...restart }),
        debounceMs: Type.Integer({ minimum: 0, maximum: 1000, default: 50, description: 'Kernel debounce of the line.', ...restart }),
        captureCommand: Type.Array(Type.String({ minLength: 1 }), {
          default: ['libcamera-still', '-n', '-t', '1', '-o', '{out}'],
          minItems: 1,
          description: 'Camera command run on a trigger, without a shell; {out} is replaced by the file it must write. The file is moved into the inbox when the command succeeds.',
        }),
        captureTimeoutMs: Type.Integer({ minimum: 100, default: 20_000, description: 'A capture command running longer than this is killed.' }),
        cooldownMs: Type.Integer({ minimum: 0, default: 5000, description: 'Triggers within this long of the last capture are ignored.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    models: Type.Object(
      {
        manifest: Type.Optional(Type.String({ description: 'Model manifest; defaults to the bundled models.', ...restart })),
        detector: Type.String({ default: 'spoor-test-detector', ...restart }),
        classifier: Type.Union([Type.String(), Type.Null()], { default: 'spoor-test-classifier', ...restart }),
        embedder: Type.Union([Type.String(), Type.Null()], { default: 'spoor-test-embedder', ...restart }),
        providers: Type.Array(ProviderName, { default: ['tensorrt', 'cuda', 'cpu'], minItems: 1, ...restart }),
        tensorrt: Type.Object(
          {
            engineCacheDir: Type.Optional(Type.String({ description: 'Where TensorRT keeps built engines (default <dataDir>/trt-engines); building one takes minutes, so keep it.', ...restart })),
            fp16: Type.Boolean({ default: true, description: 'Let TensorRT run in half precision.', ...restart }),
          },
          { default: {} },
        ),
        threads: Type.Integer({ minimum: 0, default: 0, description: 'ONNX Runtime intra-op threads; 0 = one fewer than the CPU count, leaving a core for decoding.', ...restart }),
      },
      { default: {} },
    ),
    pipeline: Type.Object(
      {
        burstWindowSec: Type.Number({ minimum: 0, maximum: 3600, default: 60, description: 'Captures from one camera this close together form one event.' }),
        maxInputPixels: Type.Integer({ minimum: 1, default: 100_000_000, description: 'Larger images are refused as decompression bombs.' }),
        minDetectionConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
        topK: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
        speciesAllowList: Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], { default: null, description: 'Species possible at this deployment; null allows all.' }),
      },
      { default: {} },
    ),
    reid: Type.Object(
      {
        species: Type.Array(Type.String({ minLength: 1 }), { default: ['*'], description: 'Species with re-identification; "*" means all.' }),
        acceptThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.85, description: 'Score at or above which a sighting is a known individual.' }),
        rejectThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.6, description: 'Score at or below which it is a new individual.' }),
        localFeatures: Type.Boolean({ default: true, description: 'Match coat patterns with ORB keypoints (HotSpotter-style), fused with the embedder when one is configured.', ...restart }),
        maxKeypoints: Type.Integer({ minimum: 50, maximum: 2000, default: 400, description: 'Keypoints per animal crop; more is slower and a little more accurate.', ...restart }),
      },
      { default: {} },
    ),
    cloud: Type.Object(
      {
        mqttUrl: Type.Union([Type.String({ minLength: 1, pattern: '^(mqtts?|wss?|tcp|ssl)://' }), Type.Null()], {
          default: null,
          description: 'Broker of the cloud hub, e.g. mqtts://hub.example.org:8883; null turns sync off.',
          ...restart,
        }),
        username: Type.Union([Type.String({ maxLength: 256 }), Type.Null()], { default: null, ...restart }),
        password: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()], { default: null, description: 'Never logged (redacted).', ...restart }),
        prefix: Type.String({ default: 'spoor/v1', minLength: 1, pattern: '^[^#+]+$', description: 'MQTT topic prefix shared with the hub.', ...restart }),
        fleetId: Type.String({ default: 'default', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', ...restart }),
        tls: Type.Optional(
          Type.Object(
            { ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA that signed the broker certificate.', ...restart })) },
            { additionalProperties: false },
          ),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    panel: Type.Object(
      {
        passwordHash: Type.Union([Type.String({ pattern: PASSWORD_HASH_PATTERN }), Type.Null()], {
          default: null,
          description: 'scrypt hash of the LAN panel admin password, from provisioning; null = the first visitor sets one (kept in <dataDir>/panel-auth.json). There is no default password.',
          ...restart,
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    sync: Type.Object(
      {
        bandwidth: Type.Union([Type.Literal('metadata'), Type.Literal('crops'), Type.Literal('full')], {
          default: 'metadata',
          description: 'metadata: detections, taxa, int8 embeddings, no pixels; crops: also f32 embeddings and a JPEG crop of each detection (≤512 px); full: also each frame (≤1920 px).',
        }),
        blurPersons: Type.Boolean({ default: true, description: 'Blur person boxes in every crop and frame sent to the hub (privacy).' }),
        sendKeypoints: Type.Boolean({
          default: true,
          description: 'crops/full: send the ORB keypoints ReID used with the first crop of each animal in a sighting (about 18 KB at 400 keypoints), so reviewers see which regions of two crops match.',
        }),
        dailyBudgetBytes: Type.Integer({ minimum: 0, default: 50 * 1024 * 1024, description: 'Bytes per UTC day; once spent only priority sightings go. 0 = unlimited.' }),
        outboxQuotaBytes: Type.Integer({ minimum: 1024, default: 200 * 1024 * 1024, description: 'Disk the outbox may use; above it the lowest-priority, oldest rows are dropped (logged).' }),
        receiptTimeoutSec: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'A sighting with no receipt from the hub after this long is sent again.' }),
        statsIntervalSec: Type.Integer({ minimum: 5, maximum: 86_400, default: 300 }),
      },
      { default: {}, additionalProperties: false },
    ),
    deployment: DeploymentSchema,
    health: Type.Object(
      {
        thermalDir: Type.String({ default: '/sys/class/thermal', minLength: 1, description: 'Where the CPU temperature is read (thermal_zone*/temp, millidegrees); none readable = not shown.', ...restart }),
        latencySampleSec: Type.Integer({ minimum: 1, maximum: 3600, default: 10, description: 'The status chart gets one inference latency point (p50/p95) per this many seconds with frames; it keeps the last 60.', ...restart }),
        batteryVoltageFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
          default: null,
          description: 'A sysfs/iio file holding the battery voltage, e.g. /sys/bus/iio/devices/iio:device0/in_voltage0_raw; null = not shown.',
          ...restart,
        }),
        batteryVoltageCommand: Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.Null()], {
          default: null,
          description: 'A command (run without a shell) that prints the battery voltage; used when no file is set.',
          ...restart,
        }),
        batteryVoltageScale: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'Multiplies the number read to give volts (0.001 for millivolts).', ...restart }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type DeviceConfig = Static<typeof DeviceConfigSchema>;

/**
 * Check a partial config as the hub pushes it, without the device's current config: every
 * setting it names must be one the device knows, with a valid value, and none may be local
 * only. The device checks again after merging it over its own config (cross-setting rules such
 * as rejectThreshold ≤ acceptThreshold need both), and reports `rejected` with the reason.
 */
export function checkConfigPush(pushed: Record<string, unknown>): { ok: true } | { ok: false; reason: string } {
  for (const key of LOCAL_ONLY_SETTINGS) if (key in pushed) return { ok: false, reason: `/${key}: set on the device only, not by the hub` };
  const full = Value.Default(DeviceConfigSchema, { ...structuredClone(pushed), dataDir: '/data', inbox: '/data/inbox' });
  const first = Value.Errors(DeviceConfigSchema, full).First();
  return first ? { ok: false, reason: `${first.path === '' ? '(root)' : first.path}: ${first.message}` } : { ok: true };
}
