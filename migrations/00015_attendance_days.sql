-- +goose Up
-- Attendance per day (and per half-day when the session is set so), and absences declared by the agent.
-- A session's attendance units ("slots") are the dates it spans in Paris time — "2026-03-17" — or, with
-- half_days, each date's morning and afternoon — "2026-03-17-matin", "2026-03-17-apres-midi" (internal/enrolment
-- /attendance.go). A mark per enrolment and slot; the enrolment's status follows (attended when present at
-- least once, no_show otherwise) and the attestation counts the hours of the slots attended.
ALTER TABLE module_sessions ADD COLUMN half_days boolean NOT NULL DEFAULT false;

CREATE TABLE attendance_marks (
    enrolment_id bigint NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    slot         text NOT NULL CHECK (slot ~ '^\d{4}-\d{2}-\d{2}(-matin|-apres-midi)?$'),
    present      boolean NOT NULL,
    marked_at    timestamptz NOT NULL DEFAULT now(),
    marked_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (enrolment_id, slot)
);

-- An absence the agent declared, with its reason: before the cancellation cut-off the enrolment is cancelled
-- (reason absence) and the seat goes to the waitlist; after it, the seat is kept and the absence is excused.
ALTER TABLE enrolments ADD COLUMN absence_reason text NOT NULL DEFAULT '' CHECK (length(absence_reason) <= 500);
ALTER TABLE enrolments ADD COLUMN absence_declared_at timestamptz;
ALTER TABLE enrolments DROP CONSTRAINT enrolments_cancel_reason_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_cancel_reason_check CHECK (cancel_reason IN
    ('', 'agent', 'session_cancelled', 'admin', 'switched', 'refused', 'expired', 'absence'));

-- +goose Down
ALTER TABLE enrolments DROP CONSTRAINT enrolments_cancel_reason_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_cancel_reason_check CHECK (cancel_reason IN
    ('', 'agent', 'session_cancelled', 'admin', 'switched', 'refused', 'expired'));
ALTER TABLE enrolments DROP COLUMN absence_declared_at;
ALTER TABLE enrolments DROP COLUMN absence_reason;
DROP TABLE attendance_marks;
ALTER TABLE module_sessions DROP COLUMN half_days;
