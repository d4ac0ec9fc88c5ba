package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

var enSeq atomic.Int64

// testMailer composes the mails of the tests' stores, with links to https://campus.test.
var testMailer = enrolment.Mailer{BaseURL: "https://campus.test"}

// enStore is a migrated database of the test's own: the enrolment tests add domains, modules and sessions
// that other tests of the package must not see. Its mails link to https://campus.test (testMailer).
func enStore(t testing.TB) *postgres.Store {
	t.Helper()
	return testdb.NewMigrated(t, fmt.Sprintf("insc%d", enSeq.Add(1)), 20).WithMails(testMailer)
}

// enModule creates a domain (of the given status) and a module (format, status) of its own and returns the
// module's id.
func enModule(t testing.TB, s *postgres.Store, format, moduleStatus, domainStatus string) int64 {
	t.Helper()
	n := enSeq.Add(1)
	var domainID, moduleID int64
	testdb.Row(t, s, `INSERT INTO domains (slug, title, status) VALUES ($1, $2, $3) RETURNING id`,
		fmt.Sprintf("dom-insc-%d-%d", time.Now().UnixNano()%1e9, n), fmt.Sprintf("Domaine %d", n), domainStatus).Scan(&domainID)
	url := ""
	if format == "en_ligne" {
		url = "https://partenaire.example/cours"
	}
	testdb.Row(t, s, `INSERT INTO modules (slug, domain_id, title, duration_minutes, format, level, status, external_url)
		VALUES ($1, $2, $3, 210, $4, 'decouverte', $5, $6) RETURNING id`,
		fmt.Sprintf("mod-insc-%d-%d", time.Now().UnixNano()%1e9, n), domainID, fmt.Sprintf("Module d’essai n° %d", n), format, moduleStatus, url).Scan(&moduleID)
	return moduleID
}

// enSession adds a session to a module, starting in `in` (negative: in the past), 3 h 30 long.
func enSession(t testing.TB, s *postgres.Store, moduleID int64, capacity int, in time.Duration) int64 {
	t.Helper()
	var id int64
	start := time.Now().Add(in)
	testdb.Row(t, s, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, capacity)
		VALUES ($1, $2, $3, $4, 'Campus du numérique', '20 avenue de Ségur', 'Paris', $5) RETURNING id`,
		fmt.Sprintf("sess-insc-%d-%d", time.Now().UnixNano(), enSeq.Add(1)), moduleID, start, start.Add(210*time.Minute), capacity).Scan(&id)
	return id
}

// enModuleSession is a store of the test's own (enStore) with a published module of the format (enModule) and a
// session of it (enSession): it returns the store, the module's id and the session's.
func enModuleSession(t testing.TB, format string, capacity int, in time.Duration) (*postgres.Store, int64, int64) {
	t.Helper()
	s := enStore(t)
	mod := enModule(t, s, format, "published", "published")
	return s, mod, enSession(t, s, mod, capacity, in)
}

// enUsers creates n verified agents and returns their ids in creation order.
func enUsers(t testing.TB, s *postgres.Store, n int) []int64 {
	t.Helper()
	batch := enSeq.Add(1)
	ids := testdb.Column[int64](t, s, `INSERT INTO users (email, email_verified_at, given_name, usual_name)
		SELECT format('foule-%s-%s@exemple.gouv.fr', $1::text, g), now(), 'Agent', 'N° ' || g FROM generate_series(1, $2) g
		RETURNING id`, fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, batch), n)
	slices.Sort(ids)
	if len(ids) != n {
		t.Fatalf("created %d users, want %d", len(ids), n)
	}
	return ids
}

// enEnrolled creates n verified agents (enUsers) and enrols them in the session one after the other: it returns
// their ids and their enrolments' ids, in that order.
func enEnrolled(t testing.TB, s *postgres.Store, sessionID int64, n int) (users, enrolments []int64) {
	t.Helper()
	users = enUsers(t, s, n)
	for _, u := range users {
		out, err := s.EnrolInSession(context.Background(), u, sessionID, "")
		if err != nil {
			t.Fatal(err)
		}
		enrolments = append(enrolments, out.Enrolment.ID)
	}
	return users, enrolments
}

// waitlist returns the user ids of a session's waitlist in order, with the positions the store computes.
func waitlist(t testing.TB, s *postgres.Store, sessionID int64) ([]int64, []int) {
	t.Helper()
	r, err := s.Roster(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	var users []int64
	var positions []int
	for _, e := range r.Entries {
		if e.Status == enrolment.Waitlisted {
			users = append(users, e.UserID)
			positions = append(positions, e.Position)
		}
	}
	return users, positions
}

// checkSeats asserts the session's seats_taken equals its rows holding a seat, and returns it.
func checkSeats(t testing.TB, s *postgres.Store, sessionID int64) int {
	t.Helper()
	taken := testdb.Int(t, s, `SELECT seats_taken FROM module_sessions WHERE id = $1`, sessionID)
	rows := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status IN ('confirmed', 'held', 'attended', 'no_show')`, sessionID)
	if taken != rows {
		t.Fatalf("seats_taken = %d but %d enrolments hold a seat", taken, rows)
	}
	return taken
}

func mailKinds(t testing.TB, s *postgres.Store, userID int64) []string {
	t.Helper()
	return testdb.Column[string](t, s, `SELECT o.kind FROM mail_outbox o JOIN users u ON u.email = o.recipient
		WHERE u.id = $1 ORDER BY o.id`, userID)
}

// TestStore_EnrolConcurrently fires 230 enrolments at once (each agent its own goroutine) at a session of 20
// seats: exactly 20 confirmed, the others waitlisted in order of arrival, seats_taken equal to the rows; then
// cancellations, concurrent and one by one, promote exactly the head of the waitlist, in order.
func TestStore_EnrolConcurrently(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	const seats, crowd = 20, 230
	mod := enModule(t, s, "presentiel", "published", "published")
	sess := enSession(t, s, mod, seats, 10*24*time.Hour)
	users := enUsers(t, s, crowd)

	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, crowd)
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := s.EnrolInSession(ctx, u, sess, ""); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("enrolment failed: %v", err)
	}

	if got := checkSeats(t, s, sess); got != seats {
		t.Fatalf("seats_taken = %d, want %d", got, seats)
	}
	confirmed := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'confirmed'`, sess)
	waiting := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'`, sess)
	if confirmed != seats || waiting != crowd-seats {
		t.Fatalf("%d confirmed and %d waitlisted, want %d and %d", confirmed, waiting, seats, crowd-seats)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1`, sess); n != crowd {
		t.Fatalf("%d enrolments for %d agents", n, crowd)
	}
	// Arrival order: every confirmed agent arrived (queue_seq) before every waitlisted one, and the waitlist
	// positions are 1..n in arrival order.
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments c, enrolments w WHERE c.session_id = $1 AND w.session_id = $1
		AND c.status = 'confirmed' AND w.status = 'waitlisted' AND c.queue_seq > w.queue_seq`, sess); n != 0 {
		t.Fatalf("%d waitlisted agents arrived before a confirmed one", n)
	}
	order, positions := waitlist(t, s, sess)
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("position %d at rank %d of the waitlist", p, i+1)
		}
	}
	bySeq := testdb.Column[int64](t, s, `SELECT user_id FROM enrolments WHERE session_id = $1 AND status = 'waitlisted' ORDER BY queue_seq`, sess)
	if !slices.Equal(order, bySeq) {
		t.Fatal("the roster's waitlist is not in arrival order")
	}
	// Every agent got the mail of their outcome.
	if n := testdb.Int(t, s, `SELECT count(*) FROM mail_outbox o JOIN users u ON u.email = o.recipient JOIN enrolments e ON e.user_id = u.id
		WHERE e.session_id = $1 AND o.kind = CASE e.status WHEN 'confirmed' THEN 'enrolment_confirmed' ELSE 'enrolment_waitlisted' END`, sess); n != crowd {
		t.Fatalf("%d outcome mails, want %d", n, crowd)
	}

	seatHolders := testdb.Column[int64](t, s, `SELECT id FROM enrolments WHERE session_id = $1 AND status = 'confirmed' ORDER BY id`, sess)
	owner := func(enrolmentID int64) int64 {
		return int64(testdb.Int(t, s, `SELECT user_id FROM enrolments WHERE id = $1`, enrolmentID))
	}

	t.Run("ConcurrentCancellationsPromoteTheHead", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, id := range seatHolders[:5] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.CancelEnrolment(ctx, owner(id), id); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := checkSeats(t, s, sess); got != seats {
			t.Fatalf("seats_taken = %d after cancellations and promotions, want %d", got, seats)
		}
		for _, u := range order[:5] {
			if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND user_id = $2 AND status = 'confirmed'`, sess, u); n != 1 {
				t.Fatalf("agent %d (head of the waitlist) was not promoted", u)
			}
			if k := mailKinds(t, s, u); k[len(k)-1] != enrolment.KindPromoted {
				t.Fatalf("agent %d: mails %v, want a promotion mail last", u, k)
			}
		}
		rest, _ := waitlist(t, s, sess)
		if !slices.Equal(rest, order[5:]) {
			t.Fatal("the rest of the waitlist is not the original order minus its head")
		}
	})

	t.Run("OneByOneInOrder", func(t *testing.T) {
		for i, id := range seatHolders[5:10] {
			head, _ := waitlist(t, s, sess)
			if _, err := s.CancelEnrolment(ctx, owner(id), id); err != nil {
				t.Fatal(err)
			}
			if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND user_id = $2 AND status = 'confirmed'`, sess, head[0]); n != 1 {
				t.Fatalf("cancellation %d did not promote the head of the waitlist", i+1)
			}
			after, positions := waitlist(t, s, sess)
			if !slices.Equal(after, head[1:]) || positions[0] != 1 {
				t.Fatalf("cancellation %d: waitlist not shifted by one", i+1)
			}
			checkSeats(t, s, sess)
		}
	})

	t.Run("DoubleSubmitIsHarmless", func(t *testing.T) {
		u := enUsers(t, s, 1)[0]
		other := enSession(t, s, mod, 5, 20*24*time.Hour)
		var wg sync.WaitGroup
		var already atomic.Int64
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := s.EnrolInSession(ctx, u, other, "")
				if err != nil {
					t.Error(err)
				}
				if out.Already {
					already.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1`, u); n != 1 {
			t.Fatalf("%d enrolments after 12 identical submits", n)
		}
		if already.Load() != 11 {
			t.Fatalf("%d answers said 'already enrolled', want 11", already.Load())
		}
		if got := checkSeats(t, s, other); got != 1 {
			t.Fatalf("seats_taken = %d, want 1", got)
		}
		if k := mailKinds(t, s, u); len(k) != 1 {
			t.Fatalf("mails %v, want one confirmation", k)
		}
	})
}

// TestStore_WaitlistOrder: agents enrolling one after the other in a full session are waitlisted in that order,
// with positions 1, 2, 3…; a new agent never takes a freed seat ahead of the waitlist.
func TestStore_WaitlistOrder(t *testing.T) {
	t.Parallel()
	s, _, sess := enModuleSession(t, "hybride", 2, 5*24*time.Hour)
	ctx := context.Background()
	users := enUsers(t, s, 8)
	for i, u := range users {
		out, err := s.EnrolInSession(ctx, u, sess, "")
		if err != nil {
			t.Fatal(err)
		}
		wantStatus, wantPos := enrolment.Confirmed, 0
		if i >= 2 {
			wantStatus, wantPos = enrolment.Waitlisted, i-1
		}
		if out.Enrolment.Status != wantStatus || out.Enrolment.Position != wantPos {
			t.Fatalf("agent %d: %s position %d, want %s position %d", i+1, out.Enrolment.Status, out.Enrolment.Position, wantStatus, wantPos)
		}
	}
	order, _ := waitlist(t, s, sess)
	if !slices.Equal(order, users[2:]) {
		t.Fatalf("waitlist %v, want %v", order, users[2:])
	}

	t.Run("LeavingTheWaitlistShiftsPositions", func(t *testing.T) {
		id := testdb.Int64(t, s, `SELECT id FROM enrolments WHERE user_id = $1`, users[3])
		if _, err := s.CancelEnrolment(ctx, users[3], id); err != nil {
			t.Fatal(err)
		}
		order, positions := waitlist(t, s, sess)
		if !slices.Equal(order, append([]int64{users[2]}, users[4:]...)) || !slices.Equal(positions, []int{1, 2, 3, 4, 5}) {
			t.Fatalf("waitlist %v positions %v", order, positions)
		}
		if got := checkSeats(t, s, sess); got != 2 {
			t.Fatalf("a waitlist cancellation changed the seats: %d", got)
		}
	})

	t.Run("AccountDeletionFreesTheSeatForTheWaitlist", func(t *testing.T) {
		if err := s.DeleteUser(ctx, users[0]); err != nil {
			t.Fatal(err)
		}
		if got := checkSeats(t, s, sess); got != 1 {
			t.Fatalf("seats_taken = %d after the deletion, want 1", got)
		}
		// A newcomer does not jump the queue: the free seat belongs to the waitlist.
		late := enUsers(t, s, 1)[0]
		out, err := s.EnrolInSession(ctx, late, sess, "")
		if err != nil || out.Enrolment.Status != enrolment.Waitlisted {
			t.Fatalf("newcomer: %+v, %v; want waitlisted", out.Enrolment.Status, err)
		}
		n, err := s.FillFreedSeats(ctx)
		if err != nil || n != 1 {
			t.Fatalf("FillFreedSeats = %d, %v; want 1", n, err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND status = 'confirmed'`, users[2]); n != 1 {
			t.Fatal("the head of the waitlist was not promoted into the freed seat")
		}
		checkSeats(t, s, sess)
	})
}

func refusal(t *testing.T, err error, code string) {
	t.Helper()
	r, ok := apperr.AsRefusal(err)
	if !ok || r.Code != code {
		t.Fatalf("got %v, want refusal %q", err, code)
	}
	if r.Message == "" || !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("refusal %q without a message or not a conflict", code)
	}
}

// TestStore_EnrolRules: what may not be enrolled in is refused with a French message.
func TestStore_EnrolRules(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	u := enUsers(t, s, 1)[0]
	// inSession and online enrol a user and keep the error only.
	inSession := func(user, session int64) error { _, err := s.EnrolInSession(ctx, user, session, ""); return err }
	online := func(user, module int64) error { _, err := s.EnrolOnline(ctx, user, module); return err }

	t.Run("ComingDomain", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "published", "coming")
		refusal(t, inSession(u, enSession(t, s, mod, 10, 48*time.Hour)), enrolment.CodeDomainComing)
	})
	t.Run("DraftModule", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "draft", "published")
		refusal(t, inSession(u, enSession(t, s, mod, 10, 48*time.Hour)), enrolment.CodeModuleClosed)
		draftOnline := enModule(t, s, "en_ligne", "draft", "published")
		refusal(t, online(u, draftOnline), enrolment.CodeModuleClosed)
	})
	t.Run("ArchivedModule", func(t *testing.T) {
		mod := enModule(t, s, "en_ligne", "archived", "published")
		refusal(t, online(u, mod), enrolment.CodeModuleArchived)
	})
	t.Run("PastSession", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "published", "published")
		refusal(t, inSession(u, enSession(t, s, mod, 10, -time.Hour)), enrolment.CodeSessionStarted)
	})
	t.Run("CancelledSession", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "published", "published")
		sess := enSession(t, s, mod, 10, 48*time.Hour)
		testdb.Exec(t, s, `UPDATE module_sessions SET status = 'cancelled' WHERE id = $1`, sess)
		refusal(t, inSession(u, sess), enrolment.CodeSessionCancelled)
	})
	t.Run("UnknownSession", func(t *testing.T) {
		refusal(t, inSession(u, 987654321), enrolment.CodeSessionUnknown)
	})
	t.Run("FormatMismatch", func(t *testing.T) {
		dated := enModule(t, s, "presentiel", "published", "published")
		refusal(t, online(u, dated), enrolment.CodeDated)
	})
	t.Run("UnverifiedAddress", func(t *testing.T) {
		v := enUsers(t, s, 1)[0]
		testdb.Exec(t, s, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, v)
		mod := enModule(t, s, "en_ligne", "published", "published")
		refusal(t, online(v, mod), enrolment.CodeNotVerified)
	})
	t.Run("OneSeatPerModule", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "published", "published")
		a, b := enSession(t, s, mod, 10, 48*time.Hour), enSession(t, s, mod, 10, 96*time.Hour)
		if _, err := s.EnrolInSession(ctx, u, a, ""); err != nil {
			t.Fatal(err)
		}
		refusal(t, inSession(u, b), enrolment.CodeOtherSession)
	})
	t.Run("WaitlistedMaySwitchToAnotherSession", func(t *testing.T) {
		mod := enModule(t, s, "presentiel", "published", "published")
		full, open := enSession(t, s, mod, 1, 48*time.Hour), enSession(t, s, mod, 10, 96*time.Hour)
		first, v := enUsers(t, s, 1)[0], enUsers(t, s, 1)[0]
		if _, err := s.EnrolInSession(ctx, first, full, ""); err != nil {
			t.Fatal(err)
		}
		out, err := s.EnrolInSession(ctx, v, full, "")
		if err != nil || out.Enrolment.Status != enrolment.Waitlisted {
			t.Fatalf("%v %v", out.Enrolment.Status, err)
		}
		out, err = s.EnrolInSession(ctx, v, open, "")
		if err != nil || out.Enrolment.Status != enrolment.Confirmed || out.Left == nil || out.Left.Session.ID != full {
			t.Fatalf("switch: %+v, %v", out, err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND status IN ('confirmed', 'waitlisted')`, v); n != 1 {
			t.Fatalf("%d active enrolments after switching", n)
		}
	})
	t.Run("OnlineIsImmediateAndIdempotent", func(t *testing.T) {
		mod := enModule(t, s, "en_ligne", "published", "published")
		out, err := s.EnrolOnline(ctx, u, mod)
		if err != nil || out.Enrolment.Status != enrolment.Confirmed || out.Enrolment.Module.ExternalURL == "" {
			t.Fatalf("%+v %v", out, err)
		}
		again, err := s.EnrolOnline(ctx, u, mod)
		if err != nil || !again.Already || again.Enrolment.ID != out.Enrolment.ID {
			t.Fatalf("second submit: %+v %v", again, err)
		}
		if _, err := s.EnrolInSession(ctx, u, enSession(t, s, mod, 3, 48*time.Hour), ""); apperr.Code(err) != enrolment.CodeNotDated {
			t.Fatalf("a session of an online module: %v", err)
		}
	})
}

// TestStore_Cancel: the cut-off, the owner check, and no promotion once the session has started.
func TestStore_Cancel(t *testing.T) {
	t.Parallel()
	s, mod, soon := enModuleSession(t, "presentiel", 1, 12*time.Hour)
	ctx := context.Background()
	users := enUsers(t, s, 3)
	a := testdb.Must(s.EnrolInSession(ctx, users[0], soon, ""))(t)
	b := testdb.Must(s.EnrolInSession(ctx, users[1], soon, ""))(t)

	t.Run("NotTheOwner", func(t *testing.T) {
		if _, err := s.CancelEnrolment(ctx, users[2], a.Enrolment.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("another agent cancelling: %v, want not found", err)
		}
	})
	t.Run("AfterTheCutoff", func(t *testing.T) {
		_, err := s.CancelEnrolment(ctx, users[0], a.Enrolment.ID)
		refusal(t, err, enrolment.CodeCutoff)
	})
	t.Run("WaitlistAnyTimeBeforeStart", func(t *testing.T) {
		if _, err := s.CancelEnrolment(ctx, users[1], b.Enrolment.ID); err != nil {
			t.Fatal(err)
		}
		if k := mailKinds(t, s, users[1]); k[len(k)-1] != enrolment.KindCancelled {
			t.Fatalf("mails %v", k)
		}
	})
	t.Run("AdminNoPromotionAfterStart", func(t *testing.T) {
		started := enSession(t, s, mod, 1, 72*time.Hour)
		vs := enUsers(t, s, 2)
		x := testdb.Must(s.EnrolInSession(ctx, vs[0], started, ""))(t)
		if _, err := s.EnrolInSession(ctx, vs[1], started, ""); err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '2 hours' WHERE id = $1`, started)
		if _, err := s.AdminCancelEnrolment(ctx, x.Enrolment.ID); apperr.Code(err) != enrolment.CodeNotCancellable {
			t.Fatalf("cancelling in a started session: %v", err)
		}
		// Even when a seat is freed after the start (account deleted), nobody is promoted.
		if err := s.DeleteUser(ctx, vs[0]); err != nil {
			t.Fatal(err)
		}
		if n, err := s.FillFreedSeats(ctx); err != nil || n != 0 {
			t.Fatalf("FillFreedSeats after the start = %d, %v", n, err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND status = 'waitlisted'`, vs[1]); n != 1 {
			t.Fatal("promoted after the session started")
		}
	})
}

// TestStore_SessionOperations: the back-office operations (capacity, cancellation, attendance, completion).
func TestStore_SessionOperations(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	mod := enModule(t, s, "presentiel", "published", "published")

	t.Run("ChangeCapacity", func(t *testing.T) {
		sess := enSession(t, s, mod, 3, 10*24*time.Hour)
		users, _ := enEnrolled(t, s, sess, 8)
		_, err := s.ChangeCapacity(ctx, admin.Actor{Name: "test"}, sess, 2)
		refusal(t, err, enrolment.CodeCapacityBelowTaken)
		_, err = s.ChangeCapacity(ctx, admin.Actor{Name: "test"}, sess, 0)
		refusal(t, err, enrolment.CodeCapacityInvalid)
		promoted, err := s.ChangeCapacity(ctx, admin.Actor{Name: "test"}, sess, 6)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, p := range promoted {
			got = append(got, p.UserID)
		}
		if !slices.Equal(got, users[3:6]) {
			t.Fatalf("promoted %v, want the first three of the waitlist %v", got, users[3:6])
		}
		if checkSeats(t, s, sess) != 6 {
			t.Fatal("seats")
		}
		if k := mailKinds(t, s, users[3]); !slices.Equal(k, []string{enrolment.KindWaitlisted, enrolment.KindPromoted}) {
			t.Fatalf("mails %v", k)
		}
		if _, err := s.ChangeCapacity(ctx, admin.Actor{Name: "test"}, sess, 6); err != nil {
			t.Fatal("same capacity refused:", err)
		}
	})

	t.Run("CancelSession", func(t *testing.T) {
		sess := enSession(t, s, mod, 2, 10*24*time.Hour)
		users, _ := enEnrolled(t, s, sess, 3)
		cancelled, err := s.CancelSession(ctx, admin.Actor{Name: "test"}, sess)
		if err != nil || len(cancelled) != 3 {
			t.Fatalf("%d cancelled, %v", len(cancelled), err)
		}
		if checkSeats(t, s, sess) != 0 {
			t.Fatal("seats after cancellation")
		}
		for _, u := range users {
			if k := mailKinds(t, s, u); k[len(k)-1] != enrolment.KindSessionCancelled {
				t.Fatalf("agent %d: %v", u, k)
			}
		}
		_, err = s.CancelSession(ctx, admin.Actor{Name: "test"}, sess)
		refusal(t, err, enrolment.CodeSessionCancelled)
	})

	t.Run("MarkAttendance", func(t *testing.T) {
		sess := enSession(t, s, mod, 5, 3*24*time.Hour)
		users := enUsers(t, s, 2)
		a := testdb.Must(s.EnrolInSession(ctx, users[0], sess, ""))(t)
		b := testdb.Must(s.EnrolInSession(ctx, users[1], sess, ""))(t)
		_, err := s.MarkAttendance(ctx, sess, map[int64]bool{a.Enrolment.ID: true})
		refusal(t, err, enrolment.CodeAttendanceEarly)
		testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 day', ends_at = now() - interval '20 hours' WHERE id = $1`, sess)
		n, err := s.MarkAttendance(ctx, sess, map[int64]bool{a.Enrolment.ID: true, b.Enrolment.ID: false})
		if err != nil || n != 2 {
			t.Fatalf("%d, %v", n, err)
		}
		// Correction, and idempotence.
		if n, err := s.MarkAttendance(ctx, sess, map[int64]bool{a.Enrolment.ID: true, b.Enrolment.ID: true}); err != nil || n != 1 {
			t.Fatalf("%d, %v", n, err)
		}
		if checkSeats(t, s, sess) != 2 {
			t.Fatal("attendance changed the seats")
		}
		other := enSession(t, s, mod, 5, 3*24*time.Hour)
		if _, err := s.MarkAttendance(ctx, other, map[int64]bool{a.Enrolment.ID: true}); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an enrolment of another session: %v", err)
		}
	})

	t.Run("MarkCompletion", func(t *testing.T) {
		online := enModule(t, s, "en_ligne", "published", "published")
		u := enUsers(t, s, 1)[0]
		out := testdb.Must(s.EnrolOnline(ctx, u, online))(t)
		e, err := s.MarkCompletion(ctx, out.Enrolment.ID, true)
		if err != nil || e.Status != enrolment.Completed || e.CompletedAt == nil {
			t.Fatalf("%+v %v", e.Status, err)
		}
		if _, err := s.EnrolOnline(ctx, u, online); apperr.Code(err) != enrolment.CodeAlreadyFollowing {
			t.Fatalf("re-enrolling in a completed module: %v", err)
		}
		sess := enSession(t, s, mod, 5, 3*24*time.Hour)
		d := testdb.Must(s.EnrolInSession(ctx, u, sess, ""))(t)
		_, err = s.MarkCompletion(ctx, d.Enrolment.ID, true)
		refusal(t, err, enrolment.CodeNotOnline)
	})
}

// TestStore_Track: a track enrols in its online modules at once and leaves its dated modules to schedule; picking
// a session then turns the pending enrolment into a seat.
func TestStore_Track(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	online := enModule(t, s, "en_ligne", "published", "published")
	dated := enModule(t, s, "presentiel", "published", "published")
	draft := enModule(t, s, "en_ligne", "draft", "published")
	var domainID, trackID, tailoredID int64
	testdb.Row(t, s, `SELECT domain_id FROM modules WHERE id = $1`, online).Scan(&domainID)
	n := enSeq.Add(1)
	for _, x := range []struct {
		id    *int64
		admin string
	}{{&trackID, ""}, {&tailoredID, "Ministère des Essais"}} {
		testdb.Row(t, s, `INSERT INTO tracks (slug, domain_id, title, status, administration) VALUES ($1, $2, 'Parcours d’essai', 'published', $3) RETURNING id`,
			fmt.Sprintf("parcours-insc-%d-%d", n, len(x.admin)), domainID, x.admin).Scan(x.id)
		for i, m := range []int64{online, dated, draft} {
			testdb.Exec(t, s, `INSERT INTO track_modules (track_id, module_id, position) VALUES ($1, $2, $3)`, *x.id, m, i+1)
		}
	}
	u := enUsers(t, s, 1)[0]
	out, err := s.EnrolTrack(ctx, u, trackID)
	if err != nil || len(out.Online) != 1 || len(out.ToSchedule) != 1 || len(out.Closed) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	if k := mailKinds(t, s, u); !slices.Equal(k, []string{enrolment.KindTrack}) {
		t.Fatalf("mails %v", k)
	}
	_, err = s.EnrolTrack(ctx, u, trackID)
	refusal(t, err, enrolment.CodeTrackNothingNew)
	_, err = s.EnrolTrack(ctx, u, tailoredID)
	refusal(t, err, enrolment.CodeTrackTailored)

	list, err := s.MyEnrolments(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	mine := enrolment.Group(list, time.Now())
	if len(mine.Online) != 1 || len(mine.ToSchedule) != 1 || mine.ToSchedule[0].Track.Title == "" {
		t.Fatalf("Mes formations: %d online, %d to schedule", len(mine.Online), len(mine.ToSchedule))
	}
	pendingID := mine.ToSchedule[0].ID
	sess := enSession(t, s, dated, 4, 5*24*time.Hour)
	pick, err := s.EnrolInSession(ctx, u, sess, "")
	if err != nil || pick.Enrolment.ID != pendingID || pick.Enrolment.Status != enrolment.Confirmed || pick.Enrolment.Track.Title == "" {
		t.Fatalf("picking a session: %+v %v", pick.Enrolment, err)
	}

	// The session is cancelled: the module goes back to "À planifier" for its track; the cancelled seat stays.
	if _, err := s.CancelSession(ctx, admin.Actor{Name: "test"}, sess); err != nil {
		t.Fatal(err)
	}
	list, err = s.MyEnrolments(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	mine = enrolment.Group(list, time.Now())
	if len(mine.ToSchedule) != 1 || mine.ToSchedule[0].ID == pendingID || mine.ToSchedule[0].Module.ID != dated || mine.ToSchedule[0].Track.Title == "" {
		t.Fatalf("after the session's cancellation, to schedule: %+v", mine.ToSchedule)
	}
	var status, body string
	testdb.Row(t, s, `SELECT status FROM enrolments WHERE id = $1`, pendingID).Scan(&status)
	testdb.Row(t, s, `SELECT o.body FROM mail_outbox o JOIN users u ON u.email = o.recipient WHERE u.id = $1 AND o.kind = $2`,
		u, enrolment.KindSessionCancelled).Scan(&body)
	if status != enrolment.Cancelled || !strings.Contains(body, "revient dans « À planifier »") {
		t.Errorf("the cancelled seat %s; mail:\n%s", status, body)
	}
}

// TestStore_Reminders: a reminder is queued once per seat, two days before, and never for a cancelled seat.
func TestStore_Reminders(t *testing.T) {
	t.Parallel()
	s, _, sess := enModuleSession(t, "presentiel", 5, 5*24*time.Hour)
	ctx := context.Background()
	users, ids := enEnrolled(t, s, sess, 3)
	if _, err := s.CancelEnrolment(ctx, users[2], ids[2]); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Must(s.QueueReminders(ctx))(t); n != 0 {
		t.Fatalf("%d reminders five days before", n)
	}
	// Time passes: the seats were confirmed four days ago, the session now starts in 36 hours.
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() + interval '36 hours', ends_at = now() + interval '40 hours' WHERE id = $1`, sess)
	testdb.Exec(t, s, `UPDATE enrolments SET confirmed_at = confirmed_at - interval '4 days' WHERE session_id = $1`, sess)
	var wg sync.WaitGroup
	var total atomic.Int64
	for range 4 { // several instances at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.QueueReminders(ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if total.Load() != 2 {
		t.Fatalf("%d reminders queued, want 2", total.Load())
	}
	// A seat confirmed after the reminder time gets no reminder: its confirmation said it all.
	late := enUsers(t, s, 1)[0]
	if _, err := s.EnrolInSession(ctx, late, sess, ""); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Must(s.QueueReminders(ctx))(t); n != 0 {
		t.Fatalf("reminders queued again: %d", n)
	}
	for i, u := range append(users, late) {
		k := mailKinds(t, s, u)
		has := slices.Contains(k, enrolment.KindReminder)
		if has != (i < 2) {
			t.Fatalf("agent %d: mails %v", i, k)
		}
	}
}

// TestStore_CalendarFeed: only the token's hash is stored; a new token revokes the old.
func TestStore_CalendarFeed(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	u := enUsers(t, s, 1)[0]
	t1, err := s.SetCalendarFeed(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	h1 := account.HashToken(t1)
	if n := testdb.Int(t, s, `SELECT count(*) FROM calendar_feeds WHERE user_id = $1 AND token_hash = $2`, u, h1); n != 1 {
		t.Fatal("the feed is not stored as the hash of its token")
	}
	if _, _, err := s.CalendarFeed(ctx, h1); err != nil {
		t.Fatal(err)
	}
	t2, err := s.SetCalendarFeed(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	h2 := account.HashToken(t2)
	if _, _, err := s.CalendarFeed(ctx, h1); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("old token: %v", err)
	}
	if err := s.RevokeCalendarFeed(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CalendarFeed(ctx, h2); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("revoked token: %v", err)
	}
}

// BenchmarkStore_EnrolInSession measures the enrolment transaction, from parallel goroutines, each enrolment a
// new agent in one of a few sessions of 20 seats (so both seats and waitlists), and reports its p95.
func BenchmarkStore_EnrolInSession(b *testing.B) {
	s := enStore(b)
	ctx := context.Background()
	mod := enModule(b, s, "presentiel", "published", "published")
	var sessions []int64
	for range 8 {
		sessions = append(sessions, enSession(b, s, mod, 20, 30*24*time.Hour))
	}
	users := enUsers(b, s, b.N)
	var next atomic.Int64
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			t0 := time.Now()
			if _, err := s.EnrolInSession(ctx, users[i], sessions[int(i)%len(sessions)], ""); err != nil {
				b.Error(err)
				return
			}
			lat[i] = time.Since(t0)
		}
	})
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100])/float64(time.Millisecond), "p95-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrolments/s")
}

// TestEnrolment_SessionOfItsModule: the database refuses an enrolment whose session belongs to another module
// (migration 00027), on insert and on update, while the store's own enrolments and session-less ones pass.
func TestEnrolment_SessionOfItsModule(t *testing.T) {
	s, mod, sess := enModuleSession(t, "presentiel", 5, 72*time.Hour)
	other := enModule(t, s, "presentiel", "published", "published")
	online := enModule(t, s, "en_ligne", "published", "published")
	users := enUsers(t, s, 3)
	ctx := context.Background()

	out, err := s.EnrolInSession(ctx, users[0], sess, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnrolOnline(ctx, users[1], online); err != nil {
		t.Fatal(err)
	}
	refused := func(what, sql string, args ...any) {
		t.Helper()
		_, err := s.Pool().Exec(ctx, sql, args...)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.ConstraintName != "enrolments_session_module_fkey" {
			t.Fatalf("%s: got %v, want a violation of enrolments_session_module_fkey", what, err)
		}
	}
	refused("insert with another module's session", `INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq)
		VALUES ($1, $2, $3, 'confirmed', 1)`, users[2], other, sess)
	refused("moving an enrolment to another module", `UPDATE enrolments SET module_id = $2 WHERE id = $1`, out.Enrolment.ID, other)
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE module_id = $1`, other); n != 0 {
		t.Fatalf("%d enrolments in the other module, want 0", n)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE module_id = $1 AND session_id = $2`, mod, sess); n != 1 {
		t.Fatalf("%d enrolments in the session, want 1", n)
	}
}
