-- The sync server's store. Records from devices are append-only here too: inserted by
-- UUID, never updated; a device's event chain head is kept per origin (device database).

CREATE TABLE devices (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  -- sha256 of the one-time enrolment code until it is used, then NULL
  code_hash text UNIQUE,
  code_expires_at timestamptz,
  -- sha256 of the device token (the token itself is never stored)
  token_hash text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  enrolled_at timestamptz,
  revoked_at timestamptz,
  last_seen_at timestamptz
);

CREATE TABLE sites (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES devices (id)
);
CREATE UNIQUE INDEX sites_name ON sites (lower(name));

CREATE TABLE grants (
  device_id uuid NOT NULL REFERENCES devices (id),
  site_id uuid NOT NULL REFERENCES sites (id),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, site_id)
);

-- Each published schedule is a new version (CSV as the app exports it); never rewritten.
CREATE TABLE schedule_versions (
  site_id uuid NOT NULL REFERENCES sites (id),
  version integer NOT NULL,
  csv text NOT NULL,
  opening_count integer NOT NULL,
  published_by uuid REFERENCES devices (id),
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, version)
);

CREATE TABLE records (
  uuid uuid PRIMARY KEY,
  -- arrival order: other devices pull by it
  seq bigserial UNIQUE,
  kind text NOT NULL,
  site_id uuid REFERENCES sites (id),
  origin uuid NOT NULL,
  device_id uuid NOT NULL REFERENCES devices (id),
  refs uuid[] NOT NULL,
  body jsonb NOT NULL,
  content_hash text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_site_seq ON records (site_id, seq);

CREATE TABLE chains (
  origin uuid PRIMARY KEY,
  head_seq bigint NOT NULL,
  head_hash text NOT NULL
);

CREATE TABLE blobs (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
