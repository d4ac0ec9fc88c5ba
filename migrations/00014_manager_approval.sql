-- +goose Up
-- Line-manager approval ("accord du supérieur hiérarchique"). A session may require it (module_sessions.
-- approval_required; modules.approval_required is the module's setting, applied to its sessions by the
-- back-office). In such a session a free seat is not confirmed at once: the enrolment is "held" — it holds its
-- seat (counted in seats_taken like a confirmed one) until the manager approves (→ confirmed), refuses or lets the
-- hold expire (→ cancelled, reason refused / expired, the seat going to the waitlist in the same transaction).
-- The manager decides from a single-use link (only its SHA-256 is stored) or, with a Campus account whose
-- proven address is the one the agent named, from their own page.
ALTER TABLE modules ADD COLUMN approval_required boolean NOT NULL DEFAULT false;
ALTER TABLE module_sessions ADD COLUMN approval_required boolean NOT NULL DEFAULT false;
-- The manager's professional address the agent last named (offered again at the next enrolment).
ALTER TABLE users ADD COLUMN manager_email text NOT NULL DEFAULT '' CHECK (length(manager_email) <= 254);
-- The manager named at enrolment, for an agent who waits on the waitlist of such a session (asked when promoted).
ALTER TABLE enrolments ADD COLUMN manager_email text NOT NULL DEFAULT '' CHECK (length(manager_email) <= 254);

ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_status_check CHECK (status IN
    ('pending', 'confirmed', 'waitlisted', 'held', 'cancelled', 'attended', 'no_show', 'completed'));
ALTER TABLE enrolments ADD CONSTRAINT enrolments_held_session_check CHECK (status <> 'held' OR (session_id IS NOT NULL AND queue_seq IS NOT NULL));
ALTER TABLE enrolments DROP CONSTRAINT enrolments_cancel_reason_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_cancel_reason_check CHECK (cancel_reason IN
    ('', 'agent', 'session_cancelled', 'admin', 'switched', 'refused', 'expired'));

DROP INDEX enrolments_active_module_key;
CREATE UNIQUE INDEX enrolments_active_module_key ON enrolments (user_id, module_id)
    WHERE status IN ('pending', 'confirmed', 'waitlisted', 'held');
DROP INDEX enrolments_active_session_key;
CREATE UNIQUE INDEX enrolments_active_session_key ON enrolments (user_id, session_id)
    WHERE status IN ('confirmed', 'waitlisted', 'held');

DROP TRIGGER enrolments_deleted ON enrolments;
CREATE TRIGGER enrolments_deleted AFTER DELETE ON enrolments
    FOR EACH ROW WHEN (OLD.session_id IS NOT NULL AND OLD.status IN ('confirmed', 'held', 'attended', 'no_show'))
    EXECUTE FUNCTION enrolments_release_seat();

CREATE TABLE enrolment_approvals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id  bigint NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    manager_email text NOT NULL CHECK (manager_email <> '' AND length(manager_email) <= 254),
    -- SHA-256 of the link of the request mail, and of the reminder's (both valid until the decision).
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    reminder_hash bytea UNIQUE CHECK (length(reminder_hash) = 32),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    reminded_at   timestamptz,
    -- '' while pending; withdrawn: the agent cancelled, or the session was cancelled.
    decision      text NOT NULL DEFAULT '' CHECK (decision IN ('', 'approved', 'refused', 'expired', 'withdrawn')),
    decided_at    timestamptz,
    decided_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    message       text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    CHECK ((decision = '') = (decided_at IS NULL))
);
-- One request waiting per enrolment.
CREATE UNIQUE INDEX enrolment_approvals_open_key ON enrolment_approvals (enrolment_id) WHERE decision = '';
CREATE INDEX enrolment_approvals_enrolment_idx ON enrolment_approvals (enrolment_id, id);
CREATE INDEX enrolment_approvals_due_idx ON enrolment_approvals (expires_at) WHERE decision = '';
CREATE INDEX enrolment_approvals_manager_idx ON enrolment_approvals (lower(manager_email)) WHERE decision = '';

-- +goose Down
DROP TABLE enrolment_approvals;
DROP TRIGGER enrolments_deleted ON enrolments;
CREATE TRIGGER enrolments_deleted AFTER DELETE ON enrolments
    FOR EACH ROW WHEN (OLD.session_id IS NOT NULL AND OLD.status IN ('confirmed', 'attended', 'no_show'))
    EXECUTE FUNCTION enrolments_release_seat();
DROP INDEX enrolments_active_session_key;
CREATE UNIQUE INDEX enrolments_active_session_key ON enrolments (user_id, session_id)
    WHERE status IN ('confirmed', 'waitlisted');
DROP INDEX enrolments_active_module_key;
CREATE UNIQUE INDEX enrolments_active_module_key ON enrolments (user_id, module_id)
    WHERE status IN ('pending', 'confirmed', 'waitlisted');
ALTER TABLE enrolments DROP CONSTRAINT enrolments_cancel_reason_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_cancel_reason_check CHECK (cancel_reason IN ('', 'agent', 'session_cancelled', 'admin', 'switched'));
ALTER TABLE enrolments DROP CONSTRAINT enrolments_held_session_check;
ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_status_check CHECK (status IN
    ('pending', 'confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show', 'completed'));
ALTER TABLE enrolments DROP COLUMN manager_email;
ALTER TABLE users DROP COLUMN manager_email;
ALTER TABLE module_sessions DROP COLUMN approval_required;
ALTER TABLE modules DROP COLUMN approval_required;
