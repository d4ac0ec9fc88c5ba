package enrolment_test

import (
	"strings"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/enrolment"
)

func TestSlots(t *testing.T) {
	p := catalogue.Paris
	sess := catalogue.Session{StartsAt: time.Date(2026, 3, 30, 9, 0, 0, 0, p), EndsAt: time.Date(2026, 4, 1, 17, 0, 0, 0, p)}
	var keys []string
	for _, s := range enrolment.Slots(sess) {
		keys = append(keys, s.Key())
	}
	if got := len(keys); got != 3 || keys[0] != "2026-03-30" || keys[2] != "2026-04-01" {
		t.Fatalf("days %v", keys)
	}
	sess.HalfDays = true
	half := enrolment.Slots(sess)
	if len(half) != 6 || half[1].Key() != "2026-03-30-apres-midi" || half[1].Label() != "lundi 30 mars 2026 (après-midi)" {
		t.Fatalf("half-days %v, %q", half, half[1].Label())
	}
	if !half[1].Begins().Equal(time.Date(2026, 3, 30, 12, 0, 0, 0, p)) {
		t.Fatalf("an afternoon begins at %v", half[1].Begins())
	}
	// A session within one day is one slot.
	one := catalogue.Session{StartsAt: time.Date(2026, 3, 30, 9, 0, 0, 0, p), EndsAt: time.Date(2026, 3, 30, 12, 30, 0, 0, p)}
	if s := enrolment.Slots(one); len(s) != 1 {
		t.Fatalf("one-day session: %v", s)
	}
	if m := enrolment.MinutesAttended(420, 6, 5); m != 350 {
		t.Fatalf("five half-days of six of 7 h: %d minutes", m)
	}
}

func TestAbsenceOutcome(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, catalogue.Paris)
	e := enrolment.Enrolment{Status: enrolment.Confirmed, Session: catalogue.Session{ID: 1, StartsAt: now.Add(48 * time.Hour)}}
	if w, err := enrolment.AbsenceOutcome(e, now); w != "cancel" || err != nil {
		t.Fatalf("two days before: %q %v", w, err)
	}
	e.Session.StartsAt = now.Add(3 * time.Hour)
	if w, err := enrolment.AbsenceOutcome(e, now); w != "excuse" || err != nil {
		t.Fatalf("three hours before: %q %v", w, err)
	}
	e.Status = enrolment.Waitlisted
	if _, err := enrolment.AbsenceOutcome(e, now); err == nil {
		t.Fatal("a waitlist place took an absence")
	}
	// Once the presence is noted, the page says so (not "une place dans une session").
	e.Status, e.Session.StartsAt = enrolment.Attended, now.Add(-48*time.Hour)
	if _, err := enrolment.AbsenceOutcome(e, now); err == nil || !strings.HasPrefix(err.Error(), "Votre présence à cette session est déjà notée (présent·e)") {
		t.Fatalf("attended: %v", err)
	}
}
