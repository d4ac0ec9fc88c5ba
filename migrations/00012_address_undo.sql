-- +goose Up
-- When the account's ProConnect identity was linked: undoing a confirmed change of address unlinks an identity
-- linked after the change (it belongs to the new address's owner) and keeps one linked before it. Links made
-- before this column existed are unknown (NULL) and count as made after.
ALTER TABLE users ADD COLUMN proconnect_linked_at timestamptz;
-- The changes still within their undo window are found per account.
CREATE INDEX email_changes_confirmed_idx ON email_changes (user_id, confirmed_at) WHERE confirmed_at IS NOT NULL AND cancelled_at IS NULL;

-- +goose Down
DROP INDEX email_changes_confirmed_idx;
ALTER TABLE users DROP COLUMN proconnect_linked_at;
