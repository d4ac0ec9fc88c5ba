-- +goose Up
-- Every change of the public catalogue is announced on the channel campus_changes, so that each portal instance
-- drops what it cached (LISTEN/NOTIFY; notifications are sent at commit, once per distinct payload and transaction).
-- Payload "catalogue": anything shown on catalogue pages changed. Payload "seats": only the seats taken of a
-- session changed (an enrolment, a cancellation), which concerns far fewer cached pages.

-- +goose StatementBegin
CREATE FUNCTION campus_notify_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('campus_changes', 'catalogue');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION campus_notify_module_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (OLD.module_id, OLD.starts_at, OLD.ends_at, OLD.place_name, OLD.address, OLD.city, OLD.virtual_url,
            OLD.capacity, OLD.status, OLD.ref)
           IS NOT DISTINCT FROM
           (NEW.module_id, NEW.starts_at, NEW.ends_at, NEW.place_name, NEW.address, NEW.city, NEW.virtual_url,
            NEW.capacity, NEW.status, NEW.ref) THEN
        PERFORM pg_notify('campus_changes', 'seats');
    ELSE
        PERFORM pg_notify('campus_changes', 'catalogue');
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER domains_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER partners_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER audiences_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON audiences
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER modules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON modules
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER module_audiences_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON module_audiences
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER tracks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tracks
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER track_modules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON track_modules
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER track_audiences_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON track_audiences
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();
CREATE TRIGGER module_sessions_changed AFTER INSERT OR UPDATE OR DELETE ON module_sessions
    FOR EACH ROW EXECUTE FUNCTION campus_notify_module_sessions();
CREATE TRIGGER module_sessions_truncated AFTER TRUNCATE ON module_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();

-- +goose Down
DROP TRIGGER module_sessions_truncated ON module_sessions;
DROP TRIGGER module_sessions_changed ON module_sessions;
DROP TRIGGER track_audiences_changed ON track_audiences;
DROP TRIGGER track_modules_changed ON track_modules;
DROP TRIGGER tracks_changed ON tracks;
DROP TRIGGER module_audiences_changed ON module_audiences;
DROP TRIGGER modules_changed ON modules;
DROP TRIGGER audiences_changed ON audiences;
DROP TRIGGER partners_changed ON partners;
DROP TRIGGER domains_changed ON domains;
DROP FUNCTION campus_notify_module_sessions();
DROP FUNCTION campus_notify_catalogue();
