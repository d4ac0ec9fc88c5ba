-- +goose Up
-- A CSV dry run's token is a credential (posting it applies the file): it is stored as its SHA-256, like every
-- other token (account.HashToken), never in clear. The dry runs under way keep working: their hash is computed
-- here from the token they were given.
ALTER TABLE admin_imports ADD COLUMN token_hash bytea;
UPDATE admin_imports SET token_hash = sha256(convert_to(token, 'UTF8'));
ALTER TABLE admin_imports
    ALTER COLUMN token_hash SET NOT NULL,
    ADD CONSTRAINT admin_imports_token_hash_key UNIQUE (token_hash),
    DROP COLUMN token;

-- +goose Down
-- A hash does not give its token back: the dry runs under way are dropped (the admin runs the simulation again).
DELETE FROM admin_imports;
ALTER TABLE admin_imports
    ADD COLUMN token text NOT NULL UNIQUE,
    DROP COLUMN token_hash;
