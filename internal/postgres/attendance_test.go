package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/testdb"
)

// TestStore_AttendancePerDay: a three-day session, marked day by day: the status follows the marks (present
// once: attended), the minutes attended are the duration's share of the days attended, a day to come or unknown
// is refused, the whole-session form marks every day, half-days make two slots a day.
func TestStore_AttendancePerDay(t *testing.T) {
	t.Parallel()
	s, mod, sess := enModuleSession(t, "presentiel", 10, 10*24*time.Hour) // 210 minutes
	ctx := context.Background()
	users, ids := enEnrolled(t, s, sess, 3)
	// The session ran from the day before yesterday, 9:00, to today, 17:00 (Paris): three days.
	d := time.Now().In(catalogue.Paris)
	start := time.Date(d.Year(), d.Month(), d.Day()-2, 9, 0, 0, 0, catalogue.Paris)
	end := time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, catalogue.Paris)
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = $2, ends_at = $3 WHERE id = $1`, sess, start, end)
	r, err := s.Roster(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	slots := enrolment.Slots(r.Session)
	if len(slots) != 3 || slots[0].Key() != start.Format("2006-01-02") {
		t.Fatalf("slots %v", slots)
	}
	mark := func(slot int, marks map[int64]bool) {
		t.Helper()
		if _, err := s.MarkSlotAttendance(ctx, sess, slots[slot].Key(), marks, users[2]); err != nil {
			t.Fatal(err)
		}
	}
	mark(0, map[int64]bool{ids[0]: true, ids[1]: false})
	mark(1, map[int64]bool{ids[0]: true, ids[1]: false})
	mark(2, map[int64]bool{ids[0]: false, ids[1]: false})
	for i, want := range []string{enrolment.Attended, enrolment.NoShow, enrolment.Confirmed} {
		e := testdb.Must(s.Enrolment(ctx, ids[i]))(t)
		if e.Status != want {
			t.Fatalf("agent %d: %s, want %s", i, e.Status, want)
		}
	}
	e := testdb.Must(s.Enrolment(ctx, ids[0]))(t)
	m, err := s.EnrolmentMarks(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	e.WithMarks(m)
	if e.Minutes() != 140 {
		t.Fatalf("minutes attended %d, want 140 (two days of three, 210 minutes)", e.Minutes())
	}
	// Corrected: present on the last day too.
	mark(2, map[int64]bool{ids[0]: true})
	m = testdb.Must(s.EnrolmentMarks(ctx, ids[0]))(t)
	e.WithMarks(m)
	if e.Minutes() != 210 {
		t.Fatalf("minutes attended %d after the correction, want 210", e.Minutes())
	}
	if _, err := s.MarkSlotAttendance(ctx, sess, "2001-01-01", map[int64]bool{ids[0]: true}, 0); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown day: %v", err)
	}
	// The whole-session form marks every day.
	if _, err := s.MarkAttendance(ctx, sess, map[int64]bool{ids[2]: true}); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM attendance_marks WHERE enrolment_id = $1 AND present`, ids[2]); n != 3 {
		t.Fatalf("%d days marked by the whole-session form, want 3", n)
	}

	t.Run("DayToCome", func(t *testing.T) {
		x := enSession(t, s, mod, 10, 10*24*time.Hour)
		u := enUsers(t, s, 1)[0]
		out, err := s.EnrolInSession(ctx, u, x, "")
		if err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '2 days', half_days = true WHERE id = $1`, x)
		r := testdb.Must(s.Roster(ctx, x))(t)
		sl := enrolment.Slots(r.Session)
		if len(sl) < 6 || len(sl)%2 != 0 || sl[0].Half != enrolment.Morning || sl[1].Half != enrolment.Afternoon {
			t.Fatalf("half-day slots %v", sl)
		}
		_, err = s.MarkSlotAttendance(ctx, x, sl[len(sl)-1].Key(), map[int64]bool{out.Enrolment.ID: true}, 0)
		refusal(t, err, enrolment.CodeAttendanceEarly)
	})
}

// TestStore_DeclareAbsence: before the cut-off the seat goes to the waitlist; after it the absence is excused
// and the seat kept; once only, never after the start, always with a reason.
func TestStore_DeclareAbsence(t *testing.T) {
	t.Parallel()
	s, mod, early := enModuleSession(t, "presentiel", 1, 10*24*time.Hour)
	ctx := context.Background()
	users := enUsers(t, s, 3)
	a, err := s.EnrolInSession(ctx, users[0], early, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnrolInSession(ctx, users[1], early, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.DeclareAbsence(ctx, users[0], a.Enrolment.ID, "  ")
	refusal(t, err, enrolment.CodeAbsence)
	if _, _, err := s.DeclareAbsence(ctx, users[1], a.Enrolment.ID, "Réunion"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("another agent's enrolment: %v", err)
	}
	e, what, err := s.DeclareAbsence(ctx, users[0], a.Enrolment.ID, "Conseil municipal ce jour-là")
	if err != nil || what != "cancel" || e.Status != enrolment.Cancelled {
		t.Fatalf("before the cut-off: %s, %s, %v", what, e.Status, err)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND session_id = $2 AND status = 'confirmed'`, users[1], early); n != 1 {
		t.Fatal("the seat did not go to the waitlist")
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM enrolments WHERE id = $1 AND cancel_reason = 'absence' AND absence_reason = 'Conseil municipal ce jour-là'`, a.Enrolment.ID); n != 1 {
		t.Fatal("the absence and its reason are not recorded")
	}
	checkSeats(t, s, early)

	late := enSession(t, s, mod, 5, 10*24*time.Hour)
	b, err := s.EnrolInSession(ctx, users[2], late, "")
	if err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() + interval '12 hours', ends_at = now() + interval '15 hours' WHERE id = $1`, late)
	e, what, err = s.DeclareAbsence(ctx, users[2], b.Enrolment.ID, "Malade")
	if err != nil || what != "excuse" || e.Status != enrolment.Confirmed || e.AbsenceReason != "Malade" || e.AbsenceDeclaredAt == nil {
		t.Fatalf("after the cut-off: %s, %s, %q, %v", what, e.Status, e.AbsenceReason, err)
	}
	if k := mailKinds(t, s, users[2]); k[len(k)-1] != enrolment.KindAbsence {
		t.Fatalf("mails %v", k)
	}
	_, _, err = s.DeclareAbsence(ctx, users[2], b.Enrolment.ID, "Malade")
	refusal(t, err, enrolment.CodeAbsence)
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '1 hour' WHERE id = $1`, late)
	testdb.Exec(t, s, `UPDATE enrolments SET absence_declared_at = NULL WHERE id = $1`, b.Enrolment.ID)
	_, _, err = s.DeclareAbsence(ctx, users[2], b.Enrolment.ID, "Malade")
	refusal(t, err, enrolment.CodeSessionStarted)
}
