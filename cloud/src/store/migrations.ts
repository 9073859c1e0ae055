import type { Sql } from './sql.js';

/**
 * The schema, as numbered migrations. Never edit one that has shipped; add the next number.
 * Both stores run exactly these statements.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE fleets (
        id text PRIMARY KEY,
        name text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE devices (
        id text PRIMARY KEY,
        fleet_id text NOT NULL REFERENCES fleets(id),
        name text,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_seen_at timestamptz,
        status jsonb
      );
      CREATE TABLE tokens (
        id text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE TABLE sightings (
        id uuid PRIMARY KEY,
        device_id text NOT NULL,
        event_id uuid NOT NULL,
        camera_id text,
        taken_at timestamptz NOT NULL,
        end_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        body jsonb NOT NULL
      );
      CREATE INDEX sightings_taken_at ON sightings (taken_at DESC, id DESC);
      CREATE INDEX sightings_device ON sightings (device_id, taken_at DESC);
      CREATE TABLE detections (
        sighting_id uuid NOT NULL REFERENCES sightings(id) ON DELETE CASCADE,
        idx integer NOT NULL,
        category text NOT NULL,
        label text NOT NULL,
        x real NOT NULL, y real NOT NULL, w real NOT NULL, h real NOT NULL,
        confidence real NOT NULL,
        taxon_label text,
        taxon_rank text,
        taxon_p real,
        local_individual_id uuid,
        decision text,
        score real,
        PRIMARY KEY (sighting_id, idx)
      );
      CREATE INDEX detections_taxon ON detections (taxon_label);
      CREATE INDEX detections_label ON detections (label);
      CREATE TABLE individuals_local (
        device_id text NOT NULL,
        local_id uuid NOT NULL,
        species text NOT NULL,
        name text,
        last_sighting_id uuid,
        PRIMARY KEY (device_id, local_id)
      );
    `,
  },
  {
    version: 2,
    name: 'global gallery',
    // Timestamps are kept to the millisecond so a snapshot taken through JS restores exactly (undo).
    sql: `
      ALTER TABLE fleets ADD COLUMN gallery_version integer NOT NULL DEFAULT 0;
      ALTER TABLE sightings ADD COLUMN unidentifiable boolean NOT NULL DEFAULT false;
      CREATE TABLE individuals (
        id uuid PRIMARY KEY,
        fleet_id text NOT NULL,
        species text NOT NULL,
        name text,
        version integer NOT NULL DEFAULT 1,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged')),
        merged_into uuid,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX individuals_fleet ON individuals (fleet_id, species, status);
      CREATE TABLE individual_links (
        device_id text NOT NULL,
        local_id uuid NOT NULL,
        individual_id uuid NOT NULL REFERENCES individuals(id),
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (device_id, local_id)
      );
      CREATE INDEX individual_links_individual ON individual_links (individual_id);
      CREATE TABLE individual_refs (
        id bigserial PRIMARY KEY,
        individual_id uuid NOT NULL REFERENCES individuals(id),
        sighting_id uuid NOT NULL,
        device_id text NOT NULL,
        local_id uuid NOT NULL,
        dim integer NOT NULL,
        embedding bytea NOT NULL,
        scale real NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        UNIQUE (sighting_id, device_id, local_id)
      );
      CREATE INDEX individual_refs_individual ON individual_refs (individual_id);
      CREATE TABLE proposals (
        id uuid PRIMARY KEY,
        fleet_id text NOT NULL,
        device_id text NOT NULL,
        local_id uuid NOT NULL,
        species text NOT NULL,
        candidate_individual_id uuid NOT NULL REFERENCES individuals(id),
        score real NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        evidence jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE UNIQUE INDEX proposals_open_local ON proposals (device_id, local_id) WHERE status = 'open';
      CREATE INDEX proposals_fleet_status ON proposals (fleet_id, status);
      CREATE TABLE decisions (
        id uuid PRIMARY KEY,
        fleet_id text NOT NULL,
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        kind text NOT NULL CHECK (kind IN ('confirm', 'reject', 'merge', 'split', 'rename', 'unidentifiable', 'undo')),
        target_ids jsonb NOT NULL,
        before jsonb NOT NULL,
        after jsonb NOT NULL,
        undone_by uuid,
        undoes uuid
      );
      CREATE INDEX decisions_at ON decisions (at DESC);
      CREATE TABLE gallery_versions (
        fleet_id text NOT NULL,
        version integer NOT NULL,
        delta jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (fleet_id, version)
      );
    `,
  },
  {
    version: 3,
    name: 'media: crops and frames from the devices',
    // No foreign key to sightings: a crop may arrive before its sighting (resends), both upsert by id.
    sql: `
      CREATE TABLE media (
        id uuid PRIMARY KEY,
        device_id text NOT NULL,
        sighting_id uuid NOT NULL,
        capture_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('crop', 'frame')),
        detection_idx integer,
        content_type text NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        sha256 text NOT NULL,
        byte_size integer NOT NULL,
        bytes bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX media_sighting ON media (sighting_id, kind, capture_id, detection_idx);
    `,
  },
  {
    version: 4,
    name: 'console: users, sessions, invitations, sighting review, device config, export jobs',
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        name text,
        role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE TABLE invitations (
        token_hash text PRIMARY KEY,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      ALTER TABLE sightings ADD COLUMN version integer NOT NULL DEFAULT 1;
      ALTER TABLE sightings ADD COLUMN reviewed_by text;
      ALTER TABLE sightings ADD COLUMN reviewed_at timestamptz;
      CREATE INDEX sightings_reviewed ON sightings (reviewed_at);
      ALTER TABLE detections ADD COLUMN review_category text;
      ALTER TABLE detections ADD COLUMN review_taxon_label text;
      ALTER TABLE detections ADD COLUMN review_taxon_rank text;
      CREATE INDEX detections_review_taxon ON detections (review_taxon_label);
      CREATE TABLE frame_marks (
        sighting_id uuid NOT NULL REFERENCES sightings(id) ON DELETE CASCADE,
        capture_id uuid NOT NULL,
        mark text NOT NULL CHECK (mark IN ('blank', 'human')),
        PRIMARY KEY (sighting_id, capture_id)
      );
      ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
      ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check CHECK (kind IN ('confirm', 'reject', 'merge', 'split', 'rename', 'unidentifiable', 'undo', 'review'));
      CREATE TABLE device_configs (
        device_id text PRIMARY KEY,
        version integer NOT NULL,
        config jsonb NOT NULL,
        pushed_by text NOT NULL,
        pushed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE export_jobs (
        id uuid PRIMARY KEY,
        format text NOT NULL,
        params jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        done integer NOT NULL DEFAULT 0,
        total integer NOT NULL DEFAULT 0,
        error text,
        result bytea,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 5,
    name: 'media: the ORB keypoints a device sends with an animal crop',
    sql: `ALTER TABLE media ADD COLUMN features jsonb; ALTER TABLE media ADD COLUMN keypoints integer`,
  },
  {
    version: 6,
    name: 'proposals: a proposal whose animal cannot be identified closes as unidentifiable',
    sql: `
      ALTER TABLE proposals DROP CONSTRAINT proposals_status_check;
      ALTER TABLE proposals ADD CONSTRAINT proposals_status_check CHECK (status IN ('open', 'accepted', 'rejected', 'unidentifiable'))
    `,
  },
];

const LOCK_KEY = 0x5b0012; // any constant; shared by every hub on the same database

/**
 * Apply the pending migrations in one transaction. The advisory lock makes two hubs that
 * start at once take turns: the second sees the first's rows in schema_migrations.
 */
export async function migrate(sql: Sql): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const stmt of splitStatements(m.sql)) await tx.query(stmt);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Our migrations hold no semicolons inside strings or bodies, so splitting on them is safe. */
function splitStatements(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
