package enrolment_test

import (
	"campus/internal/apperr"
	"testing"
	"time"

	"campus/internal/enrolment"
)

func TestApprovalRules(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if got := enrolment.HoldUntil(now, now.Add(30*24*time.Hour), 0); !got.Equal(now.Add(enrolment.DefaultApprovalHold)) {
		t.Fatalf("default hold until %v", got)
	}
	if start := now.Add(2 * 24 * time.Hour); !enrolment.HoldUntil(now, start, 7*24*time.Hour).Equal(start) {
		t.Fatal("a hold outlives the session's start")
	}
	if due := enrolment.ReminderDue(now, now.Add(7*24*time.Hour)); !due.Equal(now.Add(5 * 24 * time.Hour)) {
		t.Fatalf("reminder of a 7-day hold at %v", due)
	}
	if due := enrolment.ReminderDue(now, now.Add(24*time.Hour)); !due.Equal(now.Add(12 * time.Hour)) {
		t.Fatalf("reminder of a 1-day hold at %v", due)
	}
	for _, c := range []struct {
		manager, code string
	}{{"", enrolment.CodeManagerRequired}, {"agent@exemple.gouv.fr", enrolment.CodeManagerInvalid},
		{"AGENT@exemple.gouv.fr", enrolment.CodeManagerInvalid}, {"chef", enrolment.CodeManagerInvalid},
		{"Chef <chef@exemple.gouv.fr>", enrolment.CodeManagerInvalid}, {"chef@localhost", enrolment.CodeManagerInvalid},
		{"chef@exemple.gouv.fr", ""}} {
		err := enrolment.CheckManagerEmail("agent@exemple.gouv.fr", c.manager)
		if (c.code == "" && err != nil) || (c.code != "" && apperr.Code(err) != c.code) {
			t.Errorf("manager %q: %v, want %q", c.manager, err, c.code)
		}
	}
	a := enrolment.Approval{ExpiresAt: now.Add(time.Hour)}
	held := enrolment.Enrolment{Status: enrolment.Held}
	if err := enrolment.CheckDecision(a, held, now); err != nil {
		t.Fatal(err)
	}
	if apperr.Code(enrolment.CheckDecision(a, held, now.Add(time.Hour))) != enrolment.CodeApprovalExpired {
		t.Fatal("a decision at the expiry passed")
	}
	a.Decision = enrolment.DecisionApproved
	if apperr.Code(enrolment.CheckDecision(a, held, now)) != enrolment.CodeApprovalDone {
		t.Fatal("a second decision passed")
	}
}
