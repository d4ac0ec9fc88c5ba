-- +goose Up
-- An enrolment's session is a session of the enrolment's module. The store always takes both from the same session
-- row, but nothing in the database said so: an enrolment whose module_id differed from its session's would be
-- counted under one module by the pages and the rosters and under the other by the bilan's tallies and the senior
-- sync (migration 00025 re-reads a module's enrolments through the module and session indexes). The composite key
-- makes such a row impossible; enrolments without a session (self-paced modules, track enrolments waiting for a
-- date) are not checked (MATCH SIMPLE). TestEnrolment_SessionOfItsModule.
ALTER TABLE module_sessions ADD CONSTRAINT module_sessions_id_module_key UNIQUE (id, module_id);
ALTER TABLE enrolments ADD CONSTRAINT enrolments_session_module_fkey
    FOREIGN KEY (session_id, module_id) REFERENCES module_sessions (id, module_id);

-- +goose Down
ALTER TABLE enrolments DROP CONSTRAINT enrolments_session_module_fkey;
ALTER TABLE module_sessions DROP CONSTRAINT module_sessions_id_module_key;
