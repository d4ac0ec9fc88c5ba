-- +goose Up
-- The admin's bilan of an administration (postgres.filteredSource), kept with the enrolments as the public bilan's
-- tallies are (migration 00025), instead of counting the administration's enrolments at every request (3.6 s for
-- the 1.7 M enrolments of the largest administration of the national dataset). The same definitions: an enrolment is
-- made unless cancelled, in the month (Europe/Paris) of its creation; followed when attended or completed, in the
-- month of coalesce(completed_at, attendance_at, updated_at). An enrolment counts for its agent's administration as
-- the agent's row says now (users.administration, as typed: the filter sums its spellings), as the live count does.
-- TestBilanTallies_FollowTheEnrolments compares both ways.
--
-- Two writers keep the tallies:
-- - every change of enrolments adds its difference under the administration its agents have (statement-level
--   triggers, like 00025's);
-- - a change of an agent's administration moves the agent's enrolments from the old administration to the new, and
--   an agent's deletion takes them away (the enrolments deleted with the agent then count for no administration).
-- An enrolment written while its agent moves is counted once, under the right administration, without a lock of
-- its own: every change of enrolments already updates its agents' rows (users.data_version, the triggers
-- enrolments_user_version_* of migration 00008), and the enrolment triggers below are named to fire after those
-- (the triggers of an event fire in the order of their names), so they read the agents' administrations with the
-- agents' rows locked. A move (an update of the agent's row) thus waits for the writers that got there first, and
-- reads their enrolments as committed; a writer that comes after waits for the move, then reads the new
-- administration and adds its difference to the rows the move carried over. A deletion of an agent likewise holds
-- the agent's row while it reads the enrolments.
-- A move (or deletion) writes rows of its own (xact: its transaction), never the writers' (xact 0): it holds the
-- agent's row, and a writer's transaction of several statements (the roster: an UPDATE per enrolment of a session)
-- may hold a tally of the agent's session and then wait for the agent's row; a move waiting for that tally would be
-- a deadlock (TestBilanTallies_MoveWhileATransactionWritesTheSession). The readers sum the rows of a key;
-- postgres.Store.Cleanup folds the moves' rows. Not supported: one statement (a data-modifying WITH) that changes both
-- an agent's administration and that agent's enrolments (both triggers would then see the other's change; none does).

-- Writers wait for the backfill (readers do not): nothing changes between the counting and the triggers.
LOCK TABLE enrolments, users IN SHARE MODE;

CREATE TABLE bilan_administration_tallies (
    administration text NOT NULL,
    module_id      bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    session_key    bigint NOT NULL,
    month          date NOT NULL,
    made           integer NOT NULL,
    done           integer NOT NULL,
    -- 0 for the enrolments' writers; the transaction of a move or a deletion of agents for theirs (see above); 1 for
    -- those rows once folded by postgres.Store.Cleanup (foldAdministrationMoves).
    xact           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (administration, module_id, session_key, month, xact)
);

-- +goose StatementBegin
-- bilan_administration_add adds the differences of changed enrolments c(administration, module_id, session_key,
-- status, sign, created_at, done_at), a row per tally, in the order of the key (two transactions lock rows in the
-- same order). A tally is per session (0 without one), as 00025's: the enrolments of a session, already serialised
-- by the session's row lock, meet no other lock. PL/pgSQL, whose plan is kept for the connection (a function in SQL
-- is planned again at every call: the enrolments' transactions were about 15 % slower).
CREATE FUNCTION bilan_administration_add(administrations text[], module_ids bigint[], session_keys bigint[], statuses text[],
                                         signs integer[], created_ats timestamptz[], done_ats timestamptz[],
                                         own_xact bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH c AS (SELECT * FROM unnest(administrations, module_ids, session_keys, statuses, signs, created_ats, done_ats)
                   AS c (administration, module_id, session_key, status, sign, created_at, done_at)),
    d AS (SELECT c.administration, c.module_id, c.session_key, bilan_month(c.created_at) AS month, c.sign AS made, 0 AS done
          FROM c WHERE c.status <> 'cancelled'
          UNION ALL
          SELECT c.administration, c.module_id, c.session_key, bilan_month(c.done_at), 0, c.sign FROM c
          WHERE c.status IN ('attended', 'completed'))
    INSERT INTO bilan_administration_tallies AS t (administration, module_id, session_key, month, made, done, xact)
    SELECT administration, module_id, session_key, month, sum(made), sum(done), own_xact FROM d GROUP BY 1, 2, 3, 4
    HAVING sum(made) <> 0 OR sum(done) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (administration, module_id, session_key, month, xact) DO UPDATE SET made = t.made + excluded.made, done = t.done + excluded.done;
END $$;
-- +goose StatementEnd

-- One trigger function per event (a trigger with transition tables has one event): the changed enrolments are the
-- new rows counted +1, the old ones -1, each under its agent's administration (an agent deleted in this transaction
-- is not found: bilan_administration_agent took its enrolments away). The triggers' names sort after
-- enrolments_user_version_* (see above).
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
CREATE FUNCTION bilan_administration_enrolments_%1$s() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM bilan_administration_add(array_agg(u.administration), array_agg(e.module_id), array_agg(coalesce(e.session_id, 0)),
        array_agg(e.status), array_agg(e.sign),
        array_agg(e.created_at), array_agg(coalesce(e.completed_at, e.attendance_at, e.updated_at)), 0)
    FROM (%2$s) e JOIN users u ON u.id = e.user_id;
    RETURN NULL;
END $fn$$f$, ev, src);
    END LOOP;
END $do$;
-- +goose StatementEnd

CREATE TRIGGER enrolments_whose_administration_insert AFTER INSERT ON enrolments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_administration_enrolments_insert();
CREATE TRIGGER enrolments_whose_administration_update AFTER UPDATE ON enrolments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_administration_enrolments_update();
CREATE TRIGGER enrolments_whose_administration_delete AFTER DELETE ON enrolments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bilan_administration_enrolments_delete();

-- +goose StatementBegin
-- bilan_administration_agent moves an agent's enrolments to its new administration (after the update: NEW is final),
-- or takes them away before the agent's deletion (its enrolments, deleted with it, then find no agent), with the
-- agent's row locked (see above); the enrolments are read as committed (a statement's own snapshot), through
-- enrolments_user_idx; into the rows of its own transaction (xact: it waits for no writer of the tallies).
CREATE FUNCTION bilan_administration_agent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bilan_administration_add(array_agg(x.administration), array_agg(e.module_id), array_agg(coalesce(e.session_id, 0)),
        array_agg(e.status), array_agg(x.sign),
        array_agg(e.created_at), array_agg(coalesce(e.completed_at, e.attendance_at, e.updated_at)),
        pg_current_xact_id()::text::bigint)
    FROM enrolments e
    CROSS JOIN (SELECT OLD.administration, -1 UNION ALL SELECT NEW.administration, 1 WHERE TG_OP = 'UPDATE') x (administration, sign)
    WHERE e.user_id = OLD.id;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER bilan_administration_agent_moved AFTER UPDATE OF administration ON users
    FOR EACH ROW WHEN (OLD.administration IS DISTINCT FROM NEW.administration) EXECUTE FUNCTION bilan_administration_agent();
CREATE TRIGGER bilan_administration_agent_deleted BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bilan_administration_agent();

-- The backfill.
INSERT INTO bilan_administration_tallies (administration, module_id, session_key, month, made, done)
SELECT administration, module_id, session_key, month, sum(made), sum(done)
FROM (SELECT u.administration, e.module_id, coalesce(e.session_id, 0) AS session_key, bilan_month(e.created_at) AS month,
             1 AS made, 0 AS done
      FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.status <> 'cancelled'
      UNION ALL
      SELECT u.administration, e.module_id, coalesce(e.session_id, 0), bilan_month(coalesce(e.completed_at, e.attendance_at, e.updated_at)), 0, 1
      FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.status IN ('attended', 'completed')) d
GROUP BY 1, 2, 3, 4;

ANALYZE bilan_administration_tallies;

-- +goose Down
DROP TRIGGER bilan_administration_agent_deleted ON users;
DROP TRIGGER bilan_administration_agent_moved ON users;
DROP TRIGGER enrolments_whose_administration_delete ON enrolments;
DROP TRIGGER enrolments_whose_administration_update ON enrolments;
DROP TRIGGER enrolments_whose_administration_insert ON enrolments;
DROP FUNCTION bilan_administration_agent();
DROP FUNCTION bilan_administration_enrolments_insert();
DROP FUNCTION bilan_administration_enrolments_update();
DROP FUNCTION bilan_administration_enrolments_delete();
DROP FUNCTION bilan_administration_add(text[], bigint[], bigint[], text[], integer[], timestamptz[], timestamptz[], bigint);
DROP TABLE bilan_administration_tallies;
