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
