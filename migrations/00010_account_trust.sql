-- +goose Up
-- An address belongs to an account only once proven.
--
-- A change of address is a request: the account keeps its current (proven) address until the link sent to the
-- new one is opened. The old address is told, with a link that cancels the change (while it is pending, and for a
-- week after it was confirmed: the account then gets its old address back). Only the SHA-256 of each link is
-- stored.
CREATE TABLE email_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email    text NOT NULL,
    new_email    text NOT NULL CHECK (new_email = lower(new_email) AND length(new_email) BETWEEN 3 AND 254),
    confirm_hash bytea NOT NULL UNIQUE CHECK (length(confirm_hash) = 32),
    cancel_hash  bytea NOT NULL UNIQUE CHECK (length(cancel_hash) = 32),
    -- The link sent to the old address once the change is confirmed (it can undo it).
    revert_hash  bytea UNIQUE CHECK (revert_hash IS NULL OR length(revert_hash) = 32),
    requested_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    cancelled_at timestamptz,
    CHECK (confirmed_at IS NULL OR cancelled_at IS NULL OR cancelled_at >= confirmed_at)
);
-- One pending change per account.
CREATE UNIQUE INDEX email_changes_pending_idx ON email_changes (user_id) WHERE confirmed_at IS NULL AND cancelled_at IS NULL;

-- An accepted trainer application whose address had no proven account yet: the role is given when an account
-- proves that address (confirmation, password reset, ProConnect, change of address).
ALTER TABLE trainer_applications ADD COLUMN awaiting_account boolean NOT NULL DEFAULT false;
CREATE INDEX trainer_applications_awaiting_idx ON trainer_applications (email) WHERE awaiting_account;

-- +goose Down
DROP INDEX trainer_applications_awaiting_idx;
ALTER TABLE trainer_applications DROP COLUMN awaiting_account;
DROP TABLE email_changes;
