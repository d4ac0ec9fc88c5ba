package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/testdb"
)

// bilanData adds the enrolments of an administration of its own: a completed online module for senior
// executives, a confirmed online module, an attended session, a cancelled enrolment.
func bilanData(t *testing.T, s *postgres.Store, administration string) (senior int64) {
	t.Helper()
	ctx := context.Background()
	users := make([]int64, 3)
	for i := range users {
		spelling := administration
		if i == 1 {
			spelling = "  " + administration + " " // another spelling of the same administration
		}
		testdb.Row(t, s, `INSERT INTO users (email, administration) VALUES ($1, $2) RETURNING id`,
			uniqueEmail("bilan"), spelling).Scan(&users[i])
	}
	var online, other, session int64
	if err := s.Pool().QueryRow(ctx, `SELECT m.id FROM modules m JOIN module_audiences ma ON ma.module_id = m.id
		JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants' AND m.format = 'en_ligne' AND m.status = 'published'
		ORDER BY m.id LIMIT 1`).Scan(&online); err != nil {
		t.Fatal("no online module for senior executives in the seed: ", err)
	}
	testdb.Row(t, s, `SELECT id FROM modules WHERE format = 'en_ligne' AND status = 'published' AND id <> $1 ORDER BY id DESC LIMIT 1`, online).Scan(&other)
	testdb.Row(t, s, `SELECT id FROM module_sessions ORDER BY id LIMIT 1`).Scan(&session)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO enrolments (user_id, module_id, status, completed_at) VALUES ($1, $2, 'completed', now())`, []any{users[0], online}},
		{`INSERT INTO enrolments (user_id, module_id, status) VALUES ($1, $2, 'confirmed')`, []any{users[0], other}},
		{`INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq, attendance_at)
			SELECT $1, module_id, id, 'attended', nextval('enrolment_queue_seq'), now() FROM module_sessions WHERE id = $2`, []any{users[1], session}},
		{`INSERT INTO enrolments (user_id, module_id, status, cancelled_at, cancel_reason) VALUES ($1, $2, 'cancelled', now(), 'agent')`, []any{users[2], other}},
	} {
		testdb.Exec(t, s, q.sql, q.args...)
	}
	return online
}

func TestStore_Bilan(t *testing.T) {
	s := testdb.Seeded(t)
	ctx := context.Background()
	administration := fmt.Sprintf("Agence du bilan %d", time.Now().UnixNano())
	senior := bilanData(t, s, administration)
	now := time.Now().In(catalogue.Paris)
	months := programme.Months(now.AddDate(0, -11, 0), now)

	t.Run("EveryAdministration", func(t *testing.T) {
		b, err := s.Bilan(ctx, programme.BilanFilter{}, months)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]int{
			"inscriptions":       {b.Enrolments, testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE status <> 'cancelled'`)},
			"formations suivies": {b.Completions, testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE status IN ('attended', 'completed')`)},
			"agents formés":      {b.AgentsTrained, testdb.Int(t, s, `SELECT count(DISTINCT user_id) FROM enrolments WHERE status IN ('attended', 'completed')`)},
			"cadres dirigeants formés": {b.SeniorTrained, testdb.Int(t, s, `SELECT count(DISTINCT e.user_id) FROM enrolments e
				WHERE e.status IN ('attended', 'completed') AND e.module_id IN (SELECT ma.module_id FROM module_audiences ma
				JOIN audiences a ON a.id = ma.audience_id WHERE a.slug = 'cadres-dirigeants')`)},
			"cadres dirigeants (programmes)": {b.SeniorDeclared, 200},
			"licences attribuées":            {b.Licences, testdb.Int(t, s, `SELECT count(*) FROM licence_requests WHERE allocated_at IS NOT NULL`)},
			"formateurs": {b.Trainers, testdb.Int(t, s, `SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id
				WHERE u.role IN ('trainer', 'admin')`)},
		}
		for name, w := range want {
			if w[0] != w[1] {
				t.Errorf("%s: bilan %d, SQL %d", name, w[0], w[1])
			}
		}
		if b.Completions < 2 || b.SeniorTrained < 1 {
			t.Fatalf("the test data is not counted: %+v", b)
		}
		for _, r := range b.Indicator(programme.IndicatorByDomain).Rows {
			made := testdb.Int(t, s, `SELECT count(*) FROM enrolments e JOIN modules m ON m.id = e.module_id JOIN domains d ON d.id = m.domain_id
				WHERE e.status <> 'cancelled' AND d.slug = $1`, r.Key)
			done := testdb.Int(t, s, `SELECT count(*) FROM enrolments e JOIN modules m ON m.id = e.module_id JOIN domains d ON d.id = m.domain_id
				WHERE e.status IN ('attended', 'completed') AND d.slug = $1`, r.Key)
			if r.Values[0] != made || r.Values[1] != done {
				t.Errorf("domain %s: bilan %v, SQL [%d %d]", r.Key, r.Values, made, done)
			}
		}
		for _, r := range b.Indicator(programme.IndicatorByAudience).Rows {
			made := testdb.Int(t, s, `SELECT count(*) FROM enrolments e JOIN module_audiences ma ON ma.module_id = e.module_id
				JOIN audiences a ON a.id = ma.audience_id WHERE e.status <> 'cancelled' AND a.slug = $1`, r.Key)
			if r.Values[0] != made {
				t.Errorf("audience %s: bilan %v, SQL %d", r.Key, r.Values, made)
			}
		}
		sum := 0
		for _, r := range b.Indicator(programme.IndicatorByFormat).Rows {
			made := testdb.Int(t, s, `SELECT count(*) FROM enrolments e JOIN modules m ON m.id = e.module_id WHERE e.status <> 'cancelled' AND m.format = $1`, r.Key)
			if r.Values[0] != made {
				t.Errorf("format %s: bilan %v, SQL %d", r.Key, r.Values, made)
			}
			sum += r.Values[0]
		}
		if sum != b.Enrolments {
			t.Errorf("formats add up to %d, not %d", sum, b.Enrolments)
		}
		byMonth := b.Indicator(programme.IndicatorByMonth).Rows
		if len(byMonth) != 12 || byMonth[11].Key != now.Format("2006-01") {
			t.Fatalf("months: %+v", byMonth)
		}
		thisMonth := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE status <> 'cancelled'
			AND date_trunc('month', created_at AT TIME ZONE 'Europe/Paris') = date_trunc('month', now() AT TIME ZONE 'Europe/Paris')`)
		if byMonth[11].Values[0] != thisMonth {
			t.Errorf("this month: bilan %v, SQL %d", byMonth[11].Values, thisMonth)
		}
		for _, r := range b.Indicator(programme.IndicatorLicences).Rows {
			size := testdb.Int(t, s, `SELECT coalesce(sum(size), 0) FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id WHERE p.slug = $1`, r.Key)
			if r.Values[1] != size {
				t.Errorf("licences of %s: bilan %v, SQL size %d", r.Key, r.Values, size)
			}
		}
		if rows := b.Indicator(programme.IndicatorTrainers).Rows; len(rows) != 2 || rows[0].Key != "interne" {
			t.Errorf("trainers: %+v", rows)
		}
	})

	t.Run("OneAdministration", func(t *testing.T) {
		f := programme.BilanFilter{Administration: programme.AdministrationKey(administration),
			Spellings: []string{administration, "  " + administration + " "}}
		b, err := s.Bilan(ctx, f, months)
		if err != nil {
			t.Fatal(err)
		}
		if b.Enrolments != 3 || b.Completions != 2 || b.AgentsTrained != 2 || b.SeniorTrained != 1 {
			t.Errorf("figures of the administration: %d enrolments, %d followed, %d trained, %d senior; want 3, 2, 2, 1",
				b.Enrolments, b.Completions, b.AgentsTrained, b.SeniorTrained)
		}
		domain := testdb.String(t, s, `SELECT d.slug FROM modules m JOIN domains d ON d.id = m.domain_id WHERE m.id = $1`, senior)
		for _, r := range b.Indicator(programme.IndicatorByDomain).Rows {
			if r.Key == domain && r.Values[1] < 1 {
				t.Errorf("domain %s of the completed module: %v", domain, r.Values)
			}
		}
		f.From = now.AddDate(0, 0, 1)
		b, err = s.Bilan(ctx, f, months)
		if err != nil || b.Enrolments != 0 || b.Completions != 0 {
			t.Errorf("from tomorrow: %d, %d, %v", b.Enrolments, b.Completions, err)
		}
		f.From, f.To = now.AddDate(0, 0, -1), now
		if b := testdb.Must(s.Bilan(ctx, f, months))(t); b.Enrolments != 3 {
			t.Errorf("yesterday to today: %d enrolments", b.Enrolments)
		}
		f.Spellings = nil
		if b := testdb.Must(s.Bilan(ctx, f, months))(t); b.Enrolments != 0 {
			t.Errorf("an administration without any spelling: %d enrolments", b.Enrolments)
		}
	})
}
