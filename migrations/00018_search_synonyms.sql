-- +goose Up
-- Search: synonyms and acronyms kept in one editable place, hyphenated words matched with and without their
-- hyphen, accents folded in queries, and typos of one or two letters corrected.
--
-- * search_synonyms: groups of equivalent expressions (IA = intelligence artificielle, RGPD = protection des
--   données personnelles, …), edited in the back-office (/admin/synonymes). A query that contains one expression
--   of a group (as whole words, accents and case ignored) also searches for the query with each other expression
--   of the group in its place: "IA éthique" finds "intelligence artificielle" and "éthique".
-- * campus_query_variants(q): those variants, plus the query with its hyphenated words joined ("éco-conception"
--   also finds "écoconception"); at most eight.
-- * campus_tsquery folds the accents of the query before analysing it: "données" is then the same query as
--   "donnees" (the stem-then-unaccent analysis of "données" gave "don", which matched "donner" and "donné").
--   Documents keep both analyses, so "agiles" still finds "agilité".
-- * fuzzystrmatch: a word two edits from a vocabulary term ("pyhton") is corrected even where the trigram
--   similarity is low (short words).

CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

CREATE TABLE search_synonyms (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grp        integer NOT NULL,
    term       text NOT NULL CHECK (length(term) BETWEEN 1 AND 100),
    norm       text GENERATED ALWAYS AS (public.campus_normalize(term)) STORED,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (grp, norm)
);
CREATE INDEX search_synonyms_norm_idx ON search_synonyms (norm);

-- A change of the synonyms changes search results: the same notification as the catalogue's.
CREATE TRIGGER search_synonyms_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_synonyms
    FOR EACH STATEMENT EXECUTE FUNCTION campus_notify_catalogue();

CREATE AGGREGATE public.campus_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

CREATE OR REPLACE FUNCTION public.campus_tsquery(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN websearch_to_tsquery('public.campus_fr'::regconfig, public.campus_unaccent($1))
        || public.campus_unaccent(websearch_to_tsquery('pg_catalog.french'::regconfig, public.campus_unaccent($1))::text)::tsquery;

-- +goose StatementBegin
CREATE FUNCTION public.campus_query_variants(q text) RETURNS SETOF text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
    SELECT DISTINCT v FROM (
        SELECT regexp_replace(' ' || public.campus_normalize(q) || ' ', ' ' || a.norm || ' ', ' ' || b.term || ' ', 'g') AS v
        FROM search_synonyms a JOIN search_synonyms b ON b.grp = a.grp AND b.norm <> a.norm
        WHERE a.norm <> '' AND (' ' || public.campus_normalize(q) || ' ') LIKE ('% ' || a.norm || ' %')
        UNION ALL
        SELECT regexp_replace(q, '(\w)-(\w)', '\1\2', 'g') WHERE q ~ '\w-\w'
    ) x
    WHERE btrim(v) <> ''
    LIMIT 8
$$;
-- +goose StatementEnd

-- The groups the Campus starts with (the back-office edits them).
INSERT INTO search_synonyms (grp, term) VALUES
    (1, 'IA'), (1, 'intelligence artificielle'),
    (2, 'RGPD'), (2, 'protection des données personnelles'), (2, 'données personnelles'),
    (3, 'RGAA'), (3, 'accessibilité numérique'),
    (4, 'DSFR'), (4, 'système de design de l’État'),
    (5, 'SSI'), (5, 'sécurité des systèmes d’information'), (5, 'cybersécurité'),
    (6, 'logiciel libre'), (6, 'open source'),
    (7, 'UX'), (7, 'expérience utilisateur'),
    (8, 'cloud'), (8, 'informatique en nuage'),
    (9, 'écoconception'), (9, 'éco-conception'),
    (10, 'SQL'), (10, 'base de données'),
    (11, 'hameçonnage'), (11, 'phishing'),
    (12, 'RGS'), (12, 'référentiel général de sécurité'),
    (13, 'ANSSI'), (13, 'Agence nationale de la sécurité des systèmes d’information'),
    (14, 'DINUM'), (14, 'direction interministérielle du numérique');

-- +goose Down
DROP FUNCTION public.campus_query_variants(text);
CREATE OR REPLACE FUNCTION public.campus_tsquery(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN websearch_to_tsquery('public.campus_fr'::regconfig, $1)
        || public.campus_unaccent(websearch_to_tsquery('pg_catalog.french'::regconfig, $1)::text)::tsquery;
DROP AGGREGATE public.campus_tsquery_or(tsquery);
DROP TABLE search_synonyms;
DROP EXTENSION IF EXISTS fuzzystrmatch;
