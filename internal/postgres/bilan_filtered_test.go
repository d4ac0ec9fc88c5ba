package postgres_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/programme"
	"campus/internal/testdb"
)

// TestBilanFiltered_CountsAsLive: the admin's filtered bilan (the rows of the filter computed once, the whole
// months of a period read from the tallies) equals the bilan counted straight over the enrolments (LiveBilan) for
// periods (whole months, boundaries in the middle of a month, within a month, open on one side, a year, empty),
// administrations (several spellings, none, unknown) and both, after enrolments of every status spread over two
// years, with dates on and next to the boundaries (midnight in Paris, the changes of time).
func TestBilanFiltered_CountsAsLive(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "bilan_filtered", 8)
	ctx := context.Background()

	// Agents of two administrations (two spellings of the first) and of none, more than 64 (the trained agents are
	// counted in words of 64).
	users := testdb.Column[int64](t, s, `INSERT INTO users (email, administration)
		SELECT format('bilan-filtre-%s@exemple.gouv.fr', g), (ARRAY['Agence A', '  Agence A ', 'Direction B', ''])[1 + g % 4]
		FROM generate_series(1, 150) g ORDER BY g RETURNING id`)
	if len(users) != 150 {
		t.Fatalf("%d users", len(users))
	}
	// Three online modules of the seed (the first for senior executives), two dated modules with a past session
	// each (the first for senior executives).
	online := testdb.Column[int64](t, s, `(SELECT m.id FROM modules m JOIN module_audiences ma ON ma.module_id = m.id
		JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants' AND m.format = 'en_ligne' ORDER BY m.id LIMIT 1)
		UNION ALL (SELECT id FROM modules WHERE format = 'en_ligne' AND id NOT IN (SELECT ma.module_id FROM module_audiences ma
		JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants') ORDER BY id LIMIT 2)`)
	if len(online) != 3 {
		t.Fatalf("online modules of the seed: %v", online)
	}
	dated := []int64{enModule(t, s, "presentiel", "published", "published"), enModule(t, s, "hybride", "published", "published")}
	testdb.Exec(t, s, `INSERT INTO module_audiences (module_id, audience_id) SELECT $1, id FROM audiences WHERE slug = 'cadres-dirigeants'`, dated[0])
	sessions := []int64{enSession(t, s, dated[0], 30, -40*24*time.Hour), enSession(t, s, dated[1], 30, -400*24*time.Hour)}

	// Online enrolments: completed (some without completed_at: followed at updated_at), cancelled, in progress,
	// made and followed over two years from 20 December 2024; a fifth of the agents have none, two thirds none of
	// the module for senior executives.
	testdb.Exec(t, s, `INSERT INTO enrolments (user_id, module_id, status, created_at, updated_at, completed_at, cancelled_at, cancel_reason)
		SELECT u.id, m.id, st.status, c.at, c.at + ((u.n + m.n * 3 + st.k) % 120) * interval '1 day 2 hours',
		       CASE WHEN st.status = 'completed' AND u.n % 5 <> 0 THEN c.at + ((u.n * 7 + m.n + st.k) % 90) * interval '1 day 5 hours' END,
		       CASE WHEN st.status = 'cancelled' THEN c.at + interval '1 day' END,
		       CASE WHEN st.status = 'cancelled' THEN 'agent' ELSE '' END
		FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, n)
		CROSS JOIN unnest($2::bigint[]) WITH ORDINALITY AS m (id, n)
		CROSS JOIN (VALUES (1, 'completed'), (2, 'cancelled'), (3, 'confirmed'), (4, 'completed')) AS st (k, status)
		CROSS JOIN LATERAL (SELECT timestamptz '2024-12-20 00:00 Europe/Paris'
		        + ((u.n * 37 + m.n * 101 + st.k * 53) % 700) * interval '1 day' + ((u.n * 13 + m.n * 7 + st.k) % 24) * interval '1 hour' AS at) c`,
		users, online)
	// Session enrolments: attended (some without attendance_at), no-show, cancelled.
	testdb.Exec(t, s, `INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq, created_at, updated_at, attendance_at,
		                        cancelled_at, cancel_reason)
		SELECT u.id, ms.module_id, ms.id, st.status, nextval('enrolment_queue_seq'), c.at, c.at + (u.n % 50) * interval '1 day',
		       CASE WHEN st.status IN ('attended', 'no_show') AND u.n % 3 <> 0 THEN c.at + ((u.n * 11 + st.k) % 200) * interval '1 day 3 hours' END,
		       CASE WHEN st.status = 'cancelled' THEN c.at + interval '2 days' END,
		       CASE WHEN st.status = 'cancelled' THEN 'admin' ELSE '' END
		FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, n)
		CROSS JOIN unnest($2::bigint[]) WITH ORDINALITY AS s (id, n)
		JOIN module_sessions ms ON ms.id = s.id
		CROSS JOIN LATERAL (SELECT (ARRAY['attended', 'no_show', 'cancelled', 'attended'])[1 + (u.n + s.n) % 4] AS status, (u.n + s.n) % 4 AS k) st
		CROSS JOIN LATERAL (SELECT timestamptz '2025-01-05 10:00 Europe/Paris' + ((u.n * 29 + s.n * 61) % 500) * interval '1 day' AS at) c
		WHERE u.n % 2 = 0`,
		users, sessions)
	// Agents of the first administration who followed one training (not for senior executives), or only cancelled.
	one := testdb.Column[int64](t, s, `INSERT INTO users (email, administration) VALUES
		('bilan-filtre-un@exemple.gouv.fr', 'Agence A'), ('bilan-filtre-annule@exemple.gouv.fr', 'Agence A') RETURNING id`)
	testdb.Exec(t, s, `INSERT INTO enrolments (user_id, module_id, status, created_at, completed_at, cancelled_at, cancel_reason)
		VALUES ($1, $3, 'completed', '2025-05-10 12:00 Europe/Paris', '2025-06-20 12:00 Europe/Paris', NULL, ''),
		       ($2, $3, 'cancelled', '2025-05-10 12:00 Europe/Paris', NULL, '2025-05-11 12:00 Europe/Paris', 'agent')`, one[0], one[1], online[1])
	// On the boundaries of the periods below: made and followed at midnight in Paris, and a microsecond before.
	testdb.Exec(t, s, `INSERT INTO enrolments (user_id, module_id, status, created_at, updated_at, completed_at)
		SELECT ($1::bigint[])[1 + i * 7 % 150], ($2::bigint[])[1 + i % 3], 'completed', b.at - d.off, b.at - d.off, b.at - d.off
		FROM unnest(ARRAY['2025-03-01', '2025-03-20', '2025-03-26', '2025-04-01', '2025-04-02', '2025-04-15', '2025-05-01',
		                  '2025-06-16', '2025-07-01', '2025-07-11', '2025-09-10', '2025-09-11', '2025-10-26', '2025-10-27',
		                  '2026-02-14', '2026-03-29', '2026-03-30']) WITH ORDINALITY AS x (day, i)
		CROSS JOIN LATERAL (SELECT (x.day || ' 00:00')::timestamp AT TIME ZONE 'Europe/Paris' AS at) b
		CROSS JOIN (VALUES (interval '0'), (interval '1 microsecond')) AS d (off)`, users, online)

	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, catalogue.Paris)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	agencyA := programme.AdministrationKey("Agence A")
	spellingsA := []string{"Agence A", "  Agence A "}
	months := programme.Months(day("2024-12-01"), day("2027-03-01"))
	for _, c := range []struct {
		name    string
		f       programme.BilanFilter
		nonZero bool // the filter counts enrolments, followed ones, trained agents and senior executives
	}{
		{"a whole month", programme.BilanFilter{From: day("2025-04-01"), To: day("2025-04-30")}, true},
		{"whole months", programme.BilanFilter{From: day("2025-03-01"), To: day("2025-06-30")}, true},
		{"mid-month to mid-month", programme.BilanFilter{From: day("2025-04-15"), To: day("2025-07-10")}, true},
		{"a month's start to mid-month", programme.BilanFilter{From: day("2025-04-01"), To: day("2025-06-15")}, true},
		{"mid-month to a month's end", programme.BilanFilter{From: day("2025-04-02"), To: day("2025-06-30")}, true},
		{"within a month", programme.BilanFilter{From: day("2025-03-20"), To: day("2025-03-25")}, false},
		{"one day", programme.BilanFilter{From: day("2025-09-10"), To: day("2025-09-10")}, false},
		{"across a month's end", programme.BilanFilter{From: day("2025-03-31"), To: day("2025-04-01")}, false},
		{"across the change to winter time", programme.BilanFilter{From: day("2025-10-20"), To: day("2025-11-02")}, false},
		{"a year", programme.BilanFilter{From: day("2025-02-14"), To: day("2026-02-13")}, true},
		{"from a day", programme.BilanFilter{From: day("2025-09-10")}, true},
		{"from a month's start", programme.BilanFilter{From: day("2026-03-01")}, true},
		{"until a day", programme.BilanFilter{To: day("2025-09-10")}, true},
		{"until a month's end", programme.BilanFilter{To: day("2025-05-31")}, true},
		{"an empty period", programme.BilanFilter{From: day("2010-01-01"), To: day("2010-12-31")}, false},
		{"an administration", programme.BilanFilter{Administration: agencyA, Spellings: spellingsA}, true},
		{"another administration", programme.BilanFilter{Administration: programme.AdministrationKey("Direction B"),
			Spellings: []string{"Direction B"}}, true},
		{"an administration and a period", programme.BilanFilter{Administration: agencyA, Spellings: spellingsA,
			From: day("2025-04-15"), To: day("2026-01-10")}, true},
		{"an administration and whole months", programme.BilanFilter{Administration: agencyA, Spellings: spellingsA,
			From: day("2025-03-01"), To: day("2025-08-31")}, false},
		{"an administration from a day", programme.BilanFilter{Administration: agencyA, Spellings: spellingsA, From: day("2025-09-10")}, false},
		{"an administration without spellings", programme.BilanFilter{Administration: agencyA}, false},
		{"an administration without spellings, and a period", programme.BilanFilter{Administration: agencyA,
			From: day("2025-04-15"), To: day("2025-07-10")}, false},
		{"an administration nobody typed", programme.BilanFilter{Administration: "personne", Spellings: []string{"Personne"}}, false},
	} {
		got, err := s.Bilan(ctx, c.f, months)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want, err := s.LiveBilan(ctx, c.f, months)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: filtered %d enrolments, %d followed, %d trained, %d senior; live %d, %d, %d, %d", c.name,
				got.Enrolments, got.Completions, got.AgentsTrained, got.SeniorTrained,
				want.Enrolments, want.Completions, want.AgentsTrained, want.SeniorTrained)
			for i := range want.Indicators {
				if i < len(got.Indicators) && !reflect.DeepEqual(got.Indicators[i], want.Indicators[i]) {
					t.Errorf("%s: %s: filtered %+v, live %+v", c.name, want.Indicators[i].ID, got.Indicators[i].Rows, want.Indicators[i].Rows)
				}
			}
		}
		if c.nonZero && (want.Enrolments == 0 || want.Completions == 0 || want.AgentsTrained == 0 || want.SeniorTrained == 0) {
			t.Errorf("%s: the test data is not counted: %d enrolments, %d followed, %d trained, %d senior", c.name,
				want.Enrolments, want.Completions, want.AgentsTrained, want.SeniorTrained)
		}
		if !c.nonZero && c.f.Administration != "" && len(c.f.Spellings) != 2 && want.Enrolments != 0 {
			t.Errorf("%s: %d enrolments of an administration without agents", c.name, want.Enrolments)
		}
	}
}

// TestBilanFiltered_PlansUseIndexes: a period's enrolments are read through the indexes of migration 00028 alone,
// as ranges of their made and followed dates (index-only scans with an index condition), with or without an
// administration, never by another scan of the enrolments.
func TestBilanFiltered_PlansUseIndexes(t *testing.T) {
	s := testdb.Seeded(t)
	ctx := context.Background()
	from := time.Date(2025, 4, 15, 0, 0, 0, 0, catalogue.Paris)
	for _, f := range []programme.BilanFilter{
		{From: from, To: from.AddDate(0, 2, 0)},
		{From: from, To: from.AddDate(0, 2, 0), Administration: "dinum", Spellings: []string{"DINUM"}},
	} {
		plans, err := s.FilteredBilanPlans(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string][]string{
			"rows":    {"enrolments_bilan_made_idx", "enrolments_bilan_done_idx"},
			"trained": {"enrolments_bilan_done_idx"},
		} {
			plan := plans[name]
			for _, w := range want {
				if !strings.Contains(plan, "Index Only Scan using "+w) {
					t.Errorf("%s (administration %q): no index-only scan of %s:\n%s", name, f.Administration, w, plan)
				}
			}
			lines := strings.Split(plan, "\n")
			for i, l := range lines {
				if !strings.Contains(l, " on enrolments ") {
					continue
				}
				if !strings.Contains(l, "Index Only Scan using enrolments_bilan_") || i+1 == len(lines) ||
					!strings.Contains(lines[i+1], "Index Cond: ((created_at >= ") &&
						!strings.Contains(lines[i+1], "Index Cond: (((COALESCE(completed_at, attendance_at, updated_at)) >= ") {
					t.Errorf("%s (administration %q): the enrolments are not read as a range of a date's index:\n%s", name, f.Administration, plan)
					break
				}
			}
		}
	}
}
