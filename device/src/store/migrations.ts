/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    camera_id TEXT,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    last_ingest_ms INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at TEXT
  );
  CREATE INDEX events_open ON events (status, camera_id);

  CREATE TABLE captures (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    blob_path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    source TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    taken_at_source TEXT NOT NULL,
    camera_id TEXT,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    format TEXT NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'quarantined')),
    error_code TEXT,
    error_reason TEXT,
    ingested_at TEXT NOT NULL,
    processed_at TEXT
  );
  CREATE INDEX captures_status ON captures (status, ingested_at);
  CREATE INDEX captures_event ON captures (event_id);

  CREATE TABLE quarantine (
    id TEXT PRIMARY KEY,
    original_name TEXT NOT NULL,
    sha256 TEXT,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    path TEXT,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE detections (
    id TEXT PRIMARY KEY,
    capture_id TEXT NOT NULL REFERENCES captures (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    category TEXT NOT NULL,
    label TEXT NOT NULL,
    x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
    confidence REAL NOT NULL,
    taxon_label TEXT,
    taxon_rank TEXT,
    taxon_p REAL,
    top_json TEXT,
    embedding BLOB
  );
  CREATE INDEX detections_event ON detections (event_id);
  CREATE INDEX detections_capture ON detections (capture_id);

  CREATE TABLE individuals (
    id TEXT PRIMARY KEY,
    species TEXT NOT NULL,
    name TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('enrolled', 'sighted')),
    global_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX individuals_species ON individuals (species);

  -- Reference embeddings of the gallery; the rowid is the USearch key.
  CREATE TABLE gallery_vectors (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    individual_id TEXT NOT NULL REFERENCES individuals (id) ON DELETE CASCADE,
    species TEXT NOT NULL,
    vector BLOB NOT NULL,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX gallery_vectors_species ON gallery_vectors (species);
  CREATE INDEX gallery_vectors_individual ON gallery_vectors (individual_id);

  CREATE TABLE sightings (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE REFERENCES events (id),
    camera_id TEXT,
    taken_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX sightings_taken ON sightings (taken_at);

  -- Durable outbox, written in the same transaction as the sighting it carries.
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE INDEX outbox_ref ON outbox (ref_id);
  `,
  // 2: sync bookkeeping. sent_at/attempts say what was in flight when the daemon stopped;
  // a parked row broke the wire contract and waits for a fix instead of looping.
  `
  ALTER TABLE outbox ADD COLUMN sent_at TEXT;
  ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN parked_reason TEXT;
  CREATE INDEX outbox_order ON outbox (priority DESC, seq);

  -- Bytes published per UTC day, for the daily bandwidth budget.
  CREATE TABLE sync_ledger (
    day TEXT PRIMARY KEY,
    bytes_sent INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 3: local-feature ReID. Each reference image's ORB keypoints and descriptors (one blob:
  // u32 n, n×2 f32, n×32 bytes); USearch key = key × 1024 + descriptor number. Detections keep
  // their features for the event's vote; each species' score calibration lives beside them.
  `
  CREATE TABLE gallery_features (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    individual_id TEXT NOT NULL REFERENCES individuals (id) ON DELETE CASCADE,
    species TEXT NOT NULL,
    features BLOB NOT NULL,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX gallery_features_species ON gallery_features (species);
  CREATE INDEX gallery_features_individual ON gallery_features (individual_id);

  ALTER TABLE detections ADD COLUMN features BLOB;

  CREATE TABLE reid_calibration (
    species TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    fitted_at TEXT NOT NULL
  );
  `,
  // 4: the hub's global gallery on the device. Each global individual stands here as a local
  // individual (this device's own, linked by the hub, or a mirror made for it, origin 'sighted'
  // with mirror = 1); its reference embeddings sit in gallery_vectors with origin 'hub:<global id>'.
  // gallery_sync records the fleet gallery version applied, so a restart resumes from it.
  `
  CREATE TABLE global_individuals (
    id TEXT PRIMARY KEY,
    species TEXT NOT NULL,
    name TEXT,
    local_id TEXT NOT NULL,
    mirror INTEGER NOT NULL DEFAULT 0,
    refs_sha TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX global_individuals_local ON global_individuals (local_id);
  CREATE INDEX individuals_global ON individuals (global_id);

  CREATE TABLE gallery_sync (
    fleet_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    snapshot_json TEXT,
    updated_at TEXT NOT NULL
  );
  `,
  // 5: media for the hub (crops/full bandwidth). sync_media lists the JPEGs made for each
  // sighting (their outbox rows, topic 'media', carry the bytes); sync_media_done marks a
  // sighting's crops or frames as made, so a restart neither loses nor repeats them;
  // sync_media_pending keeps sightings the hub receipted before their media were made.
  `
  CREATE TABLE sync_media (
    id TEXT PRIMARY KEY,
    sighting_id TEXT NOT NULL,
    capture_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('crop', 'frame')),
    detection_idx INTEGER,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX sync_media_sighting ON sync_media (sighting_id);

  CREATE TABLE sync_media_done (
    sighting_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    note TEXT,
    made_at TEXT NOT NULL,
    PRIMARY KEY (sighting_id, kind)
  );

  CREATE TABLE sync_media_pending (
    sighting_id TEXT PRIMARY KEY,
    priority INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
];
