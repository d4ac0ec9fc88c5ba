-- +goose Up
-- French full-text search over the public catalogue (modules and tracks), facets and typo tolerance.
--
-- * campus_fr is a copy of the french configuration with unaccent before french_stem on the word mappings, so
--   that "donnees" and "données" give the same lexeme. unaccent() is only STABLE and may not appear in a
--   generated column or an index: the configuration (through the immutable to_tsvector(regconfig, text)) and
--   campus_unaccent() below (unaccent with its dictionary named explicitly) are the immutable ways in.
-- * Stemming after unaccent loses some French suffixes ("agilite" stems to "agilit" where "agilité" stems to
--   "agil"), so every text is analysed twice: through campus_fr (unaccent, then stem) and through french with
--   the lexemes then unaccented (stem, then unaccent). Queries too; "agiles" then finds "agilité".
-- * search_docs holds one row per module and track with what the search filters, counts and ranks: its facet
--   signature (search_signatures: kind, domain, partners, formats, levels, audiences, duration; a track's are
--   its published modules'), the upcoming session starts, and the vectors (title A, summary and keywords B,
--   objectives, outline and description C). Triggers on every table it derives from keep it current (rebuilt
--   at commit, once per document and transaction), so that a search reads one table instead of joining seven.
--   The vectors are stored uncompressed: ranking thousands of matches never decompresses a text.
-- * search_terms is the vocabulary of titles and keywords, with a trigram index, for "did you mean" corrections
--   ("acessibilité", "cybersecurtié") and the suggestions of the no-result page. Terms are only added; a term is
--   checked against the public catalogue before being shown.

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TEXT SEARCH CONFIGURATION public.campus_fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION public.campus_fr
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.french_stem;

-- unaccent with its dictionary named explicitly does not depend on search_path: immutable in practice.
CREATE FUNCTION public.campus_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.unaccent('public.unaccent'::regdictionary, $1);

-- array_to_string is only STABLE in general (element output functions may be); for text[] it is immutable.
CREATE FUNCTION public.campus_join(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN array_to_string($1, ' ');

-- The two analyses of a text: unaccent then stem, and stem then unaccent.
CREATE FUNCTION public.campus_tsvector(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN to_tsvector('public.campus_fr'::regconfig, $1)
        || public.campus_unaccent(to_tsvector('pg_catalog.french'::regconfig, $1)::text)::tsvector;

-- A user's query in websearch syntax ("quotes", -exclusion, or), matched both ways.
CREATE FUNCTION public.campus_tsquery(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN websearch_to_tsquery('public.campus_fr'::regconfig, $1)
        || public.campus_unaccent(websearch_to_tsquery('pg_catalog.french'::regconfig, $1)::text)::tsquery;

-- Text compared for an exact title match and sorted on: unaccented, lower case, punctuation as single spaces.
CREATE FUNCTION public.campus_normalize(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN btrim(regexp_replace(lower(public.campus_unaccent($1)), '[^a-z0-9]+', ' ', 'g'));

-- A facet signature: one combination of facet attributes, shared by every document that has it. Facet counts
-- group the matching documents by signature first, then count a few hundred signatures, not every document.
CREATE TABLE search_signatures (
    id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind      text NOT NULL,
    domain_id bigint NOT NULL,
    partners  bigint[] NOT NULL,
    formats   text[] NOT NULL,
    levels    text[] NOT NULL,
    audiences bigint[] NOT NULL,
    duration  integer NOT NULL, -- minutes; a track's is the sum of its modules'
    UNIQUE (kind, domain_id, partners, formats, levels, audiences, duration)
);

CREATE TABLE search_docs (
    kind         text NOT NULL CHECK (kind IN ('module', 'parcours', 'programme')),
    id           bigint NOT NULL,
    visible      boolean NOT NULL,       -- published, in a published or coming domain
    sig          integer NOT NULL REFERENCES search_signatures (id),
    title_key    text NOT NULL,          -- campus_normalize(title)
    duration     integer NOT NULL,
    upcoming     timestamptz[] NOT NULL, -- starts of scheduled sessions to come (when refreshed), in order
    open_until   timestamptz,            -- latest start of a scheduled session with seats left
    title_vector tsvector NOT NULL,
    rank_vector  tsvector NOT NULL,
    vector       tsvector NOT NULL,
    PRIMARY KEY (kind, id)
);
ALTER TABLE search_docs ALTER COLUMN vector SET STORAGE EXTERNAL,
    ALTER COLUMN rank_vector SET STORAGE MAIN, ALTER COLUMN title_vector SET STORAGE MAIN;
CREATE INDEX search_docs_vector_idx ON search_docs USING gin (vector);
-- Browsing without text: the first page by title off one index, the facet counts off another (index-only).
CREATE INDEX search_docs_title_idx ON search_docs (title_key, kind, id) WHERE visible;
CREATE INDEX search_docs_facets_idx ON search_docs (sig, open_until) WHERE visible;

-- The vocabulary: lower-case words (4 letters or more) of titles, and keywords, with their accents.
CREATE TABLE search_terms (
    plain text PRIMARY KEY, -- unaccented: what the trigram index compares
    term  text NOT NULL     -- as shown in a suggestion
);
CREATE INDEX search_terms_trgm_idx ON search_terms USING gist (plain gist_trgm_ops);

-- +goose StatementBegin
CREATE FUNCTION public.campus_terms(title text, keywords text[]) RETURNS TABLE (plain text, term text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT DISTINCT ON (public.campus_unaccent(t)) public.campus_unaccent(t), t
        FROM (
            SELECT w AS t FROM unnest(tsvector_to_array(to_tsvector('pg_catalog.simple'::regconfig, title))) AS w
            UNION ALL
            SELECT lower(btrim(k)) FROM unnest(keywords) AS k
        ) x
        WHERE char_length(t) BETWEEN 4 AND 60 AND t !~ '^[0-9]+$'
        ORDER BY public.campus_unaccent(t), t DESC;
    END;
-- +goose StatementEnd

-- The facet attributes and sessions of modules and tracks (a track's: its published modules').
-- +goose StatementBegin
CREATE FUNCTION public.search_attributes(mods bigint[], trks bigint[])
    RETURNS TABLE (kind text, id bigint, visible boolean, domain_id bigint, partners bigint[], formats text[],
                   levels text[], audiences bigint[], duration integer, upcoming timestamptz[], open_until timestamptz)
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT 'module', m.id, m.status = 'published' AND d.status IN ('published', 'coming'), m.domain_id,
               CASE WHEN m.partner_id IS NULL THEN '{}'::bigint[] ELSE ARRAY[m.partner_id] END,
               ARRAY[m.format], ARRAY[m.level],
               ARRAY(SELECT ma.audience_id FROM module_audiences ma WHERE ma.module_id = m.id ORDER BY 1),
               m.duration_minutes, coalesce(s.upcoming, '{}'), s.open_until
        FROM modules m
        JOIN domains d ON d.id = m.domain_id
        LEFT JOIN LATERAL (
            SELECT array_agg(ms.starts_at ORDER BY ms.starts_at) FILTER (WHERE ms.starts_at > now()) AS upcoming,
                   max(ms.starts_at) FILTER (WHERE ms.seats_taken < ms.capacity) AS open_until
            FROM module_sessions ms WHERE ms.module_id = m.id AND ms.status = 'scheduled'
        ) s ON true
        WHERE m.id = ANY (mods)
        UNION ALL
        SELECT CASE WHEN t.administration = '' THEN 'parcours' ELSE 'programme' END, t.id,
               t.status = 'published' AND d.status IN ('published', 'coming'), t.domain_id,
               coalesce(a.partners, '{}'), coalesce(a.formats, '{}'), coalesce(a.levels, '{}'),
               ARRAY(SELECT ta.audience_id FROM track_audiences ta WHERE ta.track_id = t.id ORDER BY 1),
               coalesce(a.duration, 0), coalesce(s.upcoming, '{}'), s.open_until
        FROM tracks t
        JOIN domains d ON d.id = t.domain_id
        LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT m.partner_id) FILTER (WHERE m.partner_id IS NOT NULL) AS partners,
                   array_agg(DISTINCT m.format) AS formats, array_agg(DISTINCT m.level) AS levels,
                   sum(m.duration_minutes)::integer AS duration
            FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published'
            WHERE tm.track_id = t.id
        ) a ON true
        LEFT JOIN LATERAL (
            SELECT array_agg(ms.starts_at ORDER BY ms.starts_at) FILTER (WHERE ms.starts_at > now()) AS upcoming,
                   max(ms.starts_at) FILTER (WHERE ms.seats_taken < ms.capacity) AS open_until
            FROM track_modules tm
            JOIN modules m ON m.id = tm.module_id AND m.status = 'published'
            JOIN module_sessions ms ON ms.module_id = m.id AND ms.status = 'scheduled'
            WHERE tm.track_id = t.id
        ) s ON true
        WHERE t.id = ANY (trks);
    END;
-- +goose StatementEnd

-- search_docs_apply rebuilds the rows of exactly the given modules and tracks. With texts, everything (the
-- vectors too, and the new words go to the vocabulary); without, only what a change of audiences, steps,
-- sessions or domain status can change (visibility, signature, duration, sessions), which is much cheaper.
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_apply(mods bigint[], trks bigint[], texts boolean) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    missing_mods bigint[];
    missing_trks bigint[];
BEGIN
    IF cardinality(mods) = 0 AND cardinality(trks) = 0 THEN
        RETURN;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS search_refresh_attrs ON COMMIT DROP AS
        SELECT * FROM public.search_attributes('{}', '{}') WITH NO DATA;
    DELETE FROM search_refresh_attrs;
    INSERT INTO search_refresh_attrs SELECT * FROM public.search_attributes(mods, trks);

    INSERT INTO search_signatures (kind, domain_id, partners, formats, levels, audiences, duration)
    SELECT DISTINCT a.kind, a.domain_id, a.partners, a.formats, a.levels, a.audiences, a.duration FROM search_refresh_attrs a
    ON CONFLICT DO NOTHING;

    -- Rows whose module or track is gone, or whose track changed kind.
    DELETE FROM search_docs d
    WHERE ((d.kind = 'module' AND d.id IN (SELECT unnest(mods)))
           OR (d.kind IN ('parcours', 'programme') AND d.id IN (SELECT unnest(trks))))
      AND NOT EXISTS (SELECT 1 FROM search_refresh_attrs a WHERE a.kind = d.kind AND a.id = d.id);

    IF NOT texts THEN
        UPDATE search_docs d SET visible = a.visible, sig = g.id, duration = a.duration, upcoming = a.upcoming,
                                 open_until = a.open_until
        FROM search_refresh_attrs a
        JOIN search_signatures g ON (g.kind, g.domain_id, g.partners, g.formats, g.levels, g.audiences, g.duration)
                                  = (a.kind, a.domain_id, a.partners, a.formats, a.levels, a.audiences, a.duration)
        WHERE d.kind = a.kind AND d.id = a.id
          AND (d.visible, d.sig, d.duration, d.upcoming, d.open_until) IS DISTINCT FROM (a.visible, g.id, a.duration, a.upcoming, a.open_until);
        -- Documents without a row yet (cannot happen through the triggers, but cheap to make sure) get a full one.
        missing_mods := ARRAY(SELECT a.id FROM search_refresh_attrs a WHERE a.kind = 'module'
            AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = a.kind AND d.id = a.id));
        missing_trks := ARRAY(SELECT a.id FROM search_refresh_attrs a WHERE a.kind <> 'module'
            AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = a.kind AND d.id = a.id));
        IF cardinality(missing_mods) > 0 OR cardinality(missing_trks) > 0 THEN
            PERFORM public.search_docs_apply(missing_mods, missing_trks, true);
        END IF;
        RETURN;
    END IF;

    -- An upsert stays right when two transactions refresh the same document at once (it waits for the other's
    -- row, then updates it).
    INSERT INTO search_docs (kind, id, visible, sig, title_key, duration, upcoming, open_until, title_vector, rank_vector, vector)
    SELECT a.kind, a.id, a.visible, g.id, public.campus_normalize(x.title), a.duration, a.upcoming, a.open_until,
           v.a, v.a || v.b, v.a || v.b || setweight(public.campus_tsvector(x.body), 'C')
    FROM search_refresh_attrs a
    JOIN search_signatures g ON (g.kind, g.domain_id, g.partners, g.formats, g.levels, g.audiences, g.duration)
                              = (a.kind, a.domain_id, a.partners, a.formats, a.levels, a.audiences, a.duration)
    JOIN LATERAL (
        SELECT m.title, m.summary || ' ' || public.campus_join(m.keywords) AS summary,
               public.campus_join(m.objectives) || ' ' || public.campus_join(m.outline) AS body
        FROM modules m WHERE a.kind = 'module' AND m.id = a.id
        UNION ALL
        SELECT t.title, t.summary || ' ' || t.administration, t.description
        FROM tracks t WHERE a.kind <> 'module' AND t.id = a.id
    ) x ON true
    CROSS JOIN LATERAL (SELECT setweight(public.campus_tsvector(x.title), 'A') AS a,
                               setweight(public.campus_tsvector(x.summary), 'B') AS b) v
    ON CONFLICT (kind, id) DO UPDATE SET visible = EXCLUDED.visible, sig = EXCLUDED.sig, title_key = EXCLUDED.title_key,
        duration = EXCLUDED.duration, upcoming = EXCLUDED.upcoming, open_until = EXCLUDED.open_until,
        title_vector = EXCLUDED.title_vector, rank_vector = EXCLUDED.rank_vector, vector = EXCLUDED.vector
    WHERE (search_docs.visible, search_docs.sig, search_docs.title_key, search_docs.duration, search_docs.upcoming,
           search_docs.open_until, search_docs.rank_vector, search_docs.vector)
          IS DISTINCT FROM (EXCLUDED.visible, EXCLUDED.sig, EXCLUDED.title_key, EXCLUDED.duration, EXCLUDED.upcoming,
           EXCLUDED.open_until, EXCLUDED.rank_vector, EXCLUDED.vector);

    INSERT INTO search_terms (plain, term)
    SELECT DISTINCT ON (x.plain) x.plain, x.term FROM (
        SELECT t.plain, t.term FROM unnest(mods) u (id) JOIN modules m ON m.id = u.id, public.campus_terms(m.title, m.keywords) t
        UNION ALL
        SELECT t.plain, t.term FROM unnest(trks) u (id) JOIN tracks r ON r.id = u.id, public.campus_terms(r.title, '{}') t
    ) x ORDER BY x.plain, x.term DESC
    ON CONFLICT (plain) DO NOTHING;
END
$$;
-- +goose StatementEnd

-- search_docs_refresh refreshes the given modules and tracks (texts: see search_docs_apply), and the other
-- tracks holding those modules (their attributes only: a module's text is not part of its tracks').
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_refresh(mods bigint[], trks bigint[], texts boolean) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    mods := ARRAY(SELECT DISTINCT x FROM unnest(mods) x WHERE x IS NOT NULL);
    trks := ARRAY(SELECT DISTINCT x FROM unnest(trks) x WHERE x IS NOT NULL);
    PERFORM public.search_docs_apply(mods, trks, texts);
    PERFORM public.search_docs_apply('{}', ARRAY(SELECT tm.track_id FROM unnest(mods) u (id)
        JOIN track_modules tm ON tm.module_id = u.id EXCEPT SELECT unnest(trks)), false);
END
$$;
-- +goose StatementEnd

-- Changes mark documents dirty in a temporary table of the transaction (search_dirty); a deferred trigger on a
-- one-row companion table (search_dirty_flush) rebuilds them at commit, once each: a transaction that writes a
-- module, its audiences, its sessions and its tracks in many statements (the seed, an import) refreshes each
-- document once, and a search in another session never sees a half-done change.
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_flush() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    text_mods bigint[];
    text_trks bigint[];
    attr_mods bigint[];
    attr_trks bigint[];
BEGIN
    SELECT coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'module' AND texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'track' AND texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'module' AND NOT texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'track' AND NOT texts), '{}')
    INTO text_mods, text_trks, attr_mods, attr_trks FROM pg_temp.search_dirty;
    -- Marks made after this flush (after SET CONSTRAINTS … IMMEDIATE) queue another one.
    DELETE FROM pg_temp.search_dirty;
    DELETE FROM pg_temp.search_dirty_flush;
    PERFORM public.search_docs_refresh(text_mods, text_trks, true);
    PERFORM public.search_docs_refresh(ARRAY(SELECT unnest(attr_mods) EXCEPT SELECT unnest(text_mods)),
                                       ARRAY(SELECT unnest(attr_trks) EXCEPT SELECT unnest(text_trks)), false);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION public.search_mark_dirty(mods bigint[], trks bigint[], texts boolean) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(mods), 0) = 0 AND coalesce(cardinality(trks), 0) = 0 THEN
        RETURN;
    END IF;
    IF to_regclass('pg_temp.search_dirty') IS NULL THEN
        CREATE TEMP TABLE search_dirty (kind text NOT NULL, id bigint NOT NULL, texts boolean NOT NULL) ON COMMIT DROP;
        CREATE TEMP TABLE search_dirty_flush (pending boolean NOT NULL) ON COMMIT DROP;
        CREATE CONSTRAINT TRIGGER search_dirty_flush AFTER INSERT ON pg_temp.search_dirty_flush
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.search_docs_flush();
    END IF;
    INSERT INTO pg_temp.search_dirty (kind, id, texts)
    SELECT 'module', x, texts FROM unnest(mods) x WHERE x IS NOT NULL
    UNION ALL
    SELECT 'track', x, texts FROM unnest(trks) x WHERE x IS NOT NULL;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.search_dirty_flush) THEN
        INSERT INTO pg_temp.search_dirty_flush VALUES (true);
    END IF;
END
$$;
-- +goose StatementEnd

-- Statement-level trigger: TG_ARGV[0] is what the changed rows point to ('module' or 'track'), TG_ARGV[1] the
-- column holding its id, TG_ARGV[2] whether texts may have changed. Transition tables are new_rows and old_rows.
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_on_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := '{}';
    more bigint[];
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT coalesce(array_agg(DISTINCT %I), ''{}'') FROM new_rows', TG_ARGV[1]) INTO more;
        ids := ids || more;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('SELECT coalesce(array_agg(DISTINCT %I), ''{}'') FROM old_rows', TG_ARGV[1]) INTO more;
        ids := ids || more;
    END IF;
    IF TG_ARGV[0] = 'module' THEN
        PERFORM public.search_mark_dirty(ids, '{}', TG_ARGV[2]::boolean);
    ELSE
        PERFORM public.search_mark_dirty('{}', ids, TG_ARGV[2]::boolean);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Sessions: an update only matters when a session opens or fills, moves, or is cancelled (taking a seat in a
-- session that keeps seats left changes nothing the search shows).
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_on_session_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT module_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT module_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x) INTO ids FROM (
            SELECT unnest(ARRAY[n.module_id, o.module_id]) AS x
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.seats_taken < n.capacity) IS DISTINCT FROM (o.seats_taken < o.capacity)
               OR n.starts_at IS DISTINCT FROM o.starts_at OR n.status IS DISTINCT FROM o.status
               OR n.module_id IS DISTINCT FROM o.module_id
        ) c;
    END IF;
    PERFORM public.search_mark_dirty(ids, '{}', false);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION public.search_docs_on_domain_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.search_mark_dirty(ARRAY(SELECT id FROM modules WHERE domain_id = NEW.id),
                                     ARRAY(SELECT id FROM tracks WHERE domain_id = NEW.id), false);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- One trigger per table and event (transition tables allow no event lists).
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('modules', 'module', 'id', true), ('tracks', 'track', 'id', true),
            ('track_modules', 'track', 'track_id', false), ('module_audiences', 'module', 'module_id', false),
            ('track_audiences', 'track', 'track_id', false)) AS v (tbl, target, key, texts)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_change(%L, %L, %L)', r.tbl || '_search_ins', r.tbl, r.target, r.key, r.texts);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_change(%L, %L, %L)', r.tbl || '_search_upd', r.tbl, r.target, r.key, r.texts);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_change(%L, %L, %L)', r.tbl || '_search_del', r.tbl, r.target, r.key, r.texts);
    END LOOP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER module_sessions_search_ins AFTER INSERT ON module_sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_session_change();
CREATE TRIGGER module_sessions_search_upd AFTER UPDATE ON module_sessions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_session_change();
CREATE TRIGGER module_sessions_search_del AFTER DELETE ON module_sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.search_docs_on_session_change();
CREATE TRIGGER domains_search_status AFTER UPDATE OF status ON domains
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION public.search_docs_on_domain_change();

SELECT public.search_docs_refresh(ARRAY(SELECT id FROM modules), ARRAY(SELECT id FROM tracks), true);

-- +goose Down
DROP TRIGGER domains_search_status ON domains;
DROP TRIGGER module_sessions_search_del ON module_sessions;
DROP TRIGGER module_sessions_search_upd ON module_sessions;
DROP TRIGGER module_sessions_search_ins ON module_sessions;
-- +goose StatementBegin
DO $$
DECLARE
    t text;
    e text;
BEGIN
    FOREACH t IN ARRAY ARRAY['modules', 'tracks', 'track_modules', 'module_audiences', 'track_audiences'] LOOP
        FOREACH e IN ARRAY ARRAY['ins', 'upd', 'del'] LOOP
            EXECUTE format('DROP TRIGGER %I ON %I', t || '_search_' || e, t);
        END LOOP;
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION public.search_docs_on_domain_change();
DROP FUNCTION public.search_docs_on_session_change();
DROP FUNCTION public.search_docs_on_change();
DROP FUNCTION public.search_mark_dirty(bigint[], bigint[], boolean);
DROP FUNCTION public.search_docs_flush();
DROP FUNCTION public.search_docs_refresh(bigint[], bigint[], boolean);
DROP FUNCTION public.search_docs_apply(bigint[], bigint[], boolean);
DROP FUNCTION public.search_attributes(bigint[], bigint[]);
DROP FUNCTION public.campus_terms(text, text[]);
DROP TABLE search_terms;
DROP TABLE search_docs;
DROP TABLE search_signatures;
DROP FUNCTION public.campus_normalize(text);
DROP FUNCTION public.campus_tsquery(text);
DROP FUNCTION public.campus_tsvector(text);
DROP FUNCTION public.campus_join(text[]);
DROP FUNCTION public.campus_unaccent(text);
DROP TEXT SEARCH CONFIGURATION public.campus_fr;
