package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"campus/internal/catalogue"
	"campus/internal/programme"
	"campus/internal/trainer"
)

// The results (bilan): one GROUP BY query per indicator (run concurrently), with the definitions of
// internal/programme/bilan.go. The enrolment indicators read tally-shaped rows e(module_id, month, made, done):
// an enrolment is made unless cancelled, in the month (Europe/Paris, bilan_month) of its creation; it is followed
// when attended or completed, in the month of coalesce(completed_at, attendance_at, updated_at). Without a filter
// the rows are the tallies the enrolments' triggers keep (migration 00025: bilan_tallies by module, session and
// month; the trained agents in bilan_trained_counts), never the enrolments. With a period or an administration
// the rows of the filter are computed once per bilan (filteredSource: the whole months of a period from the
// tallies, those of an administration from its own tallies, migration 00030; the rest from the enrolments through
// the indexes of migration 00028) and handed to the indicators' queries as arrays: the same queries either way.

// bilanDoneAt is when an enrolment was followed (attended or completed).
const bilanDoneAt = `coalesce(e.completed_at, e.attendance_at, e.updated_at)`

// bilanSource is where the enrolment figures are read: the rows e of from (a subquery), joined on e.module_id,
// give made and followed enrolments (aggregates) and their months (madeMonth, doneMonth); args are the parameters
// of from; trained gives the agents trained and the senior executives trained.
type bilanSource struct {
	from, made, done, madeMonth, doneMonth string
	args                                   []any
	trained                                func(context.Context) (agents, senior int, err error)
}

// tallyShaped reads rows e(module_id, month, made, done) from from.
func tallyShaped(from string, args []any, trained func(context.Context) (int, int, error)) bilanSource {
	return bilanSource{from: from, made: `coalesce(sum(e.made), 0)`, done: `coalesce(sum(e.done), 0)`,
		madeMonth: `e.month`, doneMonth: `e.month`, args: args, trained: trained}
}

// bilanTallies reads the tallies (one row per module, session and month).
func (s *Store) bilanTallies() bilanSource {
	return tallyShaped(`(SELECT * FROM bilan_tallies)`, nil, func(ctx context.Context) (agents, senior int, err error) {
		err = s.pool.QueryRow(ctx, `SELECT coalesce(sum(agents), 0), coalesce(sum(senior), 0) FROM bilan_trained_counts`).Scan(&agents, &senior)
		return agents, senior, err
	})
}

// filterArgs are the filter as parameters: $1 the start of the period (NULL: none), $2 its end, exclusive (NULL:
// none), $3 the administration's spellings (NULL: every administration; none: no one).
func filterArgs(f programme.BilanFilter) []any {
	args := []any{nil, nil, nil}
	if t := f.Start(); !t.IsZero() {
		args[0] = t
	}
	if t := f.End(); !t.IsZero() {
		args[1] = t
	}
	if f.Administration != "" {
		args[2] = append([]string{}, f.Spellings...) // no spelling: nothing matches
	}
	return args
}

// Bilan computes the figures for a filter; months are the months of the monthly indicator.
func (s *Store) Bilan(ctx context.Context, f programme.BilanFilter, months []time.Time) (programme.Bilan, error) {
	if f.Start().IsZero() && f.End().IsZero() && f.Administration == "" {
		return s.bilan(ctx, f, months, s.bilanTallies())
	}
	src, err := s.filteredSource(ctx, f)
	if err != nil {
		return programme.Bilan{}, fmt.Errorf("postgres.Bilan: %w", err)
	}
	return s.bilan(ctx, f, months, src)
}

// bilanSpan is a half-open span of time [from, until); a zero bound is no bound.
type bilanSpan struct{ from, until time.Time }

// monthStart is the first instant of t's month in Paris.
func monthStart(t time.Time) time.Time {
	t = t.In(catalogue.Paris)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, catalogue.Paris)
}

// bilanSpans splits the filter's period: the whole months (Paris) it holds, read from the tallies (ok false: none),
// and the spans counted over the enrolments (the days before its first whole month and after its last; the whole
// period when no month is read from the tallies).
func bilanSpans(f programme.BilanFilter) (tallies bilanSpan, ok bool, live []bilanSpan) {
	start, end := f.Start(), f.End()
	first, last := start, end
	if !start.IsZero() {
		if first = monthStart(start); first.Before(start) {
			first = first.AddDate(0, 1, 0)
		}
	}
	if !end.IsZero() {
		last = monthStart(end)
	}
	if !first.IsZero() && !last.IsZero() && !first.Before(last) {
		return bilanSpan{}, false, []bilanSpan{{start, end}}
	}
	if !start.IsZero() && start.Before(first) {
		live = append(live, bilanSpan{start, first})
	}
	if !end.IsZero() && last.Before(end) {
		live = append(live, bilanSpan{last, end})
	}
	return bilanSpan{first, last}, true, live
}

// bilanAgentsSQL is the agents of an administration ($1, its spellings) as a bitmap: bit user_id & 63 of element
// (user_id >> 6) + 1. The enrolments of the administration are then those whose bit is set (bilanOfAgents): an
// array lookup for each enrolment read through the period's index, where a join with the agents (a hash table of
// 167,000 agents on the national dataset, out of the processor's caches) cost three times the index scan.
const bilanAgentsSQL = `SELECT coalesce(array_agg(coalesce(w.bits, 0) ORDER BY g.word), '{}')
	FROM generate_series(0, (SELECT coalesce(max(id), 0) >> 6 FROM users)) g (word)
	LEFT JOIN (SELECT u.id >> 6 AS word, bit_or(1::bigint << (u.id & 63)::int) AS bits FROM users u
		WHERE u.administration = ANY($1::text[]) GROUP BY 1) w ON w.word = g.word`

// bilanOfAgents keeps the rows e whose agent is in the bitmap $1 (bilanAgentsSQL; an agent beyond it is not).
func bilanOfAgents(e string) string {
	return ` AND (($1::bigint[])[(` + e + `.user_id >> 6) + 1] >> (` + e + `.user_id & 63)::int) & 1 = 1`
}

// bilanParams are the parameters of a filter's query, numbered as they are added.
type bilanParams struct{ args []any }

// arg adds a parameter and returns its placeholder.
func (p *bilanParams) arg(v any) string {
	p.args = append(p.args, v)
	return fmt.Sprintf("$%d", len(p.args))
}

// newBilanParams starts the parameters of a filter's query: with an administration, its bitmap (agents) is $1 and
// of keeps the rows e of its agents (bilanOfAgents); without one, of is empty.
func newBilanParams(f programme.BilanFilter, agents []int64) (p *bilanParams, of string) {
	p = &bilanParams{}
	if f.Administration != "" {
		p.arg(agents)
		of = bilanOfAgents("e")
	}
	return p, of
}

// filteredRowsSQL is the query of the rows (module_id, month, made, done) of a filter with a period or an
// administration, and its parameters; agents is the administration's bitmap (bilanAgentsSQL; nil: none).
func filteredRowsSQL(f programme.BilanFilter, agents []int64) (string, []any) {
	tallies, ok, live := bilanSpans(f)
	p, of := &bilanParams{}, ""
	if len(live) > 0 { // the bitmap, for the enrolments read
		p, of = newBilanParams(f, agents)
	}
	within := func(at string, sp bilanSpan) string {
		c := ""
		if !sp.from.IsZero() {
			c += ` AND ` + at + ` >= ` + p.arg(sp.from) + `::timestamptz`
		}
		if !sp.until.IsZero() {
			c += ` AND ` + at + ` < ` + p.arg(sp.until) + `::timestamptz`
		}
		return c
	}
	var parts []string
	if ok {
		// The tallies of the whole filter (migration 00025), or of its administration's spellings (00030).
		from := `bilan_tallies t WHERE true`
		if f.Administration != "" {
			from = `bilan_administration_tallies t WHERE t.administration = ANY(` + p.arg(append([]string{}, f.Spellings...)) + `::text[])`
		}
		c := ""
		if !tallies.from.IsZero() {
			c += ` AND t.month >= ` + p.arg(tallies.from.Format(time.DateOnly)) + `::date`
		}
		if !tallies.until.IsZero() {
			c += ` AND t.month < ` + p.arg(tallies.until.Format(time.DateOnly)) + `::date`
		}
		parts = append(parts, `SELECT t.module_id, t.month, t.made::bigint, t.done::bigint FROM `+from+c)
	}
	for _, sp := range live {
		parts = append(parts,
			`SELECT e.module_id, bilan_month(e.created_at), count(*), 0 FROM enrolments e
			WHERE e.status <> 'cancelled'`+within(`e.created_at`, sp)+of+` GROUP BY 1, 2`,
			`SELECT e.module_id, bilan_month(`+bilanDoneAt+`), 0, count(*) FROM enrolments e
			WHERE e.status IN ('attended', 'completed')`+within(bilanDoneAt, sp)+of+` GROUP BY 1, 2`)
	}
	return `SELECT x.module_id, x.month, sum(x.made)::int, sum(x.done)::int FROM (` + strings.Join(parts, `
		UNION ALL `) + `) x (module_id, month, made, done) GROUP BY 1, 2 HAVING sum(x.made) <> 0 OR sum(x.done) <> 0`, p.args
}

// filteredTrainedSQL is the query of the agents who followed a training in the filter's period (of its
// administration: agents is its bitmap, nil without one), and of those among them who followed a module for
// senior executives, and its parameters. Without a period, an administration's are its agents with a followed
// enrolment as the tallies count them (bilan_trained, kept with the enrolments: no enrolment read). Within a
// period, the followed enrolments are counted by agent in words of 64 agents (user_id >> 6, a bit per agent): the
// hash table holds one entry per 64 ids instead of one per agent, and the agents are the bits set, exactly (one
// year on the national dataset: 4.8 M enrolments, 540,000 agents; 1.7 s instead of 2.6 s).
func filteredTrainedSQL(f programme.BilanFilter, agents []int64) (string, []any) {
	p, of := newBilanParams(f, agents)
	if f.Start().IsZero() && f.End().IsZero() {
		return `SELECT count(*) FILTER (WHERE t.followed > 0), count(*) FILTER (WHERE t.senior > 0)
			FROM bilan_trained t WHERE true` + bilanOfAgents("t"), p.args
	}
	c := ""
	if t := f.Start(); !t.IsZero() {
		c += ` AND ` + bilanDoneAt + ` >= ` + p.arg(t) + `::timestamptz`
	}
	if t := f.End(); !t.IsZero() {
		c += ` AND ` + bilanDoneAt + ` < ` + p.arg(t) + `::timestamptz`
	}
	return `SELECT coalesce(sum(bit_count(x.agents::bit(64))), 0), coalesce(sum(bit_count(x.senior::bit(64))), 0) FROM (
		SELECT e.user_id >> 6, bit_or(1::bigint << (e.user_id & 63)::int) AS agents,
			bit_or(1::bigint << (e.user_id & 63)::int) FILTER (WHERE e.module_id IN (SELECT ma.module_id FROM module_audiences ma
				JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants')) AS senior
		FROM enrolments e
		WHERE e.status IN ('attended', 'completed')` + c + of + ` GROUP BY 1) x`, p.args
}

// filteredSource computes the rows and the trained agents of a filter with a period or an administration, once
// (the administration's agents first, then two queries at once), for every indicator. Each query is planned with
// its values (QueryExecModeExec: a period of a day and the whole history do not take the same plan), without JIT
// compilation (0.03–2.5 s of compiling for a query of a second or less) and with the memory to aggregate without
// temporary files.
func (s *Store) filteredSource(ctx context.Context, f programme.BilanFilter) (bilanSource, error) {
	read := func(ctx context.Context, what, sql string, args []any, scan func(pgx.Rows) error) error {
		err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			// The enrolments read are aggregated in parallel workers, each its part of the range (partial hash
			// aggregates): the planner, which takes user_id >> 6 for as many groups as agents and the bitmap of an
			// administration for a few rows, would aggregate them in one process, or sort them (one year on the
			// national dataset: the agents trained in 1.2 s instead of 1.9 s).
			if _, err := tx.Exec(ctx, `SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true),
				set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true),
				set_config('enable_sort', 'off', true)`); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	var agents []int64
	if f.Administration != "" {
		err := read(ctx, "agents of the administration", bilanAgentsSQL, []any{append([]string{}, f.Spellings...)},
			func(rows pgx.Rows) error { return rows.Scan(&agents) })
		if err != nil {
			return bilanSource{}, err
		}
	}
	var modules []int64
	var months []time.Time
	var made, done []int32
	var trained, senior int
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		sql, args := filteredRowsSQL(f, agents)
		var m int64
		var month time.Time
		var a, b int32
		return read(gctx, "rows of the filter", sql, args, func(rows pgx.Rows) error {
			if err := rows.Scan(&m, &month, &a, &b); err != nil {
				return err
			}
			modules, months, made, done = append(modules, m), append(months, month), append(made, a), append(done, b)
			return nil
		})
	})
	g.Go(func() error {
		sql, args := filteredTrainedSQL(f, agents)
		return read(gctx, "agents trained of the filter", sql, args, func(rows pgx.Rows) error { return rows.Scan(&trained, &senior) })
	})
	if err := g.Wait(); err != nil {
		return bilanSource{}, err
	}
	return tallyShaped(`(SELECT * FROM unnest($1::bigint[], $2::date[], $3::int[], $4::int[]) AS e (module_id, month, made, done))`,
		[]any{modules, months, made, done}, func(context.Context) (int, int, error) { return trained, senior, nil }), nil
}

func (s *Store) bilan(ctx context.Context, f programme.BilanFilter, months []time.Time, src bilanSource) (programme.Bilan, error) {
	b := programme.Bilan{GeneratedAt: time.Now(), Filter: f}
	args := filterArgs(f) // the filter, for the figures that are not enrolments (licences)

	indicators := make([]programme.Indicator, 6)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := s.pool.QueryRow(ctx, `SELECT `+src.made+`, `+src.done+` FROM `+src.from+` e`, src.args...).Scan(&b.Enrolments, &b.Completions); err != nil {
			return fmt.Errorf("key figures: %w", err)
		}
		var err error
		b.AgentsTrained, b.SeniorTrained, err = src.trained(ctx)
		return err
	})
	g.Go(func() error {
		return s.pool.QueryRow(ctx, `SELECT count(*) FROM licence_requests r WHERE r.allocated_at IS NOT NULL
			  AND r.allocated_at >= coalesce($1::timestamptz, '-infinity') AND r.allocated_at < coalesce($2::timestamptz, 'infinity')
			  AND ($3::text[] IS NULL OR r.administration = ANY($3))`, args...).Scan(&b.Licences)
	})
	g.Go(func() (err error) {
		b.ProgrammeParticipants, b.SeniorDeclared, err = s.ProgrammeParticipants(ctx, f)
		return err
	})
	enrolmentIndicator := func(i int, id, title, categories, join string) {
		g.Go(func() error {
			rows, err := s.pool.Query(ctx, `SELECT c.key, c.label, `+src.made+`, `+src.done+`
				FROM `+categories+` c `+join+` LEFT JOIN `+src.from+` e ON e.module_id = m.id
				GROUP BY c.key, c.label, c.position ORDER BY c.position, c.label`, src.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			in := programme.Indicator{ID: id, Title: title, Unit: "inscriptions", Series: programme.EnrolmentSeries}
			in.Rows, err = collectRows(rows)
			indicators[i] = in
			return err
		})
	}
	enrolmentIndicator(0, programme.IndicatorByDomain, "Inscriptions et formations suivies par domaine",
		`(SELECT id, slug AS key, title AS label, position FROM domains WHERE status IN ('published', 'coming'))`,
		`LEFT JOIN modules m ON m.domain_id = c.id`)
	enrolmentIndicator(1, programme.IndicatorByAudience, "Inscriptions et formations suivies par public",
		`(SELECT id, slug AS key, label, position FROM audiences)`,
		`LEFT JOIN module_audiences ma ON ma.audience_id = c.id LEFT JOIN modules m ON m.id = ma.module_id`)
	enrolmentIndicator(2, programme.IndicatorByFormat, "Inscriptions et formations suivies par format",
		`(SELECT f AS key, CASE f WHEN 'en_ligne' THEN 'En ligne' WHEN 'presentiel' THEN 'Présentiel' ELSE 'Hybride' END AS label, n AS position
		  FROM unnest(ARRAY['en_ligne', 'presentiel', 'hybride']) WITH ORDINALITY AS x(f, n))`,
		`LEFT JOIN modules m ON m.format = c.key`)
	g.Go(func() error {
		in := programme.Indicator{ID: programme.IndicatorByMonth, Title: "Inscriptions et formations suivies par mois", Unit: "inscriptions",
			Series: programme.EnrolmentSeries}
		if len(months) == 0 {
			indicators[3] = in
			return nil
		}
		first := months[0]
		last := months[len(months)-1]
		n := len(src.args)
		rows, err := s.pool.Query(ctx, fmt.Sprintf(`
			WITH months AS (SELECT generate_series($%d::date, $%d::date, interval '1 month')::date AS m),
			ef AS `+src.from+`,
			made AS (SELECT `+src.madeMonth+` AS m, `+src.made+` AS n FROM ef e GROUP BY 1),
			done AS (SELECT `+src.doneMonth+` AS m, `+src.done+` AS n FROM ef e GROUP BY 1)
			SELECT months.m, coalesce(made.n, 0), coalesce(done.n, 0)
			FROM months LEFT JOIN made USING (m) LEFT JOIN done USING (m) ORDER BY months.m`, n+1, n+2),
			append(src.args, first.Format(time.DateOnly), last.Format(time.DateOnly))...)
		if err != nil {
			return fmt.Errorf("par-mois: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m time.Time
			var made, done int
			if err := rows.Scan(&m, &made, &done); err != nil {
				return err
			}
			in.Rows = append(in.Rows, programme.Row{Key: m.Format("2006-01"), Label: programme.MonthLabel(m), Values: []int{made, done}})
		}
		indicators[3] = in
		return rows.Err()
	})
	g.Go(func() error {
		rows, err := s.pool.Query(ctx, `SELECT p.slug, p.name,
			(SELECT count(*) FROM licence_requests r JOIN licence_pools lp ON lp.id = r.pool_id
			  WHERE lp.partner_id = p.id AND r.allocated_at IS NOT NULL
			  AND r.allocated_at >= coalesce($1::timestamptz, '-infinity') AND r.allocated_at < coalesce($2::timestamptz, 'infinity')
			  AND ($3::text[] IS NULL OR r.administration = ANY($3))),
			(SELECT coalesce(sum(lp.size), 0) FROM licence_pools lp WHERE lp.partner_id = p.id)
			FROM partners p WHERE EXISTS (SELECT 1 FROM licence_pools lp WHERE lp.partner_id = p.id)
			ORDER BY p.name COLLATE "fr-x-icu"`, args...)
		if err != nil {
			return fmt.Errorf("licences: %w", err)
		}
		in := programme.Indicator{ID: programme.IndicatorLicences, Title: "Licences attribuées par partenaire", Unit: "licences",
			Series: []string{"Licences attribuées", "Licences achetées"}}
		in.Rows, err = collectRows(rows)
		indicators[4] = in
		return err
	})
	g.Go(func() error {
		rows, err := s.TrainersByKind(ctx, f)
		indicators[5] = programme.Indicator{ID: programme.IndicatorTrainers, Title: "Formateurs par type", Unit: "formateurs",
			Series: []string{"Formateurs"}, Rows: rows}
		for _, r := range rows {
			b.Trainers += r.Values[0]
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return b, fmt.Errorf("postgres.Bilan: %w", err)
	}
	b.Indicators = indicators
	return b, nil
}

// collectRows reads (key, label, values…) rows.
func collectRows(rows pgx.Rows) ([]programme.Row, error) {
	defer rows.Close()
	var out []programme.Row
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := programme.Row{Key: fmt.Sprint(vals[0]), Label: fmt.Sprint(vals[1])}
		for _, v := range vals[2:] {
			switch n := v.(type) {
			case int64:
				r.Values = append(r.Values, int(n))
			case int32:
				r.Values = append(r.Values, int(n))
			default:
				return nil, fmt.Errorf("collectRows: unexpected %T", v)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// BilanAdministrations lists the administrations the agents typed (every spelling), for the filter.
func (s *Store) BilanAdministrations(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT administration FROM users WHERE administration <> '' ORDER BY 1 LIMIT 5000`)
	if err != nil {
		return nil, fmt.Errorf("postgres.BilanAdministrations: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres.BilanAdministrations: %w", err)
	}
	return out, nil
}

// ProgrammeParticipants is the participants the published tailored programmes declare (a restricted one is never
// published),
// in all and in the programmes meant only for senior executives (the 200 directors): of the programmes built for
// the filter's administration, published before the end of its period. The bilan and the programmes page both
// read it, so that the figure is the same everywhere.
func (s *Store) ProgrammeParticipants(ctx context.Context, f programme.BilanFilter) (all, senior int, err error) {
	rows, err := s.pool.Query(ctx, `SELECT t.administration, t.participants, t.created_at,
		EXISTS (SELECT 1 FROM track_audiences ta JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = t.id AND a.slug = 'cadres-dirigeants')
		AND NOT EXISTS (SELECT 1 FROM track_audiences ta JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = t.id AND a.slug <> 'cadres-dirigeants')
		FROM tracks t WHERE t.status = 'published' AND t.administration <> '' AND t.participants > 0`)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres.ProgrammeParticipants: %w", err)
	}
	var administration string
	var n int
	var created time.Time
	var seniorOnly bool
	_, err = pgx.ForEachRow(rows, []any{&administration, &n, &created, &seniorOnly}, func() error {
		if f.Counts(administration, created) {
			all += n
			if seniorOnly {
				senior += n
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("postgres.ProgrammeParticipants: %w", err)
	}
	return all, senior, nil
}

// TrainersByKind counts the trainers (accounts with the trainer role and a trainer profile) by kind, in the order
// of trainer.Kinds: of the filter's administration (their organisation), there before the end of its period.
// The bilan and the call for trainers both read it.
func (s *Store) TrainersByKind(ctx context.Context, f programme.BilanFilter) ([]programme.Row, error) {
	rows, err := s.pool.Query(ctx, `SELECT tp.kind, tp.organisation, tp.created_at `+trainerCounted)
	if err != nil {
		return nil, fmt.Errorf("postgres.TrainersByKind: %w", err)
	}
	out := make([]programme.Row, len(trainer.Kinds))
	for i, k := range trainer.Kinds {
		out[i] = programme.Row{Key: k, Label: trainer.KindShortLabel(k), Values: []int{0}}
	}
	var kind, organisation string
	var created time.Time
	_, err = pgx.ForEachRow(rows, []any{&kind, &organisation, &created}, func() error {
		if i := slices.Index(trainer.Kinds, kind); i >= 0 && f.Counts(organisation, created) {
			out[i].Values[0]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.TrainersByKind: %w", err)
	}
	return out, nil
}
