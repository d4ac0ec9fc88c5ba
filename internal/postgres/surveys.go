package postgres

// Satisfaction surveys (migration 00016, rules in internal/enrolment/survey.go). No function here returns who
// answered what: answers come out as aggregates, and comments without their author.

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/enrolment"
)

// AnswerSurvey records an agent's answer about their own enrolment (another's is apperr.ErrNotFound); a comment
// waits for moderation. Refusals: not followed yet, too early for "à froid", already answered, invalid notes.
func (s *Store) AnswerSurvey(ctx context.Context, userID, enrolmentID int64, a enrolment.SurveyAnswer) error {
	e, err := oneEnrolment(ctx, s.pool, `WHERE e.id = $1 AND e.user_id = $2`, enrolmentID, userID)
	if err != nil {
		return fmt.Errorf("postgres.AnswerSurvey: %w", err)
	}
	if err := enrolment.CheckSurvey(e, a, time.Now()); err != nil {
		return err
	}
	var sat *int
	var rec *bool
	if a.Kind == enrolment.SurveyHot {
		sat, rec = &a.Satisfaction, &a.Recommend
	}
	status := ""
	if a.Comment != "" {
		status = enrolment.CommentPending
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO survey_answers (enrolment_id, kind, satisfaction, usefulness, recommend, comment, comment_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (enrolment_id, kind) DO NOTHING`,
		e.ID, a.Kind, sat, a.Usefulness, rec, a.Comment, status)
	if err != nil {
		return fmt.Errorf("postgres.AnswerSurvey: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return enrolment.ErrSurveyAnswered
	}
	return nil
}

// SurveysAnswered returns, for the given enrolments, the kinds of survey answered (enrolment id → kind → true).
func (s *Store) SurveysAnswered(ctx context.Context, enrolmentIDs []int64) (map[int64]map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT enrolment_id, kind FROM survey_answers WHERE enrolment_id = ANY($1)`, enrolmentIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveysAnswered: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, fmt.Errorf("postgres.SurveysAnswered: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][kind] = true
	}
	return out, rows.Err()
}

// coldSurveysDue are the enrolments whose cold survey is due ($1: the delay, $2: the window, in seconds), five
// hundred at a time (index enrolments_cold_survey_idx, 00024).
const coldSurveysDue = `SELECT e.id FROM enrolments e
	WHERE e.status IN ('attended', 'completed') AND e.cold_survey_sent_at IS NULL
	  AND coalesce(e.completed_at, e.attendance_at) <= now() - make_interval(secs => $1)
	  AND coalesce(e.completed_at, e.attendance_at) > now() - make_interval(secs => $1 + $2)
	  AND NOT EXISTS (SELECT 1 FROM survey_answers a WHERE a.enrolment_id = e.id AND a.kind = 'froid')
	ORDER BY e.id LIMIT 500`

// QueueColdSurveys mails the "à froid" invitation of every training followed enrolment.ColdSurveyDelay ago
// (within enrolment.ColdSurveyWindow), once. Safe with several instances (SKIP LOCKED). It returns how many.
func (s *Store) QueueColdSurveys(ctx context.Context) (int, error) {
	n, err := s.mailDue(ctx, s.mails, enrolment.KindColdSurvey, `WITH due AS (`+coldSurveysDue+` FOR UPDATE OF e SKIP LOCKED)
		UPDATE enrolments e SET cold_survey_sent_at = now() FROM due WHERE e.id = due.id RETURNING e.id`,
		enrolment.ColdSurveyDelay.Seconds(), enrolment.ColdSurveyWindow.Seconds())
	if err != nil {
		return 0, fmt.Errorf("postgres.QueueColdSurveys: %w", err)
	}
	return n, nil
}

// SurveyFilter narrows the results: a period of answers (zero: no bound), a module, session, trainer or domain
// (0: all), a kind ("" : both).
type SurveyFilter struct {
	From, To                               time.Time
	ModuleID, SessionID, TrainerID, Domain int64
	Kind                                   string
}

const surveyFrom = ` FROM survey_answers a JOIN enrolments e ON e.id = a.enrolment_id JOIN modules m ON m.id = e.module_id
	LEFT JOIN module_sessions ms ON ms.id = e.session_id`

func surveyWhere(f SurveyFilter) (string, []any) {
	return ` WHERE ($1::timestamptz IS NULL OR a.answered_at >= $1) AND ($2::timestamptz IS NULL OR a.answered_at < $2)
		AND ($3 = 0 OR e.module_id = $3) AND ($4 = 0 OR e.session_id = $4) AND ($5 = 0 OR ms.trainer_id = $5)
		AND ($6 = 0 OR m.domain_id = $6) AND ($7 = '' OR a.kind = $7)`,
		[]any{timeArg(f.From), timeArg(f.To), f.ModuleID, f.SessionID, f.TrainerID, f.Domain, f.Kind}
}

func timeArg(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

const resultsColumns = `count(*), coalesce(sum(a.satisfaction), 0), count(a.satisfaction), coalesce(sum(a.usefulness), 0),
	count(*) FILTER (WHERE a.recommend)`

func resultsDest(r *enrolment.Results) []any {
	return []any{&r.Answers, &r.SatisfactionSum, &r.Satisfied, &r.UsefulnessSum, &r.Recommend}
}

// SurveyResults aggregates the answers the filter selects.
func (s *Store) SurveyResults(ctx context.Context, f SurveyFilter) (enrolment.Results, error) {
	var r enrolment.Results
	where, args := surveyWhere(f)
	if err := s.pool.QueryRow(ctx, `SELECT `+resultsColumns+surveyFrom+where, args...).Scan(resultsDest(&r)...); err != nil {
		return r, fmt.Errorf("postgres.SurveyResults: %w", err)
	}
	return r, nil
}

// SurveyRow is the results of one module, session, trainer or domain.
type SurveyRow struct {
	ID      int64
	Label   string
	Results enrolment.Results
}

// SurveyResultsBy aggregates the answers the filter selects per "module", "session", "trainer" or "domain".
func (s *Store) SurveyResultsBy(ctx context.Context, by string, f SurveyFilter) ([]SurveyRow, error) {
	var key, label, join string
	switch by {
	case "session":
		key, label = `ms.id`, `m.title || ' – ' || to_char(ms.starts_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY')`
	case "trainer":
		key, label = `u.id`, `CASE WHEN btrim(u.given_name || ' ' || u.usual_name) = '' THEN u.email ELSE btrim(u.given_name || ' ' || u.usual_name) END`
		join = ` JOIN users u ON u.id = ms.trainer_id`
	case "domain":
		key, label = `d.id`, `d.title`
		join = ` JOIN domains d ON d.id = m.domain_id`
	default:
		key, label = `m.id`, `m.title`
	}
	where, args := surveyWhere(f)
	rows, err := s.pool.Query(ctx, `SELECT `+key+`, min(`+label+`), `+resultsColumns+surveyFrom+join+where+
		` AND `+key+` IS NOT NULL GROUP BY `+key+` ORDER BY min(`+label+`) COLLATE "fr-x-icu"`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyResultsBy: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SurveyRow, error) {
		var x SurveyRow
		err := r.Scan(append([]any{&x.ID, &x.Label}, resultsDest(&x.Results)...)...)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyResultsBy: %w", err)
	}
	return out, nil
}

// SurveyComment is a free comment without its author.
type SurveyComment struct {
	ID         int64
	Module     string
	Kind       string
	Text       string
	Status     string
	AnsweredAt time.Time
}

// SurveyComments returns the comments of a moderation status (enrolment.CommentPending…), oldest first for
// the pending ones, newest first otherwise, at most 200.
func (s *Store) SurveyComments(ctx context.Context, status string, f SurveyFilter) ([]SurveyComment, error) {
	where, args := surveyWhere(f)
	order := ` ORDER BY a.answered_at DESC, a.id DESC`
	if status == enrolment.CommentPending {
		order = ` ORDER BY a.answered_at, a.id`
	}
	rows, err := s.pool.Query(ctx, `SELECT a.id, m.title, a.kind, a.comment, a.comment_status, a.answered_at`+surveyFrom+where+
		` AND a.comment_status = $8`+order+` LIMIT 200`, append(args, status)...)
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyComments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SurveyComment, error) {
		var c SurveyComment
		err := r.Scan(&c.ID, &c.Module, &c.Kind, &c.Text, &c.Status, &c.AnsweredAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyComments: %w", err)
	}
	return out, nil
}

// ModerateComment publishes or rejects a comment (audit log: entity survey_comment, without its author).
func (s *Store) ModerateComment(ctx context.Context, actor admin.Actor, id int64, publish bool) error {
	status := enrolment.CommentRejected
	if publish {
		status = enrolment.CommentPublished
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var module string
		if err := tx.QueryRow(ctx, `UPDATE survey_answers a SET comment_status = $2 FROM enrolments e JOIN modules m ON m.id = e.module_id
			WHERE a.id = $1 AND e.id = a.enrolment_id AND a.comment <> '' RETURNING m.title`, id, status).Scan(&module); err != nil {
			return notFound(err)
		}
		return Audit(ctx, tx, actor, "survey_comment", id, module, "moderate", nil, map[string]string{"Commentaire": enrolment.CommentStatusLabel(status)})
	})
	if err != nil {
		return fmt.Errorf("postgres.ModerateComment: %w", err)
	}
	return nil
}

// SurveyExport returns every answer of the filter for the CSV export, without who answered: module, session
// reference and date, kind, notes, and the comment only once published.
func (s *Store) SurveyExport(ctx context.Context, f SurveyFilter) ([][]string, error) {
	where, args := surveyWhere(f)
	rows, err := s.pool.Query(ctx, `SELECT m.title, coalesce(ms.ref, ''), coalesce(to_char(ms.starts_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'), ''),
			a.kind, coalesce(a.satisfaction::text, ''), a.usefulness::text,
			CASE WHEN a.recommend IS NULL THEN '' WHEN a.recommend THEN 'oui' ELSE 'non' END,
			CASE WHEN a.comment_status = 'published' THEN a.comment ELSE '' END,
			to_char(a.answered_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD')`+surveyFrom+where+` ORDER BY a.answered_at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyExport: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]string, error) {
		rec := make([]string, 9)
		err := r.Scan(&rec[0], &rec[1], &rec[2], &rec[3], &rec[4], &rec[5], &rec[6], &rec[7], &rec[8])
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.SurveyExport: %w", err)
	}
	return out, nil
}
