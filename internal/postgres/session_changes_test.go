package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// failAuditAfterMails makes every insert into the audit log fail: the audit entry is the last write of the
// back-office's session changes, after the mails, so a change that still succeeded would have written them in
// a transaction of their own. The returned function puts the audit log back.
func failAuditAfterMails(t *testing.T, s *postgres.Store) func() {
	t.Helper()
	testdb.Exec(t, s, `CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure after the mails'; END $$`)
	testdb.Exec(t, s, `CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_fail_audit()`)
	return func() { testdb.Exec(t, s, `DROP TRIGGER test_fail_audit ON audit_log`) }
}

// sessionState is what a session change may write: the session's row, its agents' calendar versions, the
// mails and the audit entries about it.
type sessionState struct {
	sessionVersion, capacity, mails, audits int
	starts                                  time.Time
	versions                                []int
}

func readSessionState(t *testing.T, s *postgres.Store, sessionID int64) sessionState {
	t.Helper()
	var st sessionState
	testdb.Row(t, s, `SELECT version, capacity, starts_at,
		(SELECT count(*) FROM mail_outbox o WHERE o.recipient IN (SELECT u.email FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.session_id = $1)),
		(SELECT count(*) FROM audit_log WHERE entity = 'session' AND entity_id = $1)
		FROM module_sessions WHERE id = $1`, sessionID).Scan(&st.sessionVersion, &st.capacity, &st.starts, &st.mails, &st.audits)
	st.versions = testdb.Column[int](t, s, `SELECT version FROM enrolments WHERE session_id = $1 ORDER BY id`, sessionID)
	return st
}

// TestStore_SessionChange: an admin moves a session with three enrolled and two waitlisted agents (and one who
// cancelled): five mails saying what changed, five enrolments with a higher calendar version, one audit entry
// with the admin, all in the change's transaction (a failure after the mails leaves nothing written); a change
// that changes nothing writes nothing; a trainer's assignment bumps the session's version, is audited and told;
// capacity changes and cancellations are audited in their own transaction.
func TestStore_SessionChange(t *testing.T) {
	t.Parallel()
	s, _, sess := enModuleSession(t, "presentiel", 3, 10*24*time.Hour)
	ctx := context.Background()
	users := enUsers(t, s, 7)
	agents, gone, adminID := users[:5], users[5], users[6]
	testdb.Exec(t, s, `UPDATE users SET given_name = 'Alix', usual_name = 'Martin' WHERE id = $1`, adminID)
	actor := admin.Actor{ID: adminID, Name: "Alix Martin"}
	ids := map[int64]int64{} // user → enrolment
	for _, u := range append(slices.Clone(agents), gone) {
		out, err := s.EnrolInSession(ctx, u, sess, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[u] = out.Enrolment.ID
	}
	if _, err := s.CancelEnrolment(ctx, gone, ids[gone]); err != nil {
		t.Fatal(err)
	}
	// The cancelled seat went to the head of the waitlist: three confirmed, two waitlisted remain.
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'`, sess); n != 2 {
		t.Fatalf("%d waitlisted, want 2", n)
	}
	goneVersion := testdb.Int(t, s, `SELECT version FROM enrolments WHERE id = $1`, ids[gone])

	cur, err := s.AdminSession(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	moved := cur
	moved.StartsAt, moved.EndsAt = cur.StartsAt.Add(30*time.Minute), cur.EndsAt.Add(30*time.Minute)

	t.Run("a failure after the mails writes nothing", func(t *testing.T) {
		before := readSessionState(t, s, sess)
		restore := failAuditAfterMails(t, s)
		defer restore()
		if _, err := s.UpdateSession(ctx, actor, sess, cur.Version, moved); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("UpdateSession with a failing audit log: %v", err)
		}
		if after := readSessionState(t, s, sess); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("written despite the failure:\nbefore %+v\nafter  %+v", before, after)
		}
		if _, err := s.ChangeCapacity(ctx, actor, sess, 5); err == nil {
			t.Fatal("capacity changed without its audit entry")
		}
		if _, err := s.CancelSession(ctx, actor, sess); err == nil {
			t.Fatal("session cancelled without its audit entry")
		}
		if after := readSessionState(t, s, sess); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("capacity or cancellation written despite the failure:\nbefore %+v\nafter  %+v", before, after)
		}
	})

	t.Run("moved: five mails, five calendar versions, one audit entry", func(t *testing.T) {
		before := readSessionState(t, s, sess)
		var updatedBefore time.Time
		testdb.Row(t, s, `SELECT max(updated_at) FROM enrolments WHERE session_id = $1 AND status <> 'cancelled'`, sess).Scan(&updatedBefore)
		told, err := s.UpdateSession(ctx, actor, sess, cur.Version, moved)
		if err != nil || told != 5 {
			t.Fatalf("told %d, %v; want 5", told, err)
		}
		after := readSessionState(t, s, sess)
		if after.mails != before.mails+5 || after.audits != before.audits+1 || after.sessionVersion != before.sessionVersion+1 {
			t.Fatalf("before %+v, after %+v: want 5 mails, 1 audit entry, the session's version +1", before, after)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status <> 'cancelled' AND updated_at > $2`, sess, updatedBefore); n != 5 {
			t.Fatalf("%d enrolments with a later LAST-MODIFIED, want 5", n)
		}
		if v := testdb.Int(t, s, `SELECT version FROM enrolments WHERE id = $1`, ids[gone]); v != goneVersion {
			t.Fatal("the cancelled enrolment's calendar version moved")
		}
		oldWhen := catalogue.Schedule(cur.StartsAt, cur.EndsAt)
		newWhen := catalogue.Schedule(moved.StartsAt, moved.EndsAt)
		for _, u := range agents {
			e, err := s.Enrolment(ctx, ids[u])
			if err != nil {
				t.Fatal(err)
			}
			var subject, body string
			if err := s.Pool().QueryRow(ctx, `SELECT subject, body FROM mail_outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`,
				e.Person.Email, enrolment.KindSessionChanged).Scan(&subject, &body); err != nil {
				t.Fatalf("agent %d: no mail of the change: %v", u, err)
			}
			for _, want := range []string{"Date :\n  avant : " + oldWhen + " (heure de Paris)\n  désormais : " + newWhen + " (heure de Paris)",
				fmt.Sprintf("https://campus.test/mes-formations/%d/calendrier.ics", e.ID), "https://campus.test/mes-formations\n"} {
				if !strings.Contains(body, want) {
					t.Errorf("agent %d (%s): the mail lacks %q:\n%s", u, e.Status, want, body)
				}
			}
			if e.Status == enrolment.Waitlisted && !strings.Contains(body, "liste d’attente (position ") {
				t.Errorf("waitlisted agent's mail does not say so:\n%s", body)
			}
			if strings.Contains(body, "Lieu :\n") {
				t.Errorf("the place did not change, yet the mail says it did:\n%s", body)
			}
		}
		var actorID int64
		var actorName, notified string
		testdb.Row(t, s, `SELECT actor_id, actor_name, after->>'notified' FROM audit_log
			WHERE entity = 'session' AND entity_id = $1 AND action = 'update' ORDER BY id DESC LIMIT 1`, sess).Scan(&actorID, &actorName, &notified)
		if actorID != adminID || actorName != "Alix Martin" || notified != "5" {
			t.Fatalf("audit entry by %d %q, notified %q", actorID, actorName, notified)
		}
	})

	t.Run("a change that changes nothing writes nothing", func(t *testing.T) {
		now, err := s.AdminSession(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		before := readSessionState(t, s, sess)
		if told, err := s.UpdateSession(ctx, actor, sess, now.Version, now); err != nil || told != 0 {
			t.Fatalf("told %d, %v", told, err)
		}
		if after := readSessionState(t, s, sess); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a no-op change wrote:\nbefore %+v\nafter  %+v", before, after)
		}
	})

	t.Run("assigning a trainer", func(t *testing.T) {
		now, err := s.AdminSession(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		before := readSessionState(t, s, sess)
		withTrainer := now
		withTrainer.TrainerID, withTrainer.Trainer = adminID, "Alix Martin"
		if told, err := s.UpdateSession(ctx, actor, sess, now.Version, withTrainer); err != nil || told != 5 {
			t.Fatalf("told %d, %v", told, err)
		}
		after := readSessionState(t, s, sess)
		if after.sessionVersion != before.sessionVersion+1 || after.audits != before.audits+1 || after.mails != before.mails+5 {
			t.Fatalf("before %+v, after %+v", before, after)
		}
		body := testdb.String(t, s, `SELECT body FROM mail_outbox WHERE kind = $1 ORDER BY id DESC LIMIT 1`, enrolment.KindSessionChanged)
		if !strings.Contains(body, "Formateur ou formatrice :\n  avant : pas encore désigné\n  désormais : Alix Martin") {
			t.Fatalf("mail of the trainer's assignment:\n%s", body)
		}
	})

	t.Run("capacity and cancellation are audited with the admin", func(t *testing.T) {
		before := readSessionState(t, s, sess)
		promoted, err := s.ChangeCapacity(ctx, actor, sess, 4)
		if err != nil || len(promoted) != 1 {
			t.Fatalf("promoted %d, %v", len(promoted), err)
		}
		if _, err := s.ChangeCapacity(ctx, actor, sess, 4); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelSession(ctx, actor, sess); err != nil {
			t.Fatal(err)
		}
		after := readSessionState(t, s, sess)
		if after.audits != before.audits+2 {
			t.Fatalf("%d audit entries, want 2 (the same capacity again is no change)", after.audits-before.audits)
		}
		got := testdb.Column[string](t, s, `SELECT action || ' ' || actor_name || ' ' || after::text FROM audit_log
			WHERE entity = 'session' AND entity_id = $1 AND actor_id = $2 AND action IN ('capacity', 'cancel') ORDER BY id`, sess, adminID)
		if len(got) != 2 || !strings.Contains(got[0], `"promoted": "1"`) || !strings.Contains(got[1], `"notified": "5"`) {
			t.Fatalf("audit entries %q", got)
		}
	})
}

// TestStore_TrainerNotices: the trainer a session is given to is told, with its roster's link; a change of date
// tells the same trainer what changed; giving it to someone else tells both; a change that changes nothing and a
// session scheduled without a trainer tell nobody.
func TestStore_TrainerNotices(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	ctx := context.Background()
	mod := enModule(t, s, "presentiel", "published", "published")
	people := enUsers(t, s, 3)
	first, second, adminID := people[0], people[1], people[2]
	actor := admin.Actor{ID: adminID, Name: "Alix Martin"}
	mails := func(user int64) []string {
		t.Helper()
		return testdb.Column[string](t, s, `SELECT o.kind || '|' || o.body FROM mail_outbox o JOIN users u ON u.email = o.recipient
			WHERE u.id = $1 ORDER BY o.id`, user)
	}
	var modTitle, modSlug string
	testdb.Row(t, s, `SELECT title, slug FROM modules WHERE id = $1`, mod).Scan(&modTitle, &modSlug)
	start := time.Now().Add(20 * 24 * time.Hour).Truncate(time.Hour)
	x := admin.Session{ModuleID: mod, Module: modSlug, ModuleTitle: modTitle, StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		PlaceName: "Ségur", City: "Paris", Capacity: 10, TrainerID: first}
	id, err := s.CreateSession(ctx, actor, x)
	if err != nil {
		t.Fatal(err)
	}
	got := mails(first)
	if len(got) != 1 || !strings.HasPrefix(got[0], enrolment.KindTrainerAssigned+"|") || !strings.Contains(got[0], fmt.Sprintf("/formateur/sessions/%d", id)) ||
		!strings.Contains(got[0], "« "+modTitle+" »") {
		t.Fatalf("assignment mails: %q", got)
	}

	cur := testdb.Must(s.AdminSession(ctx, id))(t)
	moved := cur
	moved.StartsAt, moved.EndsAt = cur.StartsAt.Add(time.Hour), cur.EndsAt.Add(time.Hour)
	if _, err := s.UpdateSession(ctx, actor, id, cur.Version, moved); err != nil {
		t.Fatal(err)
	}
	if got = mails(first); len(got) != 2 || !strings.HasPrefix(got[1], enrolment.KindTrainerChanged+"|") || !strings.Contains(got[1], "Date :\n  avant : ") {
		t.Fatalf("after the move: %q", got)
	}

	cur = testdb.Must(s.AdminSession(ctx, id))(t)
	if _, err := s.UpdateSession(ctx, actor, id, cur.Version, cur); err != nil {
		t.Fatal(err)
	}
	other := cur
	other.TrainerID, other.Trainer = second, "Agent N° 2"
	if _, err := s.UpdateSession(ctx, actor, id, cur.Version, other); err != nil {
		t.Fatal(err)
	}
	if got = mails(first); len(got) != 3 || !strings.HasPrefix(got[2], enrolment.KindTrainerUnassigned+"|") {
		t.Fatalf("the first trainer after the change of trainer: %q", got)
	}
	if got = mails(second); len(got) != 1 || !strings.HasPrefix(got[0], enrolment.KindTrainerAssigned+"|") {
		t.Fatalf("the second trainer: %q", got)
	}

	x.TrainerID = 0
	if _, err := s.CreateSession(ctx, actor, x); err != nil {
		t.Fatal(err)
	}
	if n := len(mails(first)) + len(mails(second)) + len(mails(adminID)); n != 4 {
		t.Errorf("%d mails after a session without trainer, want 4", n)
	}
}
