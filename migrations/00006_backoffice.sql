-- +goose Up
-- Back-office: the audit log of every admin change (append-only), the redirects kept when a slug changes, the
-- trainer of a session, the status and version of audiences, and the CSV imports awaiting their apply.

-- Append-only: who changed what, when, with the values before and after. The actor is kept by id and by name
-- (no foreign key: an account may be deleted, its past actions stay readable).
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   bigint,
    actor_name text NOT NULL DEFAULT '',
    entity     text NOT NULL CHECK (entity ~ '^[a-z_]+$'),
    entity_id  bigint NOT NULL,
    label      text NOT NULL DEFAULT '',
    action     text NOT NULL CHECK (action ~ '^[a-z_]+$'),
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION campus_audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION campus_audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION campus_audit_log_immutable();

-- A slug that was changed keeps answering: the public page redirects (301) to the entity's current slug.
CREATE TABLE slug_redirects (
    entity     text NOT NULL CHECK (entity IN ('domain', 'partner', 'module', 'track')),
    old_slug   text NOT NULL,
    target_id  bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, old_slug)
);
CREATE INDEX slug_redirects_target_idx ON slug_redirects (entity, target_id);

-- The trainer who runs a session (a user with the trainer or admin role), when known.
ALTER TABLE module_sessions ADD COLUMN trainer_id bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX module_sessions_trainer_idx ON module_sessions (trainer_id) WHERE trainer_id IS NOT NULL;

-- Audiences get the lifecycle and the version of the other catalogue entities.
ALTER TABLE audiences
    ADD COLUMN status text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'archived')),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- A CSV import checked in a dry run, applied later by posting its token (all or nothing, once).
CREATE TABLE admin_imports (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token      text NOT NULL UNIQUE,
    actor_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename   text NOT NULL DEFAULT '',
    content    bytea NOT NULL,
    digest     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz
);
CREATE INDEX admin_imports_created_idx ON admin_imports (created_at);

-- +goose Down
DROP TABLE admin_imports;
ALTER TABLE audiences DROP COLUMN updated_at, DROP COLUMN created_at, DROP COLUMN version, DROP COLUMN status;
DROP INDEX module_sessions_trainer_idx;
ALTER TABLE module_sessions DROP COLUMN trainer_id;
DROP TABLE slug_redirects;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP TABLE audit_log;
DROP FUNCTION campus_audit_log_immutable();
