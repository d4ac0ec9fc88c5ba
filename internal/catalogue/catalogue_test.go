package catalogue

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for m, want := range map[int]string{0: "—", 45: "45 min", 60: "1 h", 90: "1 h 30", 360: "6 h", 720: "2 jours (12 h)", 1080: "3 jours (18 h)", 125: "2 h 05"} {
		if got := Duration(m); got != want {
			t.Errorf("Duration(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC) // 9 h 30 in Paris (winter time)
	end := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	if got := Span(start, end); got != "mardi 1er décembre 2026, 9 h 30 – 17 h" {
		t.Errorf("Span one day = %q", got)
	}
	if got := Span(start, end.AddDate(0, 0, 1)); got != "du mardi 1er décembre 2026 au mercredi 2 décembre 2026" {
		t.Errorf("Span two days = %q", got)
	}
	summer := time.Date(2026, 7, 14, 7, 0, 0, 0, time.UTC)
	if got := Clock(summer); got != "9 h" {
		t.Errorf("Clock in summer time = %q", got)
	}
}

func TestSession(t *testing.T) {
	s := Session{Capacity: 20, SeatsTaken: 20}
	if !s.Full() || s.SeatsLeft() != 0 {
		t.Error("full session")
	}
	s.SeatsTaken = 5
	if s.Full() || s.SeatsLeft() != 15 {
		t.Error("seats left")
	}
	if !(Session{VirtualURL: "https://x"}).Virtual() || (Session{PlaceName: "Ségur", VirtualURL: "https://x"}).Virtual() {
		t.Error("virtual")
	}
}
