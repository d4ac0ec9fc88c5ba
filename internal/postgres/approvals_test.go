package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// approvalSession is a session of `seats` seats, starting in ten days, that requires the manager's approval.
func approvalSession(t testing.TB, s *postgres.Store, seats int) int64 {
	t.Helper()
	mod := enModule(t, s, "presentiel", "published", "published")
	sess := enSession(t, s, mod, seats, 10*24*time.Hour)
	testdb.Exec(t, s, `UPDATE module_sessions SET approval_required = true WHERE id = $1`, sess)
	return sess
}

func managerOf(u int64) string { return fmt.Sprintf("chef-%d@exemple.gouv.fr", u) }

func statusOf(t testing.TB, s *postgres.Store, sess, user int64) string {
	t.Helper()
	st := testdb.String(t, s, `SELECT status FROM enrolments WHERE session_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT 1`,
		sess, user)
	return st
}

// TestStore_ApprovalStateMachine walks held → confirmed / refused / expired, with the waitlist promoted (into a
// held seat, the manager asked in turn) in the same transaction, single-use links, the reminder and the audit log.
func TestStore_ApprovalStateMachine(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	sess := approvalSession(t, s, 2)
	users := enUsers(t, s, 5)

	t.Run("ManagerRequired", func(t *testing.T) {
		_, err := s.EnrolInSession(ctx, users[0], sess, "")
		refusal(t, err, enrolment.CodeManagerRequired)
		own := testdb.String(t, s, `SELECT email FROM users WHERE id = $1`, users[0])
		_, err = s.EnrolInSession(ctx, users[0], sess, own)
		refusal(t, err, enrolment.CodeManagerInvalid)
		_, err = s.EnrolInSession(ctx, users[0], sess, "pas une adresse")
		refusal(t, err, enrolment.CodeManagerInvalid)
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1`, sess); n != 0 {
			t.Fatalf("%d enrolments written by refused requests", n)
		}
	})

	for _, u := range users[:4] {
		out, err := s.EnrolInSession(ctx, u, sess, managerOf(u))
		if err != nil {
			t.Fatal(err)
		}
		if u == users[0] && (out.Enrolment.Status != enrolment.Held || out.Enrolment.Approval == nil) {
			t.Fatalf("first agent: %s, approval %v; want held with a request", out.Enrolment.Status, out.Enrolment.Approval)
		}
	}
	if got := checkSeats(t, s, sess); got != 2 {
		t.Fatalf("seats_taken = %d, want 2 (held seats count)", got)
	}
	for i, want := range []string{"held", "held", "waitlisted", "waitlisted"} {
		if st := statusOf(t, s, sess, users[i]); st != want {
			t.Fatalf("agent %d: %s, want %s", i, st, want)
		}
	}
	if k := mailKinds(t, s, users[0]); !slices.Equal(k, []string{enrolment.KindHeld}) {
		t.Fatalf("agent mails %v", k)
	}
	if m := testdb.Int(t, s, `SELECT (manager_email = $2)::int FROM users WHERE id = $1`, users[0], managerOf(users[0])); m == 0 {
		t.Fatal("the manager's address was not remembered")
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolment_approvals WHERE token_hash IS NOT NULL AND length(token_hash) = 32`); n != 2 {
		t.Fatalf("%d requests with a hashed token, want 2", n)
	}

	tok0 := testdb.LastLink(t, s, managerOf(users[0]), "/accord/")
	t.Run("Approve", func(t *testing.T) {
		r, err := s.ApprovalByToken(ctx, account.HashToken(tok0))
		if err != nil || r.Enrolment.UserID != users[0] || !r.Approval.Pending() {
			t.Fatalf("request by token: %+v, %v", r.Approval, err)
		}
		if _, err := s.ApprovalByToken(ctx, account.HashToken(tok0+"x")); err == nil {
			t.Fatal("a wrong token found a request")
		}
		if _, err := s.DecideApprovalByToken(ctx, account.HashToken(tok0), postgres.Decision{Approve: true, Message: "Bonne formation"}); err != nil {
			t.Fatal(err)
		}
		if st := statusOf(t, s, sess, users[0]); st != enrolment.Confirmed {
			t.Fatalf("approved: %s", st)
		}
		_, err = s.DecideApprovalByToken(ctx, account.HashToken(tok0), postgres.Decision{Approve: false})
		refusal(t, err, enrolment.CodeApprovalDone)
		if st := statusOf(t, s, sess, users[0]); st != enrolment.Confirmed {
			t.Fatalf("a second use of the link changed the enrolment: %s", st)
		}
		if k := mailKinds(t, s, users[0]); k[len(k)-1] != enrolment.KindApproved {
			t.Fatalf("agent mails %v", k)
		}
	})

	t.Run("RefusePromotesIntoAHeldSeat", func(t *testing.T) {
		tok := testdb.LastLink(t, s, managerOf(users[1]), "/accord/")
		if _, err := s.DecideApprovalByToken(ctx, account.HashToken(tok), postgres.Decision{Approve: false, Message: "Période de clôture budgétaire."}); err != nil {
			t.Fatal(err)
		}
		if st := statusOf(t, s, sess, users[1]); st != enrolment.Cancelled {
			t.Fatalf("refused: %s", st)
		}
		if r := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND cancel_reason = 'refused'`, users[1]); r != 1 {
			t.Fatal("no refused reason")
		}
		if st := statusOf(t, s, sess, users[2]); st != enrolment.Held {
			t.Fatalf("head of the waitlist: %s, want held", st)
		}
		if tok := testdb.LastLink(t, s, managerOf(users[2]), "/accord/"); tok == "" {
			t.Fatal("the promoted agent's manager was not asked")
		}
		if k := mailKinds(t, s, users[2]); k[len(k)-1] != enrolment.KindPromotedHeld {
			t.Fatalf("promoted agent mails %v", k)
		}
		body := testdb.String(t, s, `SELECT o.body FROM mail_outbox o JOIN users u ON u.email = o.recipient WHERE u.id = $1 AND o.kind = $2`,
			users[1], enrolment.KindRefused)
		if !regexp.MustCompile(`Période de clôture budgétaire`).MatchString(body) {
			t.Fatalf("refusal mail without the manager's message:\n%s", body)
		}
		checkSeats(t, s, sess)
	})

	t.Run("Reminder", func(t *testing.T) {
		testdb.Exec(t, s, `UPDATE enrolment_approvals a SET requested_at = now() - interval '2 days', expires_at = now() + interval '1 hour' FROM enrolments e
			WHERE e.id = a.enrolment_id AND e.user_id = $1 AND a.decision = ''`, users[2])
		first := testdb.LastLink(t, s, managerOf(users[2]), "/accord/")
		n, err := s.RemindApprovals(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reminders: %d, %v; want 1", n, err)
		}
		if n := testdb.Must(s.RemindApprovals(ctx))(t); n != 0 {
			t.Fatalf("%d reminders the second time", n)
		}
		second := testdb.LastLink(t, s, managerOf(users[2]), "/accord/")
		if second == first {
			t.Fatal("the reminder repeats the first link")
		}
		for _, tok := range []string{first, second} {
			if _, err := s.ApprovalByToken(ctx, account.HashToken(tok)); err != nil {
				t.Fatalf("link no longer valid after the reminder: %v", err)
			}
		}
	})

	t.Run("ExpiryPromotesInOrder", func(t *testing.T) {
		tok := testdb.LastLink(t, s, managerOf(users[2]), "/accord/")
		testdb.Exec(t, s, `UPDATE enrolment_approvals a SET requested_at = now() - interval '8 days', expires_at = now() - interval '1 second'
			FROM enrolments e WHERE e.id = a.enrolment_id AND e.user_id = $1 AND a.decision = ''`, users[2])
		_, err := s.DecideApprovalByToken(ctx, account.HashToken(tok), postgres.Decision{Approve: true})
		refusal(t, err, enrolment.CodeApprovalExpired)
		n, err := s.ExpireApprovals(ctx)
		if err != nil || n != 1 {
			t.Fatalf("expired %d, %v; want 1", n, err)
		}
		if st := statusOf(t, s, sess, users[2]); st != enrolment.Cancelled {
			t.Fatalf("expired: %s", st)
		}
		if st := statusOf(t, s, sess, users[3]); st != enrolment.Held {
			t.Fatalf("next in the waitlist: %s, want held", st)
		}
		if k := mailKinds(t, s, users[2]); k[len(k)-1] != enrolment.KindExpired {
			t.Fatalf("expired agent mails %v", k)
		}
		if n := testdb.Must(s.ExpireApprovals(ctx))(t); n != 0 {
			t.Fatalf("expired %d more the second time", n)
		}
		checkSeats(t, s, sess)
	})

	t.Run("AgentCancelsAHeldSeat", func(t *testing.T) {
		id := testdb.Int64(t, s, `SELECT id FROM enrolments WHERE user_id = $1 AND session_id = $2 AND status = 'held'`, users[3], sess)
		if _, err := s.CancelEnrolment(ctx, users[3], id); err != nil {
			t.Fatal(err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolment_approvals WHERE enrolment_id = $1 AND decision = 'withdrawn'`, id); n != 1 {
			t.Fatal("the request was not withdrawn")
		}
		if got := checkSeats(t, s, sess); got != 1 {
			t.Fatalf("seats_taken = %d, want 1", got)
		}
	})

	t.Run("TeamPage", func(t *testing.T) {
		u := users[4]
		if _, err := s.EnrolInSession(ctx, u, sess, managerOf(u)); err != nil {
			t.Fatal(err)
		}
		pending, _, err := s.TeamApprovals(ctx, managerOf(u))
		if err != nil || len(pending) != 1 || pending[0].Enrolment.UserID != u {
			t.Fatalf("team requests: %v, %v", pending, err)
		}
		if _, err := s.DecideTeamApproval(ctx, pending[0].Approval.ID, "autre@exemple.gouv.fr", postgres.Decision{Approve: true}); err == nil {
			t.Fatal("another manager decided on the request")
		}
		if _, err := s.DecideTeamApproval(ctx, pending[0].Approval.ID, managerOf(u), postgres.Decision{Approve: true,
			Actor: admin.Actor{ID: users[0], Name: "Cheffe"}}); err != nil {
			t.Fatal(err)
		}
		if st := statusOf(t, s, sess, u); st != enrolment.Confirmed {
			t.Fatalf("approved from the team page: %s", st)
		}
	})

	if n := testdb.Int(t, s, `SELECT count(*) FROM audit_log WHERE entity = 'enrolment'
		AND action IN ('approval_request', 'approve', 'refuse', 'expire')`); n < 9 {
		t.Fatalf("%d audit entries about approvals", n)
	}
}

// TestStore_ApprovalCrowd: 200 agents enrol at once in a 20-seat session that requires approval; then, all at
// once, managers approve and refuse, holds expire (two "instances" run the expiry job side by side) and agents
// cancel. The seats taken always equal the held and confirmed enrolments, never above the capacity, and seats
// always went to the waitlist in arrival order.
func TestStore_ApprovalCrowd(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	const seats, crowd = 20, 200
	sess := approvalSession(t, s, seats)
	users := enUsers(t, s, crowd)

	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			if _, err := s.EnrolInSession(ctx, u, sess, managerOf(u)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := checkSeats(t, s, sess); got != seats {
		t.Fatalf("seats_taken = %d, want %d", got, seats)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'held'`, sess); n != seats {
		t.Fatalf("%d held, want %d", n, seats)
	}

	// Rounds of mixed decisions, all at once, until the waitlist is empty.
	for round := 0; round < 40; round++ {
		held := testdb.Rows[struct{ User, ID int64 }](t, s, `SELECT e.user_id, e.id FROM enrolments e WHERE e.session_id = $1 AND e.status = 'held'`, sess)
		if len(held) == 0 {
			break
		}
		// A third of the holds expire.
		testdb.Exec(t, s, `UPDATE enrolment_approvals a SET expires_at = now() - interval '1 second' FROM enrolments e
			WHERE e.id = a.enrolment_id AND e.session_id = $1 AND e.status = 'held' AND a.decision = '' AND e.id % 3 = 0`, sess)
		for _, x := range held {
			wg.Go(func() {
				switch x.ID % 3 {
				case 0: // expired: the manager's late click is refused
					if _, err := s.DecideApprovalByToken(ctx, account.HashToken(testdb.LastLink(t, s, managerOf(x.User), "/accord/")), postgres.Decision{Approve: true}); err == nil {
						// The expiry job may not have run yet: the decision is still refused (expired).
						t.Errorf("a late approval of %d passed", x.ID)
					}
				case 1:
					approve := rand.IntN(3) > 0
					if _, err := s.DecideApprovalByToken(ctx, account.HashToken(testdb.LastLink(t, s, managerOf(x.User), "/accord/")), postgres.Decision{Approve: approve}); err != nil {
						t.Error(err)
					}
				case 2:
					if _, err := s.CancelEnrolment(ctx, x.User, x.ID); err != nil {
						t.Error(err)
					}
				}
			})
		}
		for range 2 {
			wg.Go(func() {
				if _, err := s.ExpireApprovals(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if _, err := s.ExpireApprovals(ctx); err != nil {
			t.Fatal(err)
		}
		taken := checkSeats(t, s, sess)
		waiting := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'`, sess)
		if taken > seats || (waiting > 0 && taken != seats) {
			t.Fatalf("round %d: %d seats taken of %d with %d waiting", round, taken, seats, waiting)
		}
		// Arrival order: every seat that went to the waitlist went to someone who arrived before everyone still waiting.
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments c, enrolments w WHERE c.session_id = $1 AND w.session_id = $1
			AND c.status IN ('held', 'confirmed') AND w.status = 'waitlisted' AND c.queue_seq > w.queue_seq`, sess); n != 0 {
			t.Fatalf("round %d: %d waiting agents arrived before a seat holder", round, n)
		}
	}
	// The rounds end when every seat is confirmed (or nobody waits any more).
	waiting := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'`, sess)
	confirmed := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'confirmed'`, sess)
	if waiting > 0 && confirmed != seats {
		t.Fatalf("%d still waiting with %d seats confirmed of %d", waiting, confirmed, seats)
	}
	t.Logf("%d confirmed, %d still waiting, %d expired, %d refused, %d cancelled by their agent", confirmed, waiting,
		testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND cancel_reason = 'expired'`, sess),
		testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND cancel_reason = 'refused'`, sess),
		testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND cancel_reason = 'agent'`, sess))
	// Every request is closed consistently with its enrolment.
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolment_approvals a JOIN enrolments e ON e.id = a.enrolment_id
		WHERE (a.decision = 'approved') <> (e.status = 'confirmed') OR (a.decision = '') <> (e.status = 'held')`); n != 0 {
		t.Fatalf("%d requests disagree with their enrolment", n)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments e WHERE e.session_id = $1 AND e.status = 'held'
		AND NOT EXISTS (SELECT 1 FROM enrolment_approvals a WHERE a.enrolment_id = e.id AND a.decision = '')`, sess); n != 0 {
		t.Fatalf("%d held seats without a request", n)
	}
}
