-- +goose Up
-- The Campus's own programmes: partner licence pools and the agents' requests, the call for trainers and the
-- trainers' profiles (the sessions they give are module_sessions.trainer_id, migration 00006), tailored-programme
-- requests and their workflow.
--
-- Licences are counted like seats: a pool holds `allocated` next to its `size`, a per-administration quota
-- holds its own `allocated`, and an allocation is a conditional UPDATE (… WHERE allocated < size); the CHECK
-- constraints are the backstop that makes an over-allocation impossible whatever the code does. Every decision
-- on a pool first locks the pool's row, so that the waiting queue is served exactly in order.

CREATE TABLE licence_pools (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    partner_id  bigint NOT NULL REFERENCES partners (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    -- The sum of the pool's grants (licence_grants), kept in the same transaction as each grant.
    size        integer NOT NULL CHECK (size >= 0),
    allocated   integer NOT NULL DEFAULT 0,
    valid_from  date NOT NULL,
    valid_until date NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until >= valid_from),
    CHECK (allocated >= 0 AND allocated <= size)
);
CREATE INDEX licence_pools_partner_idx ON licence_pools (partner_id, valid_until);

-- Licences bought for a pool: Pix's 100,000 then 20,000 more.
CREATE TABLE licence_grants (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool_id    bigint NOT NULL REFERENCES licence_pools (id) ON DELETE CASCADE,
    quantity   integer NOT NULL CHECK (quantity > 0),
    label      text NOT NULL DEFAULT '',
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX licence_grants_pool_idx ON licence_grants (pool_id);

-- An optional cap per administration within a pool. admin_key is the administration's name normalized
-- (licence.AdministrationKey): lower case, no accents, single spaces.
CREATE TABLE licence_quotas (
    pool_id        bigint NOT NULL REFERENCES licence_pools (id) ON DELETE CASCADE,
    admin_key      text NOT NULL CHECK (admin_key <> ''),
    administration text NOT NULL CHECK (length(administration) BETWEEN 1 AND 200),
    quota          integer NOT NULL CHECK (quota >= 0),
    allocated      integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pool_id, admin_key),
    CHECK (allocated >= 0 AND allocated <= quota)
);

-- An agent's request for a licence; the waiting queue is in id order.
CREATE TABLE licence_requests (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool_id        bigint NOT NULL REFERENCES licence_pools (id) ON DELETE CASCADE,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The agent's administration when they asked, and its key: the quota an allocation counts against.
    administration text NOT NULL DEFAULT '',
    admin_key      text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('waiting', 'allocated', 'revoked', 'cancelled')),
    -- Whether the allocation counts in licence_quotas(pool_id, admin_key).allocated.
    quota_counted  boolean NOT NULL DEFAULT false,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    allocated_at   timestamptz,
    ended_at       timestamptz,
    allocated_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    ended_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    end_reason     text NOT NULL DEFAULT '',
    -- waiting → allocated → revoked; a waiting request may be cancelled.
    CHECK (CASE status
        WHEN 'waiting' THEN allocated_at IS NULL AND ended_at IS NULL
        WHEN 'allocated' THEN allocated_at IS NOT NULL AND ended_at IS NULL
        WHEN 'revoked' THEN allocated_at IS NOT NULL AND ended_at IS NOT NULL
        ELSE allocated_at IS NULL AND ended_at IS NOT NULL END),
    CHECK (NOT quota_counted OR status = 'allocated')
);
-- One open request per agent and pool: a double submit is harmless.
CREATE UNIQUE INDEX licence_requests_open_idx ON licence_requests (pool_id, user_id) WHERE status IN ('waiting', 'allocated');
CREATE INDEX licence_requests_queue_idx ON licence_requests (pool_id, id) WHERE status = 'waiting';
CREATE INDEX licence_requests_pool_idx ON licence_requests (pool_id, status, admin_key);
CREATE INDEX licence_requests_user_idx ON licence_requests (user_id);

-- Codes or activation links imported from the partner, handed out with the allocations.
CREATE TABLE licence_codes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool_id        bigint NOT NULL REFERENCES licence_pools (id) ON DELETE CASCADE,
    code           text NOT NULL DEFAULT '',
    activation_url text NOT NULL DEFAULT '',
    request_id     bigint UNIQUE REFERENCES licence_requests (id) ON DELETE SET NULL,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    imported_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK (code <> '' OR activation_url <> '')
);
CREATE UNIQUE INDEX licence_codes_code_idx ON licence_codes (pool_id, code) WHERE code <> '';
CREATE UNIQUE INDEX licence_codes_url_idx ON licence_codes (pool_id, activation_url) WHERE activation_url <> '';
CREATE INDEX licence_codes_free_idx ON licence_codes (pool_id, id) WHERE request_id IS NULL;

-- An allocated request deleted with its account (RGPD deletion) gives its licence back to the counters.
-- +goose StatementBegin
CREATE FUNCTION licence_request_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'allocated' THEN
        UPDATE licence_pools SET allocated = allocated - 1 WHERE id = OLD.pool_id;
        IF OLD.quota_counted THEN
            UPDATE licence_quotas SET allocated = allocated - 1 WHERE pool_id = OLD.pool_id AND admin_key = OLD.admin_key;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER licence_requests_deleted AFTER DELETE ON licence_requests
    FOR EACH ROW EXECUTE FUNCTION licence_request_deleted();

-- The partner pages show the pools: a change of what they show drops the catalogue caches (not the counters).
CREATE TRIGGER licence_pools_changed AFTER INSERT OR DELETE OR UPDATE OF partner_id, name, description, size, valid_from, valid_until
    ON licence_pools FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();

-- The call for trainers.
CREATE TABLE trainer_applications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    given_name    text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    usual_name    text NOT NULL CHECK (length(usual_name) BETWEEN 1 AND 100),
    kind          text NOT NULL CHECK (kind IN ('interne', 'externe')),
    organisation  text NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
    job_title     text NOT NULL DEFAULT '' CHECK (length(job_title) <= 200),
    expertise     text NOT NULL DEFAULT '',
    modules       text NOT NULL,
    availability  text NOT NULL,
    community     boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'recue' CHECK (status IN ('recue', 'complement', 'acceptee', 'refusee')),
    -- The single-use link of a request for more information (SHA-256 only).
    reply_hash    bytea UNIQUE CHECK (reply_hash IS NULL OR length(reply_hash) = 32),
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz
);
-- One application under review per address.
CREATE UNIQUE INDEX trainer_applications_open_idx ON trainer_applications (email) WHERE status IN ('recue', 'complement');
CREATE INDEX trainer_applications_status_idx ON trainer_applications (status, id);

CREATE TABLE trainer_application_domains (
    application_id bigint NOT NULL REFERENCES trainer_applications (id) ON DELETE CASCADE,
    domain_id      bigint NOT NULL REFERENCES domains (id),
    PRIMARY KEY (application_id, domain_id)
);

-- The history of an application: each decision with the message sent and an internal note; the applicant's
-- answers to a request for more information.
CREATE TABLE trainer_application_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES trainer_applications (id) ON DELETE CASCADE,
    actor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    from_status    text NOT NULL,
    to_status      text NOT NULL,
    message        text NOT NULL DEFAULT '',
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trainer_application_events_idx ON trainer_application_events (application_id, id);

-- A trainer's profile, from their accepted application: what the community page and the results count.
CREATE TABLE trainer_profiles (
    user_id        bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('interne', 'externe')),
    organisation   text NOT NULL DEFAULT '',
    community      boolean NOT NULL DEFAULT false,
    application_id bigint REFERENCES trainer_applications (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trainer_profile_domains (
    user_id   bigint NOT NULL REFERENCES trainer_profiles (user_id) ON DELETE CASCADE,
    domain_id bigint NOT NULL REFERENCES domains (id),
    PRIMARY KEY (user_id, domain_id)
);
CREATE INDEX trainer_profile_domains_domain_idx ON trainer_profile_domains (domain_id);

-- Tailored programmes: a track may be restricted to its administration's agents (shown only to users whose
-- administration matches, never in the public catalogue: such a track is kept out of the published ones).
ALTER TABLE tracks ADD COLUMN restricted boolean NOT NULL DEFAULT false;
ALTER TABLE tracks ADD COLUMN admin_key text NOT NULL DEFAULT '';
CREATE INDEX tracks_restricted_idx ON tracks (admin_key) WHERE restricted;

CREATE TABLE programme_requests (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    administration text NOT NULL CHECK (length(administration) BETWEEN 1 AND 200),
    contact_name   text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
    contact_email  text NOT NULL CHECK (contact_email = lower(contact_email) AND length(contact_email) BETWEEN 3 AND 254),
    contact_phone  text NOT NULL DEFAULT '',
    contact_role   text NOT NULL DEFAULT '',
    need           text NOT NULL CHECK (length(need) >= 1),
    audience       text NOT NULL DEFAULT '',
    headcount      integer NOT NULL CHECK (headcount BETWEEN 1 AND 1000000),
    timing         text NOT NULL,
    status         text NOT NULL DEFAULT 'recue' CHECK (status IN ('recue', 'en_etude', 'proposee', 'acceptee', 'declinee')),
    -- The proposal (status proposee): a title, a text and modules (programme_request_modules).
    proposal_title text NOT NULL DEFAULT '',
    proposal       text NOT NULL DEFAULT '',
    track_id       bigint REFERENCES tracks (id) ON DELETE SET NULL,
    user_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'acceptee' OR proposal_title <> '')
);
CREATE INDEX programme_requests_status_idx ON programme_requests (status, id);

-- The personal links the contact follows the request with (SHA-256 only): each mail carries a new one, and the
-- earlier ones keep working.
CREATE TABLE programme_request_links (
    hash       bytea PRIMARY KEY CHECK (length(hash) = 32),
    request_id bigint NOT NULL REFERENCES programme_requests (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX programme_request_links_request_idx ON programme_request_links (request_id);

CREATE TABLE programme_request_domains (
    request_id bigint NOT NULL REFERENCES programme_requests (id) ON DELETE CASCADE,
    domain_id  bigint NOT NULL REFERENCES domains (id),
    PRIMARY KEY (request_id, domain_id)
);

CREATE TABLE programme_request_audiences (
    request_id  bigint NOT NULL REFERENCES programme_requests (id) ON DELETE CASCADE,
    audience_id bigint NOT NULL REFERENCES audiences (id),
    PRIMARY KEY (request_id, audience_id)
);

CREATE TABLE programme_request_modules (
    request_id bigint NOT NULL REFERENCES programme_requests (id) ON DELETE CASCADE,
    module_id  bigint NOT NULL REFERENCES modules (id),
    position   integer NOT NULL,
    PRIMARY KEY (request_id, module_id)
);

CREATE TABLE programme_request_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES programme_requests (id) ON DELETE CASCADE,
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    message     text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX programme_request_events_idx ON programme_request_events (request_id, id);

-- +goose Down
DROP TABLE programme_request_events;
DROP TABLE programme_request_modules;
DROP TABLE programme_request_audiences;
DROP TABLE programme_request_domains;
DROP TABLE programme_request_links;
DROP TABLE programme_requests;
DROP INDEX tracks_restricted_idx;
ALTER TABLE tracks DROP COLUMN admin_key;
ALTER TABLE tracks DROP COLUMN restricted;
DROP TABLE trainer_profile_domains;
DROP TABLE trainer_profiles;
DROP TABLE trainer_application_events;
DROP TABLE trainer_application_domains;
DROP TABLE trainer_applications;
DROP TRIGGER licence_pools_changed ON licence_pools;
DROP TRIGGER licence_requests_deleted ON licence_requests;
DROP FUNCTION licence_request_deleted();
DROP TABLE licence_codes;
DROP TABLE licence_requests;
DROP TABLE licence_quotas;
DROP TABLE licence_grants;
DROP TABLE licence_pools;
