-- Idempotency keys (the `Idempotency-Key` header of POST /v1/tenants and POST /v1/api-keys).
-- Plain SQLite, no transaction statements and no PRAGMAs, as 0002.

-- One row per key and caller's tenant. A request claims its key by writing the row with a
-- short lease before it does its work (`status` NULL: in flight); the write of what it creates
-- stores its answer in the row in the same transaction. A row whose lease ran out with no
-- answer (the request died) or whose 24 hours are over may be claimed again.
CREATE TABLE idempotency_keys (
  tenant_id   TEXT NOT NULL,
  key         TEXT NOT NULL,
  -- Hex SHA-256 of the method, the path and the canonical JSON body.
  fingerprint TEXT NOT NULL,
  -- Which request holds the row: the answer is stored only by the request that claimed it.
  claim_id    TEXT NOT NULL,
  lease_until TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  -- The stored answer; all NULL while the first request is still running.
  status      INTEGER,
  body        TEXT,
  location    TEXT,
  PRIMARY KEY (tenant_id, key)
);
-- The sweep of expired rows.
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
