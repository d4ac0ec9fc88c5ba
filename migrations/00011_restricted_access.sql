-- +goose Up
-- Who sees a restricted tailored programme. It used to be every account whose profile named the programme's
-- administration (tracks.admin_key against users.administration), a free-text field anyone can edit. Access
-- now rests on what is verified, through a list the admins keep per programme:
--   siren  — 9 digits: every establishment of that legal entity, matched against the first 9 digits of the
--            SIRET that ProConnect gave at the account's last ProConnect sign-in (users.siret);
--   siret  — 14 digits: that establishment only, the same SIRET exactly;
--   domain — an e-mail domain (stored without "@", lower case): a confirmed address of that domain or of one of
--            its sub-domains (users.email with email_verified_at set).
-- The rule itself is in internal/programme (Viewer.Keys) and postgres.RestrictedProgrammes.
CREATE TABLE track_access (
    track_id bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('siren', 'siret', 'domain')),
    value    text NOT NULL,
    PRIMARY KEY (track_id, kind, value),
    CHECK (kind <> 'siren' OR value ~ '^[0-9]{9}$'),
    CHECK (kind <> 'siret' OR value ~ '^[0-9]{14}$'),
    CHECK (kind <> 'domain' OR (value ~ '^[a-z0-9-]+(\.[a-z0-9-]+)+$' AND length(value) <= 253))
);
-- An account's keys find its programmes: (kind, value) first.
CREATE INDEX track_access_key_idx ON track_access (kind, value);

-- A restricted programme is never in the public catalogue: it is never published (public pages, search,
-- sitemap and open data only show published tracks). One made public by hand before this check is put back
-- to draft.
UPDATE tracks SET status = 'draft', version = version + 1, updated_at = now() WHERE restricted AND status = 'published';
ALTER TABLE tracks ADD CONSTRAINT tracks_restricted_unpublished CHECK (NOT (restricted AND status = 'published'));

-- The administration's name no longer opens anything (programme.AdministrationKey still keys licence quotas).
DROP INDEX tracks_restricted_idx;
ALTER TABLE tracks DROP COLUMN admin_key;

-- +goose Down
ALTER TABLE tracks ADD COLUMN admin_key text NOT NULL DEFAULT '';
-- As near to programme.AdministrationKey as SQL gets (lower case, accents removed, punctuation to spaces).
UPDATE tracks SET admin_key = btrim(regexp_replace(lower(public.unaccent(administration)), '[^a-z0-9]+', ' ', 'g'))
    WHERE restricted;
CREATE INDEX tracks_restricted_idx ON tracks (admin_key) WHERE restricted;
ALTER TABLE tracks DROP CONSTRAINT tracks_restricted_unpublished;
DROP TABLE track_access;
