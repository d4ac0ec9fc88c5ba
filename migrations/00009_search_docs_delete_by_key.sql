-- +goose Up
-- search_docs_apply (00002) runs at every change of a session's seats, i.e. at every enrolment in a session:
-- its DELETE of the documents that no longer exist read the whole search_docs table (OR-ed IN lists); it now
-- looks each document up by its primary key. Found by `make bench DATASET=national` (pg_stat_user_tables).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.search_docs_apply(mods bigint[], trks bigint[], texts boolean) RETURNS void
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
    -- (One primary-key lookup per (kind, id): written as a join, not as OR-ed IN lists, which the planner could
    -- only answer by reading the whole table.)
    DELETE FROM search_docs d
    USING (SELECT 'module'::text AS kind, u.id FROM unnest(mods) u (id)
           UNION ALL
           SELECT k.kind, u.id FROM unnest(trks) u (id) CROSS JOIN (VALUES ('parcours'), ('programme')) k (kind)) x
    WHERE d.kind = x.kind AND d.id = x.id
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.search_docs_apply(mods bigint[], trks bigint[], texts boolean) RETURNS void
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
