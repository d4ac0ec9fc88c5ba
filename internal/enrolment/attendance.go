package enrolment

import (
	"strings"
	"time"

	"campus/internal/catalogue"
)

// Attendance per day. A session's attendance units ("slots") are the dates it spans in Paris time, or, when the
// session is set to half-days, each date's morning and afternoon. A trainer or an admin marks each agent present
// or absent per slot once the slot has begun; the enrolment's status follows (attended when present at least
// once, absent otherwise) and the attestation counts the hours of the slots attended: the module's duration
// shared equally between the slots.

// Halves of a day.
const (
	Morning   = "matin"
	Afternoon = "apres-midi"
)

// AfternoonStart is when an afternoon begins (Paris time).
const AfternoonStart = 12 * time.Hour

// Slot is one unit of attendance.
type Slot struct {
	Day  time.Time // midnight, Paris time
	Half string    // "" (the whole day), Morning or Afternoon
}

// Key is the slot's key in forms, URLs and the database: "2026-03-17" or "2026-03-17-matin".
func (s Slot) Key() string {
	k := s.Day.Format("2006-01-02")
	if s.Half != "" {
		k += "-" + s.Half
	}
	return k
}

// Label is "mardi 17 mars 2026", with "(matin)" or "(après-midi)".
func (s Slot) Label() string {
	l := catalogue.Date(s.Day)
	switch s.Half {
	case Morning:
		l += " (matin)"
	case Afternoon:
		l += " (après-midi)"
	}
	return l
}

// Begins is when the slot begins: its day's midnight, or noon for an afternoon.
func (s Slot) Begins() time.Time {
	if s.Half == Afternoon {
		return s.Day.Add(AfternoonStart)
	}
	return s.Day
}

// Slots are the attendance units of a session, in order.
func Slots(sess catalogue.Session) []Slot {
	start := sess.StartsAt.In(catalogue.Paris)
	end := sess.EndsAt.In(catalogue.Paris)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, catalogue.Paris)
	var out []Slot
	for !day.After(end) && len(out) < 200 {
		if sess.HalfDays {
			out = append(out, Slot{Day: day, Half: Morning}, Slot{Day: day, Half: Afternoon})
		} else {
			out = append(out, Slot{Day: day})
		}
		day = day.AddDate(0, 0, 1)
	}
	if len(out) == 0 {
		out = append(out, Slot{Day: day})
	}
	return out
}

// FindSlot returns the slot of a session with this key.
func FindSlot(slots []Slot, key string) (Slot, bool) {
	for _, s := range slots {
		if s.Key() == key {
			return s, true
		}
	}
	return Slot{}, false
}

// CheckSlotAttendance says whether attendance of a slot may be marked at now: the slot has begun.
func CheckSlotAttendance(s Slot, now time.Time) error {
	if s.Begins().After(now) {
		return ErrSlotEarly.With(s.Label())
	}
	return nil
}

// MinutesAttended shares a training's duration equally between its slots and counts those attended.
func MinutesAttended(duration, slots, present int) int {
	if slots <= 0 {
		return 0
	}
	return duration * present / slots
}

// Absences declared by the agent.
const (
	ReasonAbsence    = "absence" // cancelled before the cut-off by a declared absence
	MaxAbsenceReason = 500
	CodeAbsence      = "absence"
)

// AbsenceOutcome is what declaring an absence at now does to an enrolment: "cancel" (before the cut-off: the
// seat goes to the waitlist), "excuse" (after the cut-off, before the start: the seat is kept, the absence
// excused), or a refusal.
func AbsenceOutcome(e Enrolment, now time.Time) (string, error) {
	switch {
	case e.HasSession() && (e.Status == Attended || e.Status == NoShow):
		return "", ErrAbsenceRecorded.With(strings.ToLower(StatusLabel(e.Status)))
	case !e.HasSession() || (e.Status != Confirmed && e.Status != Held):
		return "", ErrAbsenceNotSeat.With(strings.ToLower(StatusLabel(e.Status)))
	case !e.Session.StartsAt.After(now):
		return "", ErrAbsenceStarted
	case e.AbsenceDeclaredAt != nil:
		return "", ErrAbsenceDeclared
	case e.Status == Held || now.Before(CancelDeadline(e.Session.StartsAt)):
		return "cancel", nil
	}
	return "excuse", nil
}

// CleanAbsenceReason trims the reason of an absence and checks it.
func CleanAbsenceReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := len([]rune(s)); {
	case n == 0:
		return s, ErrAbsenceNoReason
	case n > MaxAbsenceReason:
		return s, ErrAbsenceTooLong.With(n, MaxAbsenceReason)
	}
	return s, nil
}
