-- +goose Up
-- Each instance keeps signed-in sessions, with their user, and pages built for a user in memory (internal/cache,
-- postgres.SessionStore.UseCache). They must go, on every instance, when the user changes (role, name, session
-- epoch, data version: any UPDATE of the row) or is deleted, and when one of the user's sessions is deleted
-- (sign-out, sign-out everywhere, expiry) or rewritten with other data: each announces "user:<id>" on
-- campus_changes (sent at commit, once per distinct payload and transaction).

-- +goose StatementBegin
CREATE FUNCTION campus_notify_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('campus_changes', 'user:' || OLD.id);
    ELSE
        PERFORM pg_notify('campus_changes', 'user:' || OLD.user_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION campus_notify_user();
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions
    FOR EACH ROW WHEN (OLD.user_id IS NOT NULL) EXECUTE FUNCTION campus_notify_user();
CREATE TRIGGER sessions_notify_update AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.user_id IS NOT NULL AND (OLD.data IS DISTINCT FROM NEW.data OR OLD.user_id IS DISTINCT FROM NEW.user_id))
    EXECUTE FUNCTION campus_notify_user();

-- +goose Down
DROP TRIGGER sessions_notify_update ON sessions;
DROP TRIGGER sessions_notify_delete ON sessions;
DROP TRIGGER users_notify ON users;
DROP FUNCTION campus_notify_user();
