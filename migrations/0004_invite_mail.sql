-- The invite mail of `tenantry serve --smtp-url`: each `invite.created` has its own mail state
-- beside its webhook state, so that a mail and a delivery are tried, retried and acknowledged
-- apart, and a server killed at any moment mails every invite at least once when it comes back.
-- Plain SQLite, as 0003.

-- Mail attempts made; when the next is due (`NULL` before the first, which is due at once, and
-- once mailed or given up); when the relay accepted the mail; what the last attempt met; and,
-- while an attempt is under way, until when the event is its mailer's alone (the lease).
ALTER TABLE events ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN mail_next_attempt_at TEXT;
ALTER TABLE events ADD COLUMN mailed_at TEXT;
ALTER TABLE events ADD COLUMN mail_last_error TEXT;
ALTER TABLE events ADD COLUMN mail_lease_until TEXT;
-- What the mailer looks at: invites that still hold their token and are not mailed yet.
CREATE INDEX events_unmailed ON events (seq)
  WHERE type = 'invite.created' AND invite_token IS NOT NULL AND mailed_at IS NULL;
