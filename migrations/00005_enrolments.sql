-- +goose Up
-- Enrolments of agents in modules: in a dated session (confirmed while seats remain, otherwise waitlisted), in a
-- self-paced online module (confirmed at once), or through a track (dated modules wait as "pending" until the
-- agent picks a session). Status changes are the explicit transitions of internal/enrolment; the repository
-- (internal/postgres/enrolments.go) is the only writer.
--
-- Capacity: module_sessions.seats_taken counts the enrolments holding a seat (confirmed, attended, no_show) and is
-- only changed by a conditional UPDATE under the session's row lock (CHECK seats_taken <= capacity as a backstop).
-- Waitlist order: queue_seq, drawn from a sequence when the enrolment joins the session's queue, under that lock.

CREATE SEQUENCE enrolment_queue_seq;

CREATE TABLE enrolments (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id        bigint NOT NULL REFERENCES modules (id),
    -- NULL for a self-paced online module, and for a dated module enrolled through a track until a session is chosen.
    session_id       bigint REFERENCES module_sessions (id),
    -- The track the enrolment came from, if any.
    track_id         bigint REFERENCES tracks (id) ON DELETE SET NULL,
    status           text NOT NULL CHECK (status IN
                         ('pending', 'confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show', 'completed')),
    -- Arrival in the session's queue (confirmed or waitlisted): the waitlist is served in this order.
    queue_seq        bigint,
    cancel_reason    text NOT NULL DEFAULT '' CHECK (cancel_reason IN ('', 'agent', 'session_cancelled', 'admin', 'switched')),
    -- Bumped at every transition: the SEQUENCE of the enrolment's calendar event.
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    confirmed_at     timestamptz,
    cancelled_at     timestamptz,
    attendance_at    timestamptz,
    completed_at     timestamptz,
    -- The reminder two days before the session was queued (once).
    reminder_sent_at timestamptz,
    CHECK (status <> 'pending' OR session_id IS NULL),
    CHECK (status NOT IN ('waitlisted', 'attended', 'no_show') OR session_id IS NOT NULL),
    CHECK (status <> 'completed' OR session_id IS NULL),
    CHECK (session_id IS NULL OR status = 'pending' OR queue_seq IS NOT NULL)
);
-- One active enrolment per agent and module (so per agent and session): a double submit cannot create two.
CREATE UNIQUE INDEX enrolments_active_module_key ON enrolments (user_id, module_id)
    WHERE status IN ('pending', 'confirmed', 'waitlisted');
CREATE UNIQUE INDEX enrolments_active_session_key ON enrolments (user_id, session_id)
    WHERE status IN ('confirmed', 'waitlisted');
-- The waitlist of a session, in order; positions are counted on it.
CREATE INDEX enrolments_waitlist_idx ON enrolments (session_id, queue_seq) WHERE status = 'waitlisted';
CREATE INDEX enrolments_session_idx ON enrolments (session_id, status);
CREATE INDEX enrolments_user_idx ON enrolments (user_id, id);
CREATE INDEX enrolments_module_idx ON enrolments (module_id) WHERE session_id IS NULL;
CREATE INDEX enrolments_reminder_idx ON enrolments (session_id) WHERE status = 'confirmed' AND reminder_sent_at IS NULL;

-- An enrolment deleted with its user (account deletion) gives its seat back; the waitlist is then served by the
-- periodic job (postgres.Store.FillFreedSeats), and no one can jump the queue meanwhile (an enrolment only takes
-- a seat when nobody waits).
-- +goose StatementBegin
CREATE FUNCTION enrolments_release_seat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE module_sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id AND seats_taken > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER enrolments_deleted AFTER DELETE ON enrolments
    FOR EACH ROW WHEN (OLD.session_id IS NOT NULL AND OLD.status IN ('confirmed', 'attended', 'no_show'))
    EXECUTE FUNCTION enrolments_release_seat();

-- The private calendar feed of an agent: only the SHA-256 of the token in its URL is kept; a new token revokes the old.
CREATE TABLE calendar_feeds (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TRIGGER enrolments_deleted ON enrolments;
DROP FUNCTION enrolments_release_seat();
DROP TABLE enrolments;
DROP SEQUENCE enrolment_queue_seq;
