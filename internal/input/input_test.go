package input_test

import (
	"strings"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/input"
)

// want is a cleaned value and a part of its message ("" when none is expected).
type want struct {
	value, msg string
}

func check(t *testing.T, name, gotV, gotMsg string, w want) {
	t.Helper()
	if gotV != w.value {
		t.Errorf("%s: value %q, want %q", name, gotV, w.value)
	}
	if w.msg == "" && gotMsg != "" || w.msg != "" && !strings.Contains(gotMsg, w.msg) {
		t.Errorf("%s: message %q, want %q", name, gotMsg, w.msg)
	}
}

func TestLine(t *testing.T) {
	for in, w := range map[string]want{
		"  Camille ":                   {"Camille", ""},
		"":                             {"", ""},
		strings.Repeat("é", 100):       {strings.Repeat("é", 100), ""},
		strings.Repeat("é", 101):       {strings.Repeat("é", 101), "ne doit pas dépasser 100 caractères (actuellement 101)"},
		"Cam\xffille":                  {"Cam\uFFFDille", "non valides"},
		"Cam\nille":                    {"Cam\nille", "doit tenir sur une ligne"},
		"Cam\rille":                    {"Cam\rille", "doit tenir sur une ligne"},
		"Cam\tille":                    {"Cam\tille", "pas de retour à la ligne ni de tabulation"},
		"Cam\u2028ille":                {"Cam\u2028ille", "doit tenir sur une ligne"},
		"Cam\x00ille":                  {"Cam\x00ille", "non autorisés"},
		"Cam\u0085ille":                {"Cam\u0085ille", "non autorisés"},
		" Le champ « cité » : 9 h 30 ": {"Le champ « cité » : 9 h 30", ""},
	} {
		v, msg := input.Line(in, "Prénom", 100, false)
		check(t, "Line("+in+")", v, msg, w)
	}
	if _, msg := input.Line("  ", "Prénom", 100, true); msg != "Renseignez le champ « Prénom »." {
		t.Errorf("required: %q", msg)
	}
}

func TestMultiline(t *testing.T) {
	for in, w := range map[string]want{
		"\r\n  Ligne un  \r\nLigne deux\t\rfin \n\n": {"Ligne un\nLigne deux\nfin", ""},
		"colonne\tcolonne":                           {"colonne\tcolonne", ""}, // a tab is allowed in a text area
		"\tretrait":                                  {"retrait", ""},
		"a\x00b":                                     {"a\x00b", "non autorisés"},
		"a\x1bb":                                     {"a\x1bb", "non autorisés"},
		"a\u2029b":                                   {"a\u2029b", "non autorisés"},
		"a\xffb":                                     {"a\uFFFDb", "non valides"},
		strings.Repeat("é\n", 51):                    {strings.TrimSpace(strings.Repeat("é\n", 51)), "ne doit pas dépasser 100 caractères (actuellement 101)"},
	} {
		v, msg := input.Multiline(in, "Texte", 100, false)
		check(t, "Multiline("+in+")", v, msg, w)
	}
	if _, msg := input.Multiline("\n \n", "Texte", 10, true); msg != "Renseignez le champ « Texte »." {
		t.Errorf("required: %q", msg)
	}
}

func TestInt(t *testing.T) {
	for _, c := range []struct {
		in       string
		required bool
		n        int
		msg      string
	}{
		{"12", false, 12, ""},
		{" 1 200 ", false, 1200, ""},
		{"1\u202f200", false, 1200, ""},
		{"1\u00a0200", false, 1200, ""},
		{"", false, 0, ""},
		{"  ", true, 0, "Renseignez le champ « Capacité »."},
		{"douze", false, 0, "doit être un nombre entier entre 1 et 20000."},
		{"1.5", false, 0, "nombre entier"},
		{"0", false, 0, "doit être au moins 1 : un nombre entier entre 1 et 20000."},
		{"20001", false, 20001, "ne doit pas dépasser 20000 : un nombre entier entre 1 et 20000."},
		{"99999999999999999999", false, 0, "nombre entier"},
		{"\xff", false, 0, "nombre entier"},
	} {
		n, msg := input.Int(c.in, "Capacité", 1, 20000, c.required)
		if n != c.n || c.msg == "" && msg != "" || c.msg != "" && !strings.Contains(msg, c.msg) {
			t.Errorf("Int(%q) = %d, %q; want %d, %q", c.in, n, msg, c.n, c.msg)
		}
	}
}

func TestDate(t *testing.T) {
	day := time.Date(2026, 3, 17, 0, 0, 0, 0, catalogue.Paris)
	for _, c := range []struct {
		in       string
		required bool
		t        time.Time
		msg      string
	}{
		{"2026-03-17", false, day, ""},
		{" 17/03/2026 ", false, day, ""},
		{"", false, time.Time{}, ""},
		{"", true, time.Time{}, "Renseignez"},
		{"2026-02-30", false, time.Time{}, "date valide"},
		{"1999-12-31", false, time.Time{}, "date valide"},
		{"2101-01-01", false, time.Time{}, "date valide"},
		{"17 mars", false, time.Time{}, "JJ/MM/AAAA"},
	} {
		got, msg := input.Date(c.in, "Début", c.required)
		if !got.Equal(c.t) || c.msg == "" && msg != "" || c.msg != "" && !strings.Contains(msg, c.msg) {
			t.Errorf("Date(%q) = %v, %q; want %v, %q", c.in, got, msg, c.t, c.msg)
		}
	}
}

func TestDateTime(t *testing.T) {
	at := time.Date(2026, 3, 17, 9, 30, 0, 0, catalogue.Paris)
	for in, ok := range map[string]bool{"2026-03-17T09:30": true, "2026-03-17T09:30:00": true, " 2026-03-17 09:30 ": true,
		"2026-03-17": false, "17/03/2026 09:30": false, "": false} {
		got, msg := input.DateTime(in, "Début")
		if ok != (msg == "") || ok && !got.Equal(at) {
			t.Errorf("DateTime(%q) = %v, %q", in, got, msg)
		}
	}
}

func TestSlug(t *testing.T) {
	for _, c := range []struct{ in, from, value, msg string }{
		{"securite-des-donnees", "", "securite-des-donnees", ""},
		{"", "Sécurité des données", "securite-des-donnees", ""},
		{"", "", "", "Renseignez l’adresse"},
		{"Pas Valide", "", "Pas Valide", "minuscules"},
		{"double--tiret", "", "double--tiret", "minuscules"},
		{"-debut", "", "-debut", "minuscules"},
		{strings.Repeat("a", 101), "", strings.Repeat("a", 101), "100 caractères"},
		{"caf\xe9", "", "caf\uFFFD", "non valides"},
	} {
		v, msg := input.Slug(c.in, c.from)
		check(t, "Slug("+c.in+", "+c.from+")", v, msg, want{c.value, c.msg})
	}
	for in, ok := range map[string]bool{"a": true, "a-1": true, strings.Repeat("a", 100): true, strings.Repeat("a", 101): false,
		"": false, "A": false, "a_b": false, "a\x00": false, "é": false} {
		if input.ValidSlug(in) != ok {
			t.Errorf("ValidSlug(%q) = %v", in, !ok)
		}
	}
	for in, want := range map[string]string{"Sécurité des données": "securite-des-donnees", "  L’œuvre — 2026 !": "l-oeuvre-2026",
		"Été": "ete", strings.Repeat("ab ", 60): strings.Repeat("ab-", 33) + "a"} {
		if got := input.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestID(t *testing.T) {
	for in, id := range map[string]int64{"1": 1, "9223372036854775807": 1<<63 - 1, "9223372036854775808": 0, "0": 0, "-3": 0,
		"+3": 3, "03": 3, "": 0, "1e3": 0, " 1": 0, "1\x00": 0} {
		if got := input.ID(in); got != id {
			t.Errorf("ID(%q) = %d, want %d", in, got, id)
		}
	}
}
