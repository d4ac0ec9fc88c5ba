package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/programme"
)

// What the tests of this package reach beyond the store's exported methods (test builds only).

// MarkCompletion marks one online module's enrolment completed (done) or back in progress, as the back-office's
// MarkCompletions does for each of its enrolments, without naming the module (so that a session's enrolment
// meets the refusal rather than "not found").
func (s *Store) MarkCompletion(ctx context.Context, enrolmentID int64, done bool) (enrolment.Enrolment, error) {
	var e enrolment.Enrolment
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		var err error
		if e, err = oneEnrolment(ctx, tx, `WHERE e.id = $1 FOR UPDATE OF e`, enrolmentID); err != nil {
			return err
		}
		e, _, err = markCompletion(ctx, tx, e, done)
		return err
	})
	if err != nil {
		return e, fmt.Errorf("postgres.MarkCompletion: %w", err)
	}
	return e, nil
}

// AdminCancelEnrolment is an admin cancelling an agent's active enrolment, with no cut-off (but not once the
// session has started); the freed seat is given to the waitlist as for the agent, and the agent is told by mail.
func (s *Store) AdminCancelEnrolment(ctx context.Context, enrolmentID int64) (enrolment.Enrolment, error) {
	e, err := s.cancel(ctx, enrolmentID, 0, enrolment.ReasonAdmin, s.mails)
	if err != nil {
		return e, fmt.Errorf("postgres.AdminCancelEnrolment: %w", err)
	}
	return e, nil
}

// ExplainSearch returns the query plans (EXPLAIN, without running them) of a search's statements: "facets",
// "results" and "corrections". A diagnostic for benchmarks and operators: plans must use the GIN and trigram
// indexes.
func (s *Store) ExplainSearch(ctx context.Context, q catalogue.SearchQuery) (map[string]string, error) {
	args := append(searchArgs(q.Text, "", q.Filters), catalogue.SearchPageSize, 0, headlineOptions)
	stmts := map[string]struct {
		sql  string
		args []any
	}{
		"facets":      {facetSQL(q.Text != ""), args[:10]},
		"results":     {resultsSQL(q.Text != "", q.EffectiveSort()), args},
		"corrections": {correctionsSQL, []any{catalogue.SearchWords(q.Text)}},
	}
	out := map[string]string{}
	for name, st := range stmts {
		rows, err := s.pool.Query(ctx, "EXPLAIN "+st.sql, st.args...)
		if err != nil {
			return nil, fmt.Errorf("postgres.ExplainSearch: %s: %w", name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("postgres.ExplainSearch: %s: %w", name, err)
		}
		out[name] = strings.Join(lines, "\n")
	}
	return out, nil
}

// HousekeepingPlans are the plans of the periodic jobs' candidate queries, with sequential scans off so that a
// plan shows whether an index can serve the query at all (its expression and predicate match).
func (s *Store) HousekeepingPlans(ctx context.Context) (map[string]string, error) {
	return s.plans(ctx, map[string]explained{
		"inactiveAccounts": {inactiveAccounts, nil},
		"coldSurveysDue":   {coldSurveysDue, []any{3600.0, 86400.0}},
	})
}

// explained is a query and its parameters, for plans.
type explained struct {
	sql  string
	args []any
}

// plans are the plans (EXPLAIN, not run) of queries, by name, with sequential scans off.
func (s *Store) plans(ctx context.Context, queries map[string]explained) (map[string]string, error) {
	out := map[string]string{}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		for name, q := range queries {
			rows, err := tx.Query(ctx, "EXPLAIN "+q.sql, q.args...)
			if err != nil {
				return err
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			out[name] = strings.Join(lines, "\n")
		}
		return nil
	})
	return out, err
}

// LiveBilan is Bilan counted straight over the enrolments whatever the filter, each indicator filtering them as
// the bilan did before the tallies (migration 00025) and the filtered rows (migration 00028): the slow reference
// the tallies and the filtered bilan are compared with. It shares only the indicators' GROUP BY queries with them.
func (s *Store) LiveBilan(ctx context.Context, f programme.BilanFilter, months []time.Time) (programme.Bilan, error) {
	return s.bilan(ctx, f, months, s.liveSource(f))
}

// The enrolments the live reference counts: not cancelled, of the administration ($3; without one, users are not
// read). Parameters: filterArgs.
const (
	liveEnrolmentsAll = `(SELECT e.id, e.user_id, e.module_id, e.status, e.created_at,
		coalesce(e.completed_at, e.attendance_at, e.updated_at) AS done_at
	FROM enrolments e WHERE e.status <> 'cancelled' AND $3::text[] IS NULL)`
	liveEnrolmentsOf = `(SELECT e.id, e.user_id, e.module_id, e.status, e.created_at,
		coalesce(e.completed_at, e.attendance_at, e.updated_at) AS done_at
	FROM enrolments e JOIN users u ON u.id = e.user_id
	WHERE e.status <> 'cancelled' AND u.administration = ANY($3))`
	// Made in the period; followed in the period.
	liveMade = `(e.created_at >= coalesce($1::timestamptz, '-infinity') AND e.created_at < coalesce($2::timestamptz, 'infinity'))`
	liveDone = `(e.status IN ('attended', 'completed') AND e.done_at >= coalesce($1::timestamptz, '-infinity')
		AND e.done_at < coalesce($2::timestamptz, 'infinity'))`
)

// liveSource counts the enrolments of the filter in every query.
func (s *Store) liveSource(f programme.BilanFilter) bilanSource {
	src := bilanSource{from: liveEnrolmentsAll, made: `count(e.id) FILTER (WHERE ` + liveMade + `)`,
		done: `count(e.id) FILTER (WHERE ` + liveDone + `)`, madeMonth: `bilan_month(e.created_at)`,
		doneMonth: `bilan_month(e.done_at)`, args: filterArgs(f)}
	if f.Administration != "" {
		src.from = liveEnrolmentsOf
	}
	src.trained = func(ctx context.Context) (agents, senior int, err error) {
		err = s.pool.QueryRow(ctx, `SELECT count(DISTINCT e.user_id) FILTER (WHERE `+liveDone+`),
			count(DISTINCT e.user_id) FILTER (WHERE `+liveDone+` AND e.module_id IN (SELECT ma.module_id FROM module_audiences ma
				JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants'))
			FROM `+src.from+` e`, src.args...).Scan(&agents, &senior)
		return agents, senior, err
	}
	return src
}

// FilteredBilanPlans are the plans (EXPLAIN, not run) of the filtered bilan's queries of f ("rows" and "trained"),
// with sequential scans off so that a plan shows whether the indexes of migration 00028 serve them at all.
func (s *Store) FilteredBilanPlans(ctx context.Context, f programme.BilanFilter) (map[string]string, error) {
	var agents []int64
	if f.Administration != "" {
		if err := s.pool.QueryRow(ctx, bilanAgentsSQL, append([]string{}, f.Spellings...)).Scan(&agents); err != nil {
			return nil, err
		}
	}
	queries := map[string]explained{}
	for name, q := range map[string]func(programme.BilanFilter, []int64) (string, []any){"rows": filteredRowsSQL, "trained": filteredTrainedSQL} {
		sql, args := q(f, agents)
		queries[name] = explained{sql, append([]any{pgx.QueryExecModeExec}, args...)}
	}
	return s.plans(ctx, queries)
}
