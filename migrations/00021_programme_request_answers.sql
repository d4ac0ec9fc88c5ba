-- +goose Up
-- The requester's answer to a tailored-programme proposal, given on the follow-up page: accept (the team then
-- records the acceptance, which creates the programme), ask for changes (the request goes back to study), or
-- decline (the request ends). One answer per proposal: a new proposal clears it.
ALTER TABLE programme_requests
    ADD COLUMN answer      text NOT NULL DEFAULT '' CHECK (answer IN ('', 'accepte', 'modifications', 'decline')),
    ADD COLUMN answered_at timestamptz;

-- +goose Down
ALTER TABLE programme_requests DROP COLUMN answered_at, DROP COLUMN answer;
