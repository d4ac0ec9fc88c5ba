-- +goose Up
-- Line-manager approval is a setting of each session (module_sessions.approval_required, in the back-office's
-- session form); the module-level column of migration 00014 was never read nor edited.
ALTER TABLE modules DROP COLUMN approval_required;

-- +goose Down
ALTER TABLE modules ADD COLUMN approval_required boolean NOT NULL DEFAULT false;
