-- +goose Up
-- An agent may say they finished an online module (self-declared, shown as such on "Mes formations" and on the
-- attestation); an admin's mark (the online module's roster) replaces it.
ALTER TABLE enrolments ADD COLUMN completion_declared boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE enrolments DROP COLUMN completion_declared;
