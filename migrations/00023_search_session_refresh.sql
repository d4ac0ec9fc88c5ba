-- +goose Up
-- A session that fills or opens (an enrolment, a cancellation) changed its module's search document and then
-- rebuilt every track holding the module (search_docs_refresh: all their attributes, from all their modules and
-- sessions), at the commit of the enrolment, under the session's lock. On the national dataset a module is in
-- hundreds of tracks: a cancellation followed by a promotion (full → open → full, no net change) cost 60–100 ms
-- at commit, and the hot session was served at the pace of those commits. Found with `make bench
-- DATASET=national` (commits of 60–230 ms in the log during "inscription").
--
-- Now a change of sessions marks its modules "sessions" (search_mark_sessions), and the flush refreshes what
-- sessions can change — a module's upcoming starts and its latest start with seats left — in one statement;
-- only the tracks of the modules whose document did change are rebuilt (a track's sessions are its modules').
-- Modules also marked by another change (text, attributes) take the full refresh as before.
--
-- The text index's pending list (GIN fastupdate, up to 4 MB by default) is read in full by every search until
-- it is merged: after one bench run it held 1,697 entries (232 pages) and an uncached search for "données" on
-- the catalogue ×100 took 6.8 + 13.4 ms (counts, page) instead of 6.2 + 11.7 once merged. It is now merged from
-- 64 kB on.

-- +goose StatementBegin
CREATE FUNCTION public.search_mark_sessions(mods bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(mods), 0) = 0 THEN
        RETURN;
    END IF;
    IF to_regclass('pg_temp.search_dirty') IS NULL THEN -- as search_mark_dirty (00002)
        CREATE TEMP TABLE search_dirty (kind text NOT NULL, id bigint NOT NULL, texts boolean NOT NULL) ON COMMIT DROP;
        CREATE TEMP TABLE search_dirty_flush (pending boolean NOT NULL) ON COMMIT DROP;
        CREATE CONSTRAINT TRIGGER search_dirty_flush AFTER INSERT ON pg_temp.search_dirty_flush
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.search_docs_flush();
    END IF;
    INSERT INTO pg_temp.search_dirty (kind, id, texts) SELECT 'sessions', x, false FROM unnest(mods) x WHERE x IS NOT NULL;
    IF NOT EXISTS (SELECT 1 FROM pg_temp.search_dirty_flush) THEN
        INSERT INTO pg_temp.search_dirty_flush VALUES (true);
    END IF;
END
$$;
-- +goose StatementEnd

-- search_docs_refresh_sessions refreshes the sessions part of the given modules' documents (as
-- search_attributes computes it), then the tracks of those whose document changed.
-- +goose StatementBegin
CREATE FUNCTION public.search_docs_refresh_sessions(mods bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
    missing bigint[];
BEGIN
    mods := ARRAY(SELECT DISTINCT x FROM unnest(mods) x WHERE x IS NOT NULL);
    IF cardinality(mods) = 0 THEN
        RETURN;
    END IF;
    WITH s AS (
        SELECT u.id, coalesce(x.upcoming, '{}') AS upcoming, x.open_until
        FROM unnest(mods) u (id)
        CROSS JOIN LATERAL (
            SELECT array_agg(ms.starts_at ORDER BY ms.starts_at) FILTER (WHERE ms.starts_at > now()) AS upcoming,
                   max(ms.starts_at) FILTER (WHERE ms.seats_taken < ms.capacity) AS open_until
            FROM module_sessions ms WHERE ms.module_id = u.id AND ms.status = 'scheduled'
        ) x
    ), up AS (
        UPDATE search_docs d SET upcoming = s.upcoming, open_until = s.open_until
        FROM s
        WHERE d.kind = 'module' AND d.id = s.id AND (d.upcoming, d.open_until) IS DISTINCT FROM (s.upcoming, s.open_until)
        RETURNING d.id
    )
    SELECT coalesce(array_agg(id), '{}') INTO changed FROM up;
    -- A module without a document yet (cannot happen through the triggers) gets the full refresh.
    missing := ARRAY(SELECT u.id FROM unnest(mods) u (id)
        WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'module' AND d.id = u.id)
          AND EXISTS (SELECT 1 FROM modules m WHERE m.id = u.id));
    IF cardinality(missing) > 0 THEN
        PERFORM public.search_docs_refresh(missing, '{}', false);
    END IF;
    IF cardinality(changed) > 0 THEN
        PERFORM public.search_docs_apply('{}', ARRAY(SELECT DISTINCT tm.track_id FROM track_modules tm
            WHERE tm.module_id = ANY (changed)), false);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.search_docs_flush() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    text_mods bigint[];
    text_trks bigint[];
    attr_mods bigint[];
    attr_trks bigint[];
    sess_mods bigint[];
BEGIN
    SELECT coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'module' AND texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'track' AND texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'module' AND NOT texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'track' AND NOT texts), '{}'),
           coalesce(array_agg(DISTINCT id) FILTER (WHERE kind = 'sessions'), '{}')
    INTO text_mods, text_trks, attr_mods, attr_trks, sess_mods FROM pg_temp.search_dirty;
    -- Marks made after this flush (after SET CONSTRAINTS … IMMEDIATE) queue another one.
    DELETE FROM pg_temp.search_dirty;
    DELETE FROM pg_temp.search_dirty_flush;
    PERFORM public.search_docs_refresh(text_mods, text_trks, true);
    PERFORM public.search_docs_refresh(ARRAY(SELECT unnest(attr_mods) EXCEPT SELECT unnest(text_mods)),
                                       ARRAY(SELECT unnest(attr_trks) EXCEPT SELECT unnest(text_trks)), false);
    PERFORM public.search_docs_refresh_sessions(ARRAY(SELECT unnest(sess_mods) EXCEPT SELECT unnest(text_mods)
                                                      EXCEPT SELECT unnest(attr_mods)));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.search_docs_on_session_change() RETURNS trigger
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
    PERFORM public.search_mark_sessions(ids);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

ALTER INDEX search_docs_vector_idx SET (gin_pending_list_limit = 64);

-- +goose Down
ALTER INDEX search_docs_vector_idx RESET (gin_pending_list_limit);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.search_docs_on_session_change() RETURNS trigger
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
CREATE OR REPLACE FUNCTION public.search_docs_flush() RETURNS trigger
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

DROP FUNCTION public.search_docs_refresh_sessions(bigint[]);
DROP FUNCTION public.search_mark_sessions(bigint[]);
