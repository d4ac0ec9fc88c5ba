-- +goose Up
-- Satisfaction surveys: "à chaud" once a training is followed (an attended session, a completed online module),
-- "à froid" 60 days later (a mail invites the agent). Answers belong to an enrolment (one of each kind), but no
-- page shows who answered what: trainers and the bilan see aggregates of at least 5 answers, admins aggregates
-- and the free comments, each moderated before anyone else sees it.
CREATE TABLE survey_answers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id   bigint NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('chaud', 'froid')),
    satisfaction   smallint CHECK (satisfaction BETWEEN 1 AND 5),
    usefulness     smallint NOT NULL CHECK (usefulness BETWEEN 1 AND 5),
    recommend      boolean,
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    comment_status text NOT NULL DEFAULT '' CHECK (comment_status IN ('', 'pending', 'published', 'rejected')),
    answered_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enrolment_id, kind),
    CHECK (kind = 'froid' OR (satisfaction IS NOT NULL AND recommend IS NOT NULL)),
    CHECK ((comment = '') = (comment_status = ''))
);
CREATE INDEX survey_answers_pending_idx ON survey_answers (answered_at) WHERE comment_status = 'pending';
CREATE INDEX survey_answers_answered_idx ON survey_answers (answered_at);

-- The "à froid" invitation was queued (once).
ALTER TABLE enrolments ADD COLUMN cold_survey_sent_at timestamptz;

-- +goose Down
ALTER TABLE enrolments DROP COLUMN cold_survey_sent_at;
DROP TABLE survey_answers;
