package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"campus/internal/programme"
	"campus/internal/trainer"
)

// The results (bilan): one GROUP BY query per indicator (run concurrently), with the definitions of
// internal/programme/bilan.go. Without a filter the enrolment figures are read from the tallies the enrolments'
// triggers keep (migration 00025: bilan_tallies by module, session and month; the trained agents in
// bilan_trained_counts), never from the enrolments; with a period or an administration they are counted live.
// Parameters of every live query: $1 the start of the period (NULL: none), $2 its end, exclusive (NULL: none), $3
// the administration's spellings (NULL: every administration).

// The enrolments the figures count: not cancelled, of the administration ($3; without one, users are not read).
const (
	bilanEnrolmentsAll = `(SELECT e.id, e.user_id, e.module_id, e.status, e.created_at,
		coalesce(e.completed_at, e.attendance_at, e.updated_at) AS done_at
	FROM enrolments e WHERE e.status <> 'cancelled' AND $3::text[] IS NULL)`
	bilanEnrolmentsOf = `(SELECT e.id, e.user_id, e.module_id, e.status, e.created_at,
		coalesce(e.completed_at, e.attendance_at, e.updated_at) AS done_at
	FROM enrolments e JOIN users u ON u.id = e.user_id
	WHERE e.status <> 'cancelled' AND u.administration = ANY($3))`
)

// Made in the period; followed in the period.
const (
	bilanMade = `(e.created_at >= coalesce($1::timestamptz, '-infinity') AND e.created_at < coalesce($2::timestamptz, 'infinity'))`
	bilanDone = `(e.status IN ('attended', 'completed') AND e.done_at >= coalesce($1::timestamptz, '-infinity')
		AND e.done_at < coalesce($2::timestamptz, 'infinity'))`
)

// bilanSource is where the enrolment figures are read: the rows e of from (a subquery), joined on e.module_id,
// give made and followed enrolments (aggregates) and their months (madeMonth, doneMonth); args are the parameters
// of from.
type bilanSource struct {
	from, made, done, madeMonth, doneMonth string
	args                                   []any
}

// bilanTallies reads the tallies (one row per module, session and month).
var bilanTallies = bilanSource{from: `(SELECT * FROM bilan_tallies)`, made: `coalesce(sum(e.made), 0)`, done: `coalesce(sum(e.done), 0)`,
	madeMonth: `e.month`, doneMonth: `e.month`}

// liveSource counts the enrolments of the filter.
func liveSource(f programme.BilanFilter) bilanSource {
	var from, until *time.Time
	if t := f.Start(); !t.IsZero() {
		from = &t
	}
	if t := f.End(); !t.IsZero() {
		until = &t
	}
	src := bilanSource{from: bilanEnrolmentsAll, made: `count(e.id) FILTER (WHERE ` + bilanMade + `)`,
		done: `count(e.id) FILTER (WHERE ` + bilanDone + `)`, madeMonth: `bilan_month(e.created_at)`,
		doneMonth: `bilan_month(e.done_at)`, args: []any{from, until, nil}}
	if f.Administration != "" {
		src.args[2] = append([]string{}, f.Spellings...) // no spelling: nothing matches
		src.from = bilanEnrolmentsOf
	}
	return src
}

// Bilan computes the figures for a filter; months are the months of the monthly indicator.
func (s *Store) Bilan(ctx context.Context, f programme.BilanFilter, months []time.Time) (programme.Bilan, error) {
	if f.Start().IsZero() && f.End().IsZero() && f.Administration == "" {
		return s.bilan(ctx, f, months, bilanTallies)
	}
	return s.bilan(ctx, f, months, liveSource(f))
}

func (s *Store) bilan(ctx context.Context, f programme.BilanFilter, months []time.Time, src bilanSource) (programme.Bilan, error) {
	b := programme.Bilan{GeneratedAt: time.Now(), Filter: f}
	args := liveSource(f).args // the filter, for the figures that are not enrolments (licences)

	indicators := make([]programme.Indicator, 6)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if src.args == nil { // the tallies
			return s.pool.QueryRow(ctx, `SELECT `+src.made+`, `+src.done+`,
				(SELECT coalesce(sum(agents), 0) FROM bilan_trained_counts), (SELECT coalesce(sum(senior), 0) FROM bilan_trained_counts)
				FROM `+src.from+` e`).Scan(&b.Enrolments, &b.Completions, &b.AgentsTrained, &b.SeniorTrained)
		}
		return s.pool.QueryRow(ctx, `SELECT `+src.made+`, `+src.done+`,
			count(DISTINCT e.user_id) FILTER (WHERE `+bilanDone+`),
			count(DISTINCT e.user_id) FILTER (WHERE `+bilanDone+` AND senior.module_id IS NOT NULL)
			FROM `+src.from+` e
			-- The modules for senior executives, read once and joined by hash (not a subquery per enrolment: 10
			-- million index scans of module_audiences on the national dataset).
			LEFT JOIN (SELECT DISTINCT ma.module_id FROM module_audiences ma JOIN audiences a ON a.id = ma.audience_id
				WHERE a.slug = 'cadres-dirigeants') senior ON senior.module_id = e.module_id`, src.args...).Scan(&b.Enrolments, &b.Completions, &b.AgentsTrained, &b.SeniorTrained)
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
