-- Tenants, their users and invites, API keys and the audit log.
-- Applied by the native adapter (embedded) and by `wrangler d1 migrations apply` (migrations_dir).

CREATE TABLE tenants (
  id             TEXT PRIMARY KEY NOT NULL,
  name           TEXT NOT NULL,
  -- Stored folded to lowercase; NOCASE makes the unique index case-insensitive as well.
  slug           TEXT NOT NULL UNIQUE COLLATE NOCASE,
  locale         TEXT NOT NULL,
  -- NULL only for the platform (master) tenant, which has no owner user.
  owner_email    TEXT,
  owner_user_id  TEXT,
  sso_start_url  TEXT,
  sso_region     TEXT,
  is_master      INTEGER NOT NULL DEFAULT 0 CHECK (is_master IN (0, 1)),
  primary_domain TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  CHECK ((sso_start_url IS NULL) = (sso_region IS NULL))
);

-- At most one master tenant.
CREATE UNIQUE INDEX tenants_one_master ON tenants (is_master) WHERE is_master = 1;

CREATE TABLE users (
  id         TEXT PRIMARY KEY NOT NULL,
  tenant_id  TEXT NOT NULL REFERENCES tenants (id),
  email      TEXT NOT NULL,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  status     TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email COLLATE NOCASE);

CREATE TABLE invites (
  id         TEXT PRIMARY KEY NOT NULL,
  tenant_id  TEXT NOT NULL REFERENCES tenants (id),
  user_id    TEXT NOT NULL REFERENCES users (id),
  email      TEXT NOT NULL,
  -- SHA-256 of the single-use token; the token itself is never stored.
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT NOT NULL,
  used_at    TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY NOT NULL,
  tenant_id   TEXT NOT NULL REFERENCES tenants (id),
  -- SHA-256 of the key's secret; the secret itself is never stored.
  secret_hash TEXT NOT NULL,
  -- A JSON array of scope strings.
  scopes      TEXT NOT NULL DEFAULT '[]',
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

CREATE TABLE audit_log (
  id              TEXT PRIMARY KEY NOT NULL,
  at              TEXT NOT NULL,
  actor_key_id    TEXT NOT NULL,
  actor_tenant_id TEXT NOT NULL,
  action          TEXT NOT NULL,
  resource_id     TEXT,
  decision        TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
  -- A JSON array of the determining policies' ids.
  policies        TEXT NOT NULL DEFAULT '[]'
);
