-- +goose Up
-- The catalogue: domains, partners, audiences, modules, tracks (including tailored programmes) and dated
-- module sessions. Statuses are constrained here so that no code path can store a value the domain ignores.

CREATE TABLE domains (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary     text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'coming', 'archived')),
    position    integer NOT NULL DEFAULT 0,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partners (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    short_name  text NOT NULL DEFAULT '',
    kind        text NOT NULL CHECK (kind IN ('ecole', 'international', 'plateforme', 'administration')),
    summary     text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    website     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'archived')),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audiences (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    position    integer NOT NULL DEFAULT 0
);

CREATE TABLE modules (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    domain_id        bigint NOT NULL REFERENCES domains (id),
    partner_id       bigint REFERENCES partners (id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary          text NOT NULL DEFAULT '',
    objectives       text[] NOT NULL DEFAULT '{}',
    outline          text[] NOT NULL DEFAULT '{}',
    duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
    format           text NOT NULL CHECK (format IN ('en_ligne', 'presentiel', 'hybride')),
    level            text NOT NULL CHECK (level IN ('decouverte', 'intermediaire', 'avance')),
    prerequisites    text NOT NULL DEFAULT '',
    external_url     text NOT NULL DEFAULT '',
    keywords         text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX modules_domain_idx ON modules (domain_id) WHERE status = 'published';
CREATE INDEX modules_partner_idx ON modules (partner_id) WHERE status = 'published';

CREATE TABLE module_audiences (
    module_id   bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    audience_id bigint NOT NULL REFERENCES audiences (id) ON DELETE CASCADE,
    PRIMARY KEY (module_id, audience_id)
);
CREATE INDEX module_audiences_audience_idx ON module_audiences (audience_id);

CREATE TABLE tracks (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    domain_id      bigint NOT NULL REFERENCES domains (id),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary        text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    featured       boolean NOT NULL DEFAULT false,
    -- A tailored programme (programme sur mesure) is a track built for a named administration.
    administration text NOT NULL DEFAULT '',
    participants   integer NOT NULL DEFAULT 0 CHECK (participants >= 0),
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_domain_idx ON tracks (domain_id) WHERE status = 'published';

CREATE TABLE track_modules (
    track_id  bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    module_id bigint NOT NULL REFERENCES modules (id),
    position  integer NOT NULL,
    PRIMARY KEY (track_id, module_id),
    UNIQUE (track_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX track_modules_module_idx ON track_modules (module_id);

CREATE TABLE track_audiences (
    track_id    bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    audience_id bigint NOT NULL REFERENCES audiences (id) ON DELETE CASCADE,
    PRIMARY KEY (track_id, audience_id)
);

-- Dated occurrences of a module. Not called "sessions": scs owns that table for HTTP sessions.
CREATE TABLE module_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref          text NOT NULL UNIQUE,
    module_id    bigint NOT NULL REFERENCES modules (id),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    place_name   text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    city         text NOT NULL DEFAULT '',
    virtual_url  text NOT NULL DEFAULT '',
    capacity     integer NOT NULL CHECK (capacity > 0),
    seats_taken  integer NOT NULL DEFAULT 0,
    status       text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (seats_taken >= 0 AND seats_taken <= capacity),
    CHECK (place_name <> '' OR virtual_url <> '')
);
CREATE INDEX module_sessions_upcoming_idx ON module_sessions (module_id, starts_at) WHERE status = 'scheduled';
CREATE INDEX module_sessions_starts_idx ON module_sessions (starts_at) WHERE status = 'scheduled';

-- HTTP sessions, owned by scs (pgxstore).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE module_sessions;
DROP TABLE track_audiences;
DROP TABLE track_modules;
DROP TABLE tracks;
DROP TABLE module_audiences;
DROP TABLE modules;
DROP TABLE audiences;
DROP TABLE partners;
DROP TABLE domains;
