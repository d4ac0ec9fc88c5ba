-- +goose Up
-- users.data_version changes whenever something shown on the user's own pages changes: their enrolments,
-- licence requests or calendar feed. It is read with the user at every signed-in request (one query with the
-- session), so a page built from those rows can be kept in memory under (user, version) and is never stale
-- for the user, whatever instance wrote the change. When a waitlisted enrolment leaves the waitlist (promoted,
-- cancelled, deleted), the others on the same waitlist move up: their versions change too. Statement-level triggers: one UPDATE of users per
-- statement, however many rows it wrote (a crowd's batch of enrolments, the national dataset).
ALTER TABLE users ADD COLUMN data_version bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION campus_user_version_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id IN (SELECT DISTINCT user_id FROM new_rows);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION campus_user_version_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET data_version = data_version + 1 WHERE id IN (SELECT DISTINCT user_id FROM old_rows);
    IF TG_TABLE_NAME = 'enrolments' THEN
        UPDATE users SET data_version = data_version + 1 WHERE id IN (
            SELECT w.user_id FROM enrolments w
            WHERE w.status = 'waitlisted' AND w.session_id IN (SELECT o.session_id FROM old_rows o WHERE o.status = 'waitlisted'));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION campus_user_version_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'enrolments' THEN
        UPDATE users SET data_version = data_version + 1
        WHERE id IN (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows
                     UNION
                     SELECT w.user_id FROM enrolments w
                     WHERE w.status = 'waitlisted' AND w.session_id IN (
                         SELECT o.session_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                         WHERE o.status = 'waitlisted' AND n.status <> 'waitlisted'));
    ELSE
        UPDATE users SET data_version = data_version + 1
        WHERE id IN (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER enrolments_user_version_ins AFTER INSERT ON enrolments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_new();
CREATE TRIGGER enrolments_user_version_upd AFTER UPDATE ON enrolments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_both();
CREATE TRIGGER enrolments_user_version_del AFTER DELETE ON enrolments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_old();

CREATE TRIGGER licence_requests_user_version_ins AFTER INSERT ON licence_requests
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_new();
CREATE TRIGGER licence_requests_user_version_upd AFTER UPDATE ON licence_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_both();
CREATE TRIGGER licence_requests_user_version_del AFTER DELETE ON licence_requests
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_old();

CREATE TRIGGER calendar_feeds_user_version_ins AFTER INSERT ON calendar_feeds
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_new();
CREATE TRIGGER calendar_feeds_user_version_upd AFTER UPDATE ON calendar_feeds
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_both();
CREATE TRIGGER calendar_feeds_user_version_del AFTER DELETE ON calendar_feeds
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campus_user_version_old();

-- +goose Down
DROP TRIGGER calendar_feeds_user_version_del ON calendar_feeds;
DROP TRIGGER calendar_feeds_user_version_upd ON calendar_feeds;
DROP TRIGGER calendar_feeds_user_version_ins ON calendar_feeds;
DROP TRIGGER licence_requests_user_version_del ON licence_requests;
DROP TRIGGER licence_requests_user_version_upd ON licence_requests;
DROP TRIGGER licence_requests_user_version_ins ON licence_requests;
DROP TRIGGER enrolments_user_version_del ON enrolments;
DROP TRIGGER enrolments_user_version_upd ON enrolments;
DROP TRIGGER enrolments_user_version_ins ON enrolments;
DROP FUNCTION campus_user_version_both();
DROP FUNCTION campus_user_version_old();
DROP FUNCTION campus_user_version_new();
ALTER TABLE users DROP COLUMN data_version;
