-- +goose Up
-- The public bilan's enrolment figures, kept with the enrolments instead of recomputed over them (seconds and about
-- twenty scans of the 10 M enrolments on the national dataset). postgres.Store.Bilan reads these tables when there
-- is no filter; the admin's filtered bilan (a period, an administration) still counts the enrolments. Definitions of
-- internal/programme/bilan.go and postgres.bilanMade/bilanDone: an enrolment is made unless cancelled, in the month
-- (Europe/Paris) of its creation; it is followed when attended or completed, in the month of
-- coalesce(completed_at, attendance_at, updated_at). TestBilanTallies_FollowTheEnrolments compares both ways.
--
-- Every change of enrolments adds its difference in the same transaction (statement-level triggers, one row per
-- tally per statement, whatever the number of enrolments). No row is shared by every enrolment: a tally is per
-- module, session (0 without one) and month, so the enrolments of a session, already serialised by the session's
-- row lock, meet no other lock; the trained agents are counted per agent and summed in 16 shards.

-- Writers wait for the backfill (readers do not): nothing changes between the counting and the triggers.
LOCK TABLE enrolments, module_audiences, audiences IN SHARE MODE;

CREATE FUNCTION bilan_month(timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_trunc('month', $1 AT TIME ZONE 'Europe/Paris')::date;

-- Enrolments made and followed, by module, session and month.
CREATE TABLE bilan_tallies (
    module_id   bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    session_key bigint NOT NULL,
    month       date NOT NULL,
    made        integer NOT NULL,
    done        integer NOT NULL,
    PRIMARY KEY (module_id, session_key, month)
);

-- The modules for senior executives (audience cadres-dirigeants) as the counts below know them: the audiences of a
-- module are compared with it when its transaction commits (bilan_senior_sync).
CREATE TABLE bilan_senior_modules (module_id bigint PRIMARY KEY);

-- Per agent, the followed enrolments, and those of modules for senior executives; a row is deleted at zero.
CREATE TABLE bilan_trained (
    user_id bigint PRIMARY KEY,
    followed integer NOT NULL,
    senior   integer NOT NULL
);

-- The agents with a followed enrolment (AgentsTrained), and with one in a module for senior executives
-- (SeniorTrained): changed only when an agent's count leaves or reaches zero, in the shard user_id % 16.
CREATE TABLE bilan_trained_counts (
    shard  smallint PRIMARY KEY,
    agents integer NOT NULL,
    senior integer NOT NULL
);

-- +goose StatementBegin
-- bilan_trained_add adds per-agent differences (sorted by agent, so that two transactions lock rows in the same order).
CREATE FUNCTION bilan_trained_add(agent_ids bigint[], followed_diffs integer[], senior_diffs integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    zeroed bigint[];
BEGIN
    WITH d AS (SELECT * FROM unnest(agent_ids, followed_diffs, senior_diffs) AS d(user_id, followed, senior) WHERE d.followed <> 0 OR d.senior <> 0),
    up AS (INSERT INTO bilan_trained AS a (user_id, followed, senior) SELECT * FROM d ORDER BY user_id
           ON CONFLICT (user_id) DO UPDATE SET followed = a.followed + excluded.followed, senior = a.senior + excluded.senior
           RETURNING a.user_id, a.followed, a.senior),
    moved AS (SELECT up.user_id % 16 AS shard,
                     sum((up.followed > 0)::int - (up.followed - d.followed > 0)::int) AS agents,
                     sum((up.senior > 0)::int - (up.senior - d.senior > 0)::int) AS senior
              FROM up JOIN d USING (user_id) GROUP BY 1),
    counted AS (INSERT INTO bilan_trained_counts AS n (shard, agents, senior)
                SELECT * FROM moved WHERE agents <> 0 OR senior <> 0 ORDER BY shard
                ON CONFLICT (shard) DO UPDATE SET agents = n.agents + excluded.agents, senior = n.senior + excluded.senior)
    SELECT array_agg(user_id) FILTER (WHERE up.followed = 0 AND up.senior = 0) INTO zeroed FROM up;
    IF zeroed IS NOT NULL THEN
        DELETE FROM bilan_trained WHERE user_id = ANY (zeroed) AND followed = 0 AND senior = 0;
    END IF;
END $$;
-- +goose StatementEnd

-- One trigger function per event (a trigger with transition tables has one event), written once: the changed
-- enrolments c(sign, user_id, module_id, session_id, status, created_at, done_at) are the new rows counted +1, the
-- old ones -1. When followed enrolments change, the lock on bilan_senior_modules (shared between them) makes a
-- change of a module's audiences wait for them, and them for it, so that each counts the other.
-- +goose StatementBegin
DO $do$
DECLARE
    ev text;
    src text;
BEGIN
    FOR ev, src IN VALUES
        ('insert', 'SELECT 1 AS sign, * FROM new_rows'),
        ('delete', 'SELECT -1 AS sign, * FROM old_rows'),
        ('update', 'SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows')
    LOOP
        EXECUTE format($f$
CREATE FUNCTION bilan_enrolments_%1$s() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    agent_ids bigint[];
    followed_diffs integer[];
    senior_diffs integer[];
BEGIN
    WITH c AS (SELECT e.sign, e.module_id, coalesce(e.session_id, 0) AS session_key, e.status, e.created_at,
                      coalesce(e.completed_at, e.attendance_at, e.updated_at) AS done_at FROM (%2$s) e),
    d AS (SELECT c.module_id, c.session_key, bilan_month(c.created_at) AS month, c.sign AS made, 0 AS done
          FROM c WHERE c.status <> 'cancelled'
          UNION ALL
          SELECT c.module_id, c.session_key, bilan_month(c.done_at), 0, c.sign FROM c WHERE c.status IN ('attended', 'completed'))
    INSERT INTO bilan_tallies AS t (module_id, session_key, month, made, done)
    SELECT module_id, session_key, month, sum(made), sum(done) FROM d GROUP BY 1, 2, 3
    HAVING sum(made) <> 0 OR sum(done) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (module_id, session_key, month) DO UPDATE SET made = t.made + excluded.made, done = t.done + excluded.done;

    IF NOT EXISTS (SELECT 1 FROM (%2$s) e WHERE e.status IN ('attended', 'completed')) THEN
        RETURN NULL;
    END IF;
    LOCK TABLE bilan_senior_modules IN ROW SHARE MODE;
    SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(x.followed ORDER BY x.user_id), array_agg(x.senior ORDER BY x.user_id)
    INTO agent_ids, followed_diffs, senior_diffs
    FROM (SELECT e.user_id, sum(e.sign)::int AS followed, coalesce(sum(e.sign) FILTER (WHERE s.module_id IS NOT NULL), 0)::int AS senior
          FROM (%2$s) e LEFT JOIN bilan_senior_modules s ON s.module_id = e.module_id
          WHERE e.status IN ('attended', 'completed') GROUP BY e.user_id) x;
    PERFORM bilan_trained_add(agent_ids, followed_diffs, senior_diffs);
    RETURN NULL;
END $fn$$f$, ev, src);
    END LOOP;
END $do$;
-- +goose StatementEnd

CREATE TRIGGER bilan_enrolments_insert AFTER INSERT ON enrolments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_enrolments_insert();
CREATE TRIGGER bilan_enrolments_update AFTER UPDATE ON enrolments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_enrolments_update();
CREATE TRIGGER bilan_enrolments_delete AFTER DELETE ON enrolments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_enrolments_delete();

-- +goose StatementBegin
-- bilan_senior_sync brings a module's place in bilan_senior_modules in line with its audiences, moving its agents'
-- followed enrolments in or out of their senior count. It runs when the transaction that changed the audiences
-- commits (a module's edit deletes and inserts them: no change, no work). The enrolments of the module are read
-- through the indexes (without a session: enrolments_module_idx; with one: its sessions, enrolments_session_idx).
CREATE FUNCTION bilan_senior_sync(module bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    want boolean;
    direction integer := 1;
    agent_ids bigint[];
    followed_diffs integer[];
    senior_diffs integer[];
BEGIN
    LOCK TABLE bilan_senior_modules IN EXCLUSIVE MODE;
    want := EXISTS (SELECT 1 FROM module_audiences ma JOIN audiences a ON a.id = ma.audience_id
                    WHERE ma.module_id = module AND a.slug = 'cadres-dirigeants');
    IF want THEN
        INSERT INTO bilan_senior_modules VALUES (module) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM bilan_senior_modules WHERE module_id = module;
        direction := -1;
    END IF;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT array_agg(x.user_id ORDER BY x.user_id), array_agg(0 ORDER BY x.user_id), array_agg(direction * x.n ORDER BY x.user_id)
    INTO agent_ids, followed_diffs, senior_diffs
    FROM (SELECT e.user_id, count(*)::int AS n
          FROM (SELECT e.user_id, e.status FROM enrolments e WHERE e.module_id = module AND e.session_id IS NULL
                UNION ALL
                SELECT e.user_id, e.status FROM module_sessions ms JOIN enrolments e ON e.session_id = ms.id
                WHERE ms.module_id = module AND e.module_id = module) e
          WHERE e.status IN ('attended', 'completed') GROUP BY e.user_id) x;
    PERFORM bilan_trained_add(agent_ids, followed_diffs, senior_diffs);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION bilan_module_audiences_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bilan_senior_sync(OLD.module_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.module_id <> OLD.module_id) THEN
        PERFORM bilan_senior_sync(NEW.module_id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION bilan_audience_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bilan_senior_sync(ma.module_id) FROM module_audiences ma WHERE ma.audience_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER bilan_module_audiences AFTER INSERT OR UPDATE OR DELETE ON module_audiences
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bilan_module_audiences_changed();
CREATE CONSTRAINT TRIGGER bilan_audience_renamed AFTER UPDATE OF slug ON audiences
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION bilan_audience_renamed();

-- The backfill.
INSERT INTO bilan_senior_modules (module_id)
SELECT DISTINCT ma.module_id FROM module_audiences ma JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants';

INSERT INTO bilan_tallies (module_id, session_key, month, made, done)
SELECT module_id, session_key, month, sum(made), sum(done)
FROM (SELECT e.module_id, coalesce(e.session_id, 0) AS session_key, bilan_month(e.created_at) AS month, 1 AS made, 0 AS done
      FROM enrolments e WHERE e.status <> 'cancelled'
      UNION ALL
      SELECT e.module_id, coalesce(e.session_id, 0), bilan_month(coalesce(e.completed_at, e.attendance_at, e.updated_at)), 0, 1
      FROM enrolments e WHERE e.status IN ('attended', 'completed')) d
GROUP BY 1, 2, 3;

INSERT INTO bilan_trained (user_id, followed, senior)
SELECT e.user_id, count(*), count(s.module_id)
FROM enrolments e LEFT JOIN bilan_senior_modules s ON s.module_id = e.module_id
WHERE e.status IN ('attended', 'completed') GROUP BY e.user_id;

INSERT INTO bilan_trained_counts (shard, agents, senior)
SELECT g, count(t.user_id), count(t.user_id) FILTER (WHERE t.senior > 0)
FROM generate_series(0, 15) g LEFT JOIN bilan_trained t ON t.user_id % 16 = g GROUP BY g;

ANALYZE bilan_tallies, bilan_senior_modules, bilan_trained, bilan_trained_counts;

-- +goose Down
DROP TRIGGER bilan_audience_renamed ON audiences;
DROP TRIGGER bilan_module_audiences ON module_audiences;
DROP TRIGGER bilan_enrolments_delete ON enrolments;
DROP TRIGGER bilan_enrolments_update ON enrolments;
DROP TRIGGER bilan_enrolments_insert ON enrolments;
DROP FUNCTION bilan_audience_renamed();
DROP FUNCTION bilan_module_audiences_changed();
DROP FUNCTION bilan_senior_sync(bigint);
DROP FUNCTION bilan_enrolments_insert();
DROP FUNCTION bilan_enrolments_update();
DROP FUNCTION bilan_enrolments_delete();
DROP FUNCTION bilan_trained_add(bigint[], integer[], integer[]);
DROP TABLE bilan_trained_counts;
DROP TABLE bilan_trained;
DROP TABLE bilan_senior_modules;
DROP TABLE bilan_tallies;
DROP FUNCTION bilan_month(timestamptz);
