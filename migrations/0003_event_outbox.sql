-- The outbox: every change writes its event here in the same write as itself, and delivery
-- reads it from here. Plain SQLite, no transaction statements and no PRAGMAs, as 0002.

-- An event, its delivery state and, for `invite.created` only until it is delivered, the invite
-- token (apart from `data`, so that no read of the events shows it). Events stay when their
-- tenant is deleted: no foreign key to it.
CREATE TABLE events (
  id              TEXT PRIMARY KEY NOT NULL,
  seq             INTEGER NOT NULL,
  type            TEXT NOT NULL,
  tenant_id       TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  data            TEXT NOT NULL,
  invite_token    TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  delivered_at    TEXT,
  -- Due at once when written; `NULL` once delivered or failed.
  next_attempt_at TEXT,
  last_error      TEXT,
  -- While a delivery is under way: until when this event is its deliverer's alone (the lease).
  lease_until     TEXT
);
INSERT INTO sequences (name, value) VALUES ('events', 0);
-- Lists page by it (keyset), as tenants and keys.
CREATE UNIQUE INDEX events_seq ON events (seq);
-- A child key's list: its own tenant's events, in order.
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
-- What is due, for the deliverer: pending events only, so the index stays small.
CREATE INDEX events_due ON events (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
