-- What listing, reading, updating and deleting tenants and managing API keys need.
-- Plain SQLite, no transaction statements and no PRAGMAs: `wrangler d1 migrations apply` runs it
-- as it is, and the native adapter runs it in its own transaction.

-- Sequences that only grow: a list pages by them (keyset), so a row inserted while someone
-- pages is never skipped and never shown twice. Timestamps are whole seconds and ids random, so
-- neither orders inserts; `max(seq) + 1` would reuse the number of a deleted last row. Each
-- insert bumps its counter in the same write.
CREATE TABLE sequences (
  name  TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);

-- The version behind a tenant's ETag: bumped by every change, so two changes within one second
-- still give two ETags.
ALTER TABLE tenants ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN seq INTEGER;
-- Existing tenants are numbered oldest first, ties by id: the order lists promise.
UPDATE tenants SET seq = (
  SELECT count(*) FROM tenants AS older
  WHERE older.created_at < tenants.created_at
     OR (older.created_at = tenants.created_at AND older.id <= tenants.id)
);
INSERT INTO sequences (name, value) VALUES ('tenants', (SELECT coalesce(max(seq), 0) FROM tenants));
CREATE UNIQUE INDEX tenants_seq ON tenants (seq);

-- A key's name (keys issued before this migration are called `unnamed`) and its sequence.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT 'unnamed';
ALTER TABLE api_keys ADD COLUMN seq INTEGER;
UPDATE api_keys SET seq = (
  SELECT count(*) FROM api_keys AS older
  WHERE older.created_at < api_keys.created_at
     OR (older.created_at = api_keys.created_at AND older.id <= api_keys.id)
);
INSERT INTO sequences (name, value) VALUES ('api_keys', (SELECT coalesce(max(seq), 0) FROM api_keys));
CREATE UNIQUE INDEX api_keys_seq ON api_keys (seq);
-- A tenant's keys, in order (its key list), and all of them (its delete).
CREATE INDEX api_keys_tenant_seq ON api_keys (tenant_id, seq);
-- A tenant's invites, for its delete (its users have `users_tenant_email`).
CREATE INDEX invites_tenant ON invites (tenant_id);

-- A write that depends on what the flow read first (an update or delete under `If-Match`, or
-- the version an update was computed from) states it as a row here, before its changes; when it
-- no longer holds, the CHECK fails the whole transaction (or D1 batch) and nothing changes. The
-- same write deletes its row at the end, so the table stays empty.
CREATE TABLE write_preconditions (
  held INTEGER NOT NULL CONSTRAINT precondition_failed CHECK (held = 1)
);
