-- +goose Up
-- Accounts: users with a role, single-use tokens (stored as hashes only), the mail outbox written in the same
-- transaction as the event that causes a mail, fixed-window rate-limit counters shared by every instance, and
-- the owner of each HTTP session so that a user can be signed out everywhere.

CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored lower-cased and trimmed; unique.
    email             text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    email_verified_at timestamptz,
    -- argon2id in PHC format; NULL for an account that only signs in with ProConnect.
    password_hash     text,
    given_name        text NOT NULL DEFAULT '' CHECK (length(given_name) <= 100),
    usual_name        text NOT NULL DEFAULT '' CHECK (length(usual_name) <= 100),
    administration    text NOT NULL DEFAULT '' CHECK (length(administration) <= 200),
    role              text NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'trainer', 'admin')),
    -- ProConnect identity: "sub" is the stable key; uid and siret as last received.
    proconnect_sub    text UNIQUE,
    proconnect_uid    text NOT NULL DEFAULT '',
    siret             text NOT NULL DEFAULT '' CHECK (siret = '' OR siret ~ '^[0-9]{14}$'),
    -- Bumped to end every session of the user at once (sign out everywhere, password reset).
    session_epoch     integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_login_at     timestamptz
);
CREATE INDEX users_role_idx ON users (role) WHERE role <> 'agent';

-- Single-use links sent by mail. Only the SHA-256 of the token is stored.
CREATE TABLE account_tokens (
    hash       bytea PRIMARY KEY CHECK (length(hash) = 32),
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    -- The address the link was sent to: a link for an address the account no longer has is void.
    email      text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expiry_idx ON account_tokens (expires_at);

-- Transactional outbox: a row is inserted in the transaction of the event; a sender delivers it later.
CREATE TABLE mail_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_recipient_idx ON mail_outbox (recipient);

-- Fixed-window counters (sign-in, sign-up, reset) shared by every instance. Keys are hashed identifiers.
-- Unlogged: losing the counters in a crash only resets the windows.
CREATE UNLOGGED TABLE rate_limits (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);

-- The owner of each HTTP session (written by the session store), to end all of a user's sessions.
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

-- +goose Down
DROP INDEX sessions_user_idx;
ALTER TABLE sessions DROP COLUMN user_id;
DROP TABLE rate_limits;
DROP TABLE mail_outbox;
DROP TABLE account_tokens;
DROP TABLE users;
