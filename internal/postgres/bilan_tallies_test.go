package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/testdb"
	"campus/migrations"
)

// TestBilanTallies_FollowTheEnrolments: the public bilan, read from the tallies of migration 00025, and the bilans
// of administrations, read from those of 00030, equal the bilans counted over the enrolments after each change of
// the enrolments (made, waitlisted, promoted, cancelled, attended, completed, changed in batches and in
// multi-statement transactions), of a module's audiences, of an audience's slug, of agents' administrations (one
// by one, in one statement, and at the same time as their enrolments change), after a user's and a module's
// deletion, and after the migrations' backfill; and the public one reads no enrolment.
func TestBilanTallies_FollowTheEnrolments(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "bilan_tallies", 8).WithMails(testMailer)
	ctx := context.Background()
	now := time.Now().In(catalogue.Paris)
	months := programme.Months(now.AddDate(0, -23, 0), now)
	var last programme.Bilan
	// The administrations of the agents below: bilanData's (two spellings), the one agents move to, and none.
	const counted, moved = "Agence des décomptes", "Agence d’arrivée"
	filters := []programme.BilanFilter{{},
		{Administration: programme.AdministrationKey(counted), Spellings: []string{counted, "  " + counted + " "}},
		{Administration: programme.AdministrationKey(moved), Spellings: []string{moved}},
		{Administration: programme.AdministrationKey(moved), Spellings: []string{moved}, From: now.AddDate(0, -6, -3), To: now.AddDate(0, 0, -2)},
		{Administration: "aucune", Spellings: []string{""}},
	}
	same := func(step string) {
		t.Helper()
		for _, f := range filters {
			got, err := s.Bilan(ctx, f, months)
			if err != nil {
				t.Fatalf("%s (%q): %v", step, f.Administration, err)
			}
			want, err := s.LiveBilan(ctx, f, months)
			if err != nil {
				t.Fatalf("%s (%q): %v", step, f.Administration, err)
			}
			got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (%q): tallies %d enrolments, %d followed, %d trained, %d senior; live %d, %d, %d, %d",
					step, f.Administration, got.Enrolments, got.Completions, got.AgentsTrained, got.SeniorTrained,
					want.Enrolments, want.Completions, want.AgentsTrained, want.SeniorTrained)
				for i := range want.Indicators {
					if i < len(got.Indicators) && !reflect.DeepEqual(got.Indicators[i], want.Indicators[i]) {
						t.Errorf("%s (%q): %s: tallies %+v, live %+v", step, f.Administration, want.Indicators[i].ID,
							got.Indicators[i].Rows, want.Indicators[i].Rows)
					}
				}
			}
			if f.Administration == "" {
				last = want
			}
		}
	}
	same("the seed")
	bilanData(t, s, "Agence des décomptes")
	same("enrolments inserted one by one")
	if last.Completions != 2 || last.AgentsTrained != 2 || last.SeniorTrained != 1 {
		t.Fatalf("%d followed, %d trained, %d senior; want 2, 2, 1", last.Completions, last.AgentsTrained, last.SeniorTrained)
	}
	seniorAudience := testdb.Int64(t, s, `SELECT id FROM audiences WHERE slug = 'cadres-dirigeants'`)
	dated := enModule(t, s, "presentiel", "published", "published")
	online := enModule(t, s, "en_ligne", "published", "published")
	sess := enSession(t, s, dated, 2, 3*24*time.Hour)
	users := enUsers(t, s, 5)

	// Enrolments one by one: two seats, then the waitlist.
	ids := make([]int64, 3)
	for i := range ids {
		out, err := s.EnrolInSession(ctx, users[i], sess, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = out.Enrolment.ID
	}
	online0, err := s.EnrolOnline(ctx, users[0], online)
	if err != nil {
		t.Fatal(err)
	}
	online1, err := s.EnrolOnline(ctx, users[1], online)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users[2:] {
		if _, err := s.EnrolOnline(ctx, u, online); err != nil {
			t.Fatal(err)
		}
	}
	before := last.Enrolments
	same("enrolments and the waitlist")
	if last.Enrolments != before+8 {
		t.Fatalf("%d enrolments, want %d", last.Enrolments, before+8)
	}
	if _, err := s.CancelEnrolment(ctx, users[0], ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FillFreedSeats(ctx); err != nil {
		t.Fatal(err)
	}
	same("a cancellation and the waitlist's promotion")

	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 day', ends_at = now() - interval '20 hours' WHERE id = $1`, sess)
	if _, err := s.MarkAttendance(ctx, sess, map[int64]bool{ids[1]: true, ids[2]: false}); err != nil {
		t.Fatal(err)
	}
	same("attendance")
	if _, err := s.MarkCompletions(ctx, online, map[int64]bool{online0.Enrolment.ID: true, online1.Enrolment.ID: true}); err != nil {
		t.Fatal(err)
	}
	before = last.Completions
	same("completions")
	if last.Completions != before+2 {
		t.Fatalf("%d followed, want %d", last.Completions, before+2)
	}
	if _, err := s.MarkCompletion(ctx, online1.Enrolment.ID, false); err != nil {
		t.Fatal(err)
	}
	same("a completion undone")

	// Agents change administration: one (followed enrolments: the trained agents move too), then three at once,
	// one of them back to no administration.
	testdb.Exec(t, s, `UPDATE users SET administration = $2 WHERE id = $1`, users[0], moved)
	same("an agent moved to another administration")
	if last := mustBilan(t, s, filters[2], months); last.Enrolments == 0 || last.AgentsTrained == 0 {
		t.Fatalf("the agent moved is not counted in its new administration: %+v", last)
	}
	testdb.Exec(t, s, `UPDATE users SET administration = CASE WHEN id = $1 THEN '' ELSE $3 END WHERE id = ANY($2)`,
		users[0], []int64{users[0], users[1], users[2]}, counted)
	same("agents moved in one statement")
	testdb.Exec(t, s, `UPDATE users SET administration = $2 WHERE id = ANY($1)`, []int64{users[1], users[3]}, moved)
	same("agents moved again")

	// A module becomes one for senior executives (its agents move into SeniorTrained), is edited as the
	// back-office does (its audiences deleted and inserted again, one transaction), then is no longer one.
	testdb.Exec(t, s, `INSERT INTO module_audiences (module_id, audience_id) VALUES ($1, $3), ($2, $3)`, dated, online, seniorAudience)
	before = last.SeniorTrained
	same("the modules given to senior executives")
	if last.SeniorTrained <= before {
		t.Fatalf("%d senior executives trained, not more than %d", last.SeniorTrained, before)
	}
	inTx(t, s, statement{`DELETE FROM module_audiences WHERE module_id = $1`, []any{online}},
		statement{`INSERT INTO module_audiences (module_id, audience_id) VALUES ($1, $2)`, []any{online, seniorAudience}})
	same("a module's audiences rewritten")
	testdb.Exec(t, s, `DELETE FROM module_audiences WHERE module_id = $1`, dated)
	same("a module no longer for senior executives")
	testdb.Exec(t, s, `UPDATE audiences SET slug = 'cadres-dirigeants-renomme' WHERE id = $1`, seniorAudience)
	same("the audience renamed")
	testdb.Exec(t, s, `UPDATE audiences SET slug = 'cadres-dirigeants' WHERE id = $1`, seniorAudience)
	same("the audience's name back")

	// Batches: statements over many enrolments of the seed, the months of the done date moving with updated_at.
	testdb.Exec(t, s, `UPDATE enrolments SET status = 'completed', completed_at = now() - interval '40 days'
		WHERE id IN (SELECT id FROM enrolments WHERE status = 'confirmed' AND session_id IS NULL ORDER BY id LIMIT 5)`)
	same("completions in one statement")
	testdb.Exec(t, s, `UPDATE enrolments SET created_at = created_at - interval '3 months', updated_at = now() - interval '70 days',
		attendance_at = NULL WHERE status IN ('attended', 'confirmed', 'cancelled')`)
	same("dates moved in one statement")
	testdb.Exec(t, s, `UPDATE enrolments SET status = 'cancelled', cancel_reason = 'admin', cancelled_at = now()
		WHERE id IN (SELECT id FROM enrolments WHERE status = 'completed' ORDER BY id DESC LIMIT 3)`)
	same("followed enrolments cancelled in one statement")
	inTx(t, s, statement{`DELETE FROM enrolments WHERE user_id = $1 AND module_id = $2`, []any{users[3], online}},
		statement{`INSERT INTO enrolments (user_id, module_id, status, completed_at) VALUES ($1, $2, 'completed', now() - interval '9 months')`, []any{users[3], online}},
		statement{`UPDATE enrolments SET status = 'confirmed', completed_at = NULL WHERE user_id = $1 AND module_id = $2`, []any{users[3], online}})
	inTx(t, s, statement{`INSERT INTO enrolments (user_id, module_id, status, completed_at) VALUES ($1, $2, 'completed', now())`, []any{users[4], dated}},
		statement{`DELETE FROM enrolments WHERE user_id = $1 AND module_id = $2 AND status = 'confirmed'`, []any{users[3], online}})
	same("transactions of several statements")

	// Deletions: an agent with followed enrolments (cascade), a module for senior executives with its enrolments.
	trained := testdb.Int64(t, s, `SELECT e.user_id FROM enrolments e JOIN module_audiences ma ON ma.module_id = e.module_id
		WHERE ma.audience_id = $1 AND e.status IN ('attended', 'completed') ORDER BY e.id LIMIT 1`, seniorAudience)
	if err := s.DeleteUser(ctx, trained); err != nil {
		t.Fatal(err)
	}
	same("a trained agent deleted")
	inTx(t, s, statement{`DELETE FROM enrolments WHERE module_id = $1`, []any{online}}, statement{`DELETE FROM modules WHERE id = $1`, []any{online}})
	same("a module deleted")

	// At once: agents complete and undo online enrolments while the module for senior executives stops and starts
	// being one (the lock on bilan_senior_modules orders each completion and each change of audiences).
	concurrent := enModule(t, s, "en_ligne", "published", "published")
	testdb.Exec(t, s, `INSERT INTO module_audiences (module_id, audience_id) VALUES ($1, $2)`, concurrent, seniorAudience)
	var wg sync.WaitGroup
	for _, u := range enUsers(t, s, 6) {
		out, err := s.EnrolOnline(ctx, u, concurrent)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if _, err := s.MarkCompletion(ctx, out.Enrolment.ID, i%2 == 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 10 {
		sql := `DELETE FROM module_audiences WHERE module_id = $1 AND audience_id = $2`
		if i%2 == 1 {
			sql = `INSERT INTO module_audiences (module_id, audience_id) VALUES ($1, $2)`
		}
		if _, err := s.Pool().Exec(ctx, sql, concurrent, seniorAudience); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	same("completions and audience changes at once")

	// At once: agents complete and undo enrolments, enrol, and change administration back and forth (each move
	// locks the agent and its enrolments before reading them).
	second := enModule(t, s, "en_ligne", "published", "published")
	for i, u := range enUsers(t, s, 6) {
		out, err := s.EnrolOnline(ctx, u, concurrent)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 10 {
				if _, err := s.MarkCompletion(ctx, out.Enrolment.ID, j%2 == 0); err != nil {
					t.Error(err)
					return
				}
			}
			if i%2 == 0 {
				if _, err := s.EnrolOnline(ctx, u, second); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := range 10 {
				administration := []string{moved, counted, ""}[(i+j)%3]
				if _, err := s.Pool().Exec(ctx, `UPDATE users SET administration = $2 WHERE id = $1`, u, administration); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	same("enrolments and administrations changed at once")

	// The migrations' backfills give the same figures (Down, then Up on these enrolments).
	db := stdlib.OpenDBFromPool(s.Pool())
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 24); err != nil { // 00025 down (and what follows: 00030), then up again
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	same("the backfills")
	for _, way := range []struct {
		name  string
		bilan func(context.Context, programme.BilanFilter, []time.Time) (programme.Bilan, error)
	}{{"tallies", s.Bilan}, {"live", s.LiveBilan}} {
		start := time.Now()
		if _, err := way.bilan(ctx, programme.BilanFilter{}, months); err != nil {
			t.Fatal(err)
		}
		t.Logf("public bilan (%s): %v", way.name, time.Since(start))
	}

	// Not one enrolment read: with the table locked by another transaction, the bilan from the tallies is
	// computed; the live one waits for the lock (which shows the check can fail).
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE enrolments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := s.Bilan(waitCtx, programme.BilanFilter{}, months); err != nil {
		t.Fatalf("the public bilan reads the enrolments: %v", err)
	}
	shortCtx, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := s.LiveBilan(shortCtx, programme.BilanFilter{}, months); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the live bilan with the enrolments locked: %v", err)
	}
}

// A statement is SQL and its arguments.
type statement struct {
	sql  string
	args []any
}

// inTx runs statements in one transaction.
func inTx(t *testing.T, s *postgres.Store, statements ...statement) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), s.Pool(), func(tx pgx.Tx) error {
		for _, q := range statements {
			if _, err := tx.Exec(context.Background(), q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustBilan is the bilan of a filter.
func mustBilan(t *testing.T, s *postgres.Store, f programme.BilanFilter, months []time.Time) programme.Bilan {
	t.Helper()
	b, err := s.Bilan(context.Background(), f, months)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBilanTallies_MoveWhileATransactionWritesTheSession: an agent changes administration (their profile) while a
// transaction of several statements writes the enrolments of the agent's session (the roster: one UPDATE per
// enrolment, MarkAttendance), another agent's first, then this agent's. The transaction holds the tally of the
// session under the old administration and then waits for the agent's row, which the move holds: the move must
// not wait for that tally (a deadlock, the agent's profile refused), and the tallies still equal the live count.
func TestBilanTallies_MoveWhileATransactionWritesTheSession(t *testing.T) {
	t.Parallel()
	s := testdb.NewMigrated(t, "bilan_move_deadlock", 6).WithMails(testMailer)
	ctx := context.Background()
	const from, to = "Agence de départ", "Agence d’arrivée"
	mod := enModule(t, s, "presentiel", "published", "published")
	sess := enSession(t, s, mod, 5, 3*24*time.Hour)
	users := enUsers(t, s, 2)
	testdb.Exec(t, s, `UPDATE users SET administration = $2 WHERE id = ANY($1)`, users, from)
	ids := make([]int64, len(users))
	for i, u := range users {
		out, err := s.EnrolInSession(ctx, u, sess, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = out.Enrolment.ID
	}
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 day', ends_at = now() - interval '20 hours' WHERE id = $1`, sess)

	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	const mark = `UPDATE enrolments SET status = 'attended', attendance_at = now(), updated_at = now(), version = version + 1 WHERE id = $1`
	if _, err := tx.Exec(ctx, mark, ids[1]); err != nil {
		t.Fatal(err)
	}
	moved := make(chan error, 1)
	go func() {
		moved <- s.UpdateProfile(ctx, users[0], account.Profile{GivenName: "Agent", UsualName: "N° 1", Administration: to})
	}()
	// The move waits for a lock (or is done): then the transaction writes the moving agent's enrolment.
	deadline := time.Now().Add(5 * time.Second)
	for testdb.Int(t, s, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0 &&
		len(moved) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_, errMark := tx.Exec(ctx, mark, ids[0])
	if errMark == nil {
		errMark = tx.Commit(ctx)
	}
	if err := <-moved; err != nil {
		t.Errorf("the agent's move: %v", err)
	}
	if errMark != nil {
		t.Errorf("the roster: %v", errMark)
	}
	months := programme.Months(time.Now().In(catalogue.Paris).AddDate(0, -2, 0), time.Now().In(catalogue.Paris))
	for _, a := range []string{from, to} {
		f := programme.BilanFilter{Administration: programme.AdministrationKey(a), Spellings: []string{a}}
		got, want := mustBilan(t, s, f, months), mustLiveBilan(t, s, f, months)
		got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: tallies %d enrolments, %d followed; live %d, %d", a, got.Enrolments, got.Completions, want.Enrolments, want.Completions)
		}
	}
}

// mustLiveBilan is the bilan of a filter counted over the enrolments.
func mustLiveBilan(t *testing.T, s *postgres.Store, f programme.BilanFilter, months []time.Time) programme.Bilan {
	t.Helper()
	b, err := s.LiveBilan(context.Background(), f, months)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBilanTallies_MovesFolded: the rows that agents' moves write (one per move's transaction and key) are folded by
// Cleanup into one per key, while agents move and complete enrolments, and the tallies still equal the live count.
func TestBilanTallies_MovesFolded(t *testing.T) {
	t.Parallel()
	s := testdb.NewMigrated(t, "bilan_moves_folded", 8).WithMails(testMailer)
	ctx := context.Background()
	const a, b = "Agence A", "Agence B"
	online := enModule(t, s, "en_ligne", "published", "published")
	users := enUsers(t, s, 4)
	enrolments := make([]int64, len(users))
	for i, u := range users {
		out, err := s.EnrolOnline(ctx, u, online)
		if err != nil {
			t.Fatal(err)
		}
		enrolments[i] = out.Enrolment.ID
	}
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 8 {
				if _, err := s.Pool().Exec(ctx, `UPDATE users SET administration = $2 WHERE id = $1`, u, []string{a, b}[(i+j)%2]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := range 8 {
				if _, err := s.MarkCompletion(ctx, enrolments[i], j%2 == 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if err := s.Cleanup(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM bilan_administration_tallies WHERE xact > 1`); n != 0 {
		t.Errorf("%d rows of moves left after Cleanup", n)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM bilan_administration_tallies WHERE xact = 1`); n == 0 || n > 4 {
		t.Errorf("%d rows of folded moves, want 1 to 4 (2 administrations, made and done in this month)", n)
	}
	months := programme.Months(time.Now().In(catalogue.Paris).AddDate(0, -2, 0), time.Now().In(catalogue.Paris))
	for _, adm := range []string{a, b} {
		f := programme.BilanFilter{Administration: programme.AdministrationKey(adm), Spellings: []string{adm}}
		got, want := mustBilan(t, s, f, months), mustLiveBilan(t, s, f, months)
		got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: tallies %d enrolments, %d followed; live %d, %d", adm, got.Enrolments, got.Completions, want.Enrolments, want.Completions)
		}
	}
}
