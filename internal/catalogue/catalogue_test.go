package catalogue

import (
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for m, want := range map[int]string{0: "—", 45: "45\u00a0min", 60: "1\u00a0h", 90: "1\u00a0h\u00a030", 360: "6\u00a0h", 720: "2\u00a0jours (12\u00a0h)", 1080: "3\u00a0jours (18\u00a0h)", 125: "2\u00a0h\u00a005"} {
		if got := Duration(m); got != want {
			t.Errorf("Duration(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC) // 9 h 30 in Paris (winter time)
	end := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	if got := Span(start, end); got != "mardi 1er décembre 2026, 9\u00a0h\u00a030 – 17\u00a0h" {
		t.Errorf("Span one day = %q", got)
	}
	if got := Span(start, end.AddDate(0, 0, 1)); got != "du mardi 1er décembre 2026 au mercredi 2 décembre 2026" {
		t.Errorf("Span two days = %q", got)
	}
	summer := time.Date(2026, 7, 14, 7, 0, 0, 0, time.UTC)
	if got := Clock(summer); got != "9\u00a0h" {
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

func TestCountAndPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 2500: "2\u202f500", 999: "999", 3445: "3\u202f445", 12500: "12\u202f500", 100000: "100\u202f000",
		1234567: "1\u202f234\u202f567", -20000: "-20\u202f000"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 place libre"}, {1, "1 place libre"}, {2, "2 places libres"}, {120000, "120\u202f000 places libres"}} {
		if got := Plural(c.n, "place libre", "places libres"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestSpanAfterDu(t *testing.T) {
	day := time.Date(2026, 2, 3, 9, 30, 0, 0, Paris)
	if got, want := SpanAfterDu(day, day.Add(150*time.Minute)), "du mardi 3 février 2026, 9\u00a0h\u00a030 – 12\u00a0h"; got != want {
		t.Errorf("one day: %q, want %q", got, want)
	}
	if got, want := SpanAfterDu(day.AddDate(0, 0, -2), day.Add(8*time.Hour)), "du dimanche 1er février 2026 au mardi 3 février 2026"; got != want {
		t.Errorf("several days: %q, want %q", got, want)
	}
}

func TestShortDate_FirstOfMonth(t *testing.T) {
	if got := ShortDate(time.Date(2027, 1, 1, 10, 0, 0, 0, Paris)); got != "1er janvier 2027" {
		t.Errorf("ShortDate = %q", got)
	}
	if got := ShortDate(time.Date(2027, 1, 2, 10, 0, 0, 0, Paris)); got != "2 janvier 2027" {
		t.Errorf("ShortDate = %q", got)
	}
}

// TestSpan_FrenchWording checks the wording of session spans as pages, flashes and mails use them: one day, two
// days, several days across months and across years, each alone (Span), after "Session" (SpanAfterDu: never
// "du du") and with the hours of each day (Schedule).
func TestSpan_FrenchWording(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, Paris) }
	for _, c := range []struct {
		name                    string
		start, end              time.Time
		span, afterDu, schedule string
	}{
		{"one day", at(2026, 12, 16, 9, 30), at(2026, 12, 16, 17, 0),
			"mercredi 16 décembre 2026, 9\u00a0h\u00a030 – 17\u00a0h",
			"du mercredi 16 décembre 2026, 9\u00a0h\u00a030 – 17\u00a0h",
			"mercredi 16 décembre 2026, 9\u00a0h\u00a030 – 17\u00a0h"},
		{"two days", at(2026, 12, 16, 9, 30), at(2026, 12, 17, 17, 0),
			"du mercredi 16 décembre 2026 au jeudi 17 décembre 2026",
			"du mercredi 16 décembre 2026 au jeudi 17 décembre 2026",
			"du mercredi 16 décembre 2026 au jeudi 17 décembre 2026, de 9\u00a0h\u00a030 à 17\u00a0h chaque jour"},
		{"across months", at(2027, 3, 30, 9, 0), at(2027, 4, 1, 12, 15),
			"du mardi 30 mars 2027 au jeudi 1er avril 2027",
			"du mardi 30 mars 2027 au jeudi 1er avril 2027",
			"du mardi 30 mars 2027 au jeudi 1er avril 2027, de 9\u00a0h à 12\u00a0h\u00a015 chaque jour"},
		{"across years", at(2026, 12, 31, 14, 0), at(2027, 1, 1, 18, 0),
			"du jeudi 31 décembre 2026 au vendredi 1er janvier 2027",
			"du jeudi 31 décembre 2026 au vendredi 1er janvier 2027",
			"du jeudi 31 décembre 2026 au vendredi 1er janvier 2027, de 14\u00a0h à 18\u00a0h chaque jour"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Span(c.start, c.end); got != c.span {
				t.Errorf("Span = %q, want %q", got, c.span)
			}
			if got := SpanAfterDu(c.start, c.end); got != c.afterDu {
				t.Errorf("SpanAfterDu = %q, want %q", got, c.afterDu)
			}
			if got := "Session " + SpanAfterDu(c.start, c.end); strings.Contains(got, "du du") {
				t.Errorf("%q says du du", got)
			}
			if got := Schedule(c.start, c.end); got != c.schedule {
				t.Errorf("Schedule = %q, want %q", got, c.schedule)
			}
		})
	}
}

func TestTypeset(t *testing.T) {
	for in, want := range map[string]string{
		"l'État":                          "l\u2019État",
		"la doctrine « cloud au centre »": "la doctrine «\u00a0cloud au centre\u00a0»",
		"Cybersécurité : les réflexes":    "Cybersécurité\u00a0: les réflexes",
		"Pourquoi ? Parce que ; enfin !":  "Pourquoi\u202f? Parce que\u202f; enfin\u202f!",
		"https://code.gouv.fr à 9:30":     "https://code.gouv.fr à 9:30",
		"déjà l\u2019État\u00a0:":         "déjà l\u2019État\u00a0:",
	} {
		if got := Typeset(in); got != want {
			t.Errorf("Typeset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestList(t *testing.T) {
	for want, in := range map[string][]string{"": nil, "a": {"a"}, "a et b": {"a", "b"}, "a, b et c": {"a", "b", "c"}} {
		if got := List(in); got != want {
			t.Errorf("List(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDe(t *testing.T) {
	for s, want := range map[string]string{"Marie Curie": "de Marie Curie", "Alix Martin": "d’Alix Martin",
		"Émilie": "d’Émilie", "avril 2026": "d’avril 2026", "août 2026": "d’août 2026", "octobre 2026": "d’octobre 2026",
		"mai 2026": "de mai 2026", "": "de "} {
		if got := De(s); got != want {
			t.Errorf("De(%q) = %q, want %q", s, got, want)
		}
	}
}
