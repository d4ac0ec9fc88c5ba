package programme_test

import (
	"slices"
	"strings"
	"testing"

	"campus/internal/programme"
)

func TestParseAccessEntry(t *testing.T) {
	ok := map[string]programme.AccessEntry{
		"123456782":             {Kind: programme.AccessSIREN, Value: "123456782"},
		" 123 456 782 ":         {Kind: programme.AccessSIREN, Value: "123456782"},
		"123\u00a0456\u00a0782": {Kind: programme.AccessSIREN, Value: "123456782"},
		"12345678200010":        {Kind: programme.AccessSIRET, Value: "12345678200010"},
		"123 456 782 00010":     {Kind: programme.AccessSIRET, Value: "12345678200010"},
		"35600000000048":        {Kind: programme.AccessSIRET, Value: "35600000000048"},
		"35600000000001":        {Kind: programme.AccessSIRET, Value: "35600000000001"}, // La Poste: digits add up to a multiple of 5
		"@interieur.gouv.fr":    {Kind: programme.AccessDomain, Value: "interieur.gouv.fr"},
		"@Interieur.Gouv.FR.":   {Kind: programme.AccessDomain, Value: "interieur.gouv.fr"},
		"interieur.gouv.fr":     {Kind: programme.AccessDomain, Value: "interieur.gouv.fr"},
		"@ac-lyon.fr":           {Kind: programme.AccessDomain, Value: "ac-lyon.fr"},
	}
	for in, want := range ok {
		got, msg := programme.ParseAccessEntry(in)
		if msg != "" || got != want {
			t.Errorf("ParseAccessEntry(%q) = %+v, %q; want %+v", in, got, msg, want)
		}
	}
	bad := map[string]string{
		"123456789":                "clé de contrôle",
		"12345678900012":           "clé de contrôle",
		"1234567":                  "7 chiffres",
		"agent@interieur.gouv.fr":  "indiquez seulement son domaine",
		"@interieur":               "ni un SIREN",
		"ministère de l’intérieur": "ni un SIREN",
		"@-evil.fr":                "ni un SIREN",
		"@intérieur.gouv.fr":       "ni un SIREN",
		"@gouv.fr":                 "toutes les administrations",
		"@gmail.com":               "ouverte à tous",
		"@Orange.fr":               "ouverte à tous",
	}
	for in, want := range bad {
		if _, msg := programme.ParseAccessEntry(in); !strings.Contains(msg, want) {
			t.Errorf("ParseAccessEntry(%q) message %q, want it to say %q", in, msg, want)
		}
	}
}

func TestParseAccessList(t *testing.T) {
	es, msg := programme.ParseAccessList("@interieur.gouv.fr\r\n\r\n12345678200010\n123456782\n@INTERIEUR.gouv.fr\n")
	if msg != "" || strings.Join(programme.AccessLines(es), " ") != "123456782 12345678200010 @interieur.gouv.fr" {
		t.Errorf("ParseAccessList = %v, %q", es, msg)
	}
	if es, msg := programme.ParseAccessList(" \n"); msg != "" || len(es) != 0 {
		t.Errorf("an empty list = %v, %q", es, msg)
	}
	_, msg = programme.ParseAccessList("123456782\r\n@gmail.com\r\nxyz\r\n42")
	if !strings.HasPrefix(msg, "Ligne 2 : ") || !strings.Contains(msg, "2 autres lignes") {
		t.Errorf("bad lines: %q", msg)
	}
	var long strings.Builder
	for i := range programme.MaxAccessEntries + 1 {
		long.WriteString("@d" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".fr\n")
	}
	if _, msg := programme.ParseAccessList(long.String()); !strings.Contains(msg, "au plus") {
		t.Errorf("too long a list: %q", msg)
	}
}

// TestViewer_Keys: the entries that open a programme to an account, and the look-alikes that must not.
func TestViewer_Keys(t *testing.T) {
	opens := func(v programme.Viewer, entry string) bool {
		e, msg := programme.ParseAccessEntry(entry)
		if msg != "" {
			t.Fatalf("%q: %s", entry, msg)
		}
		return slices.Contains(v.Keys(), e)
	}
	agent := programme.Viewer{Email: "camille.martin@interieur.gouv.fr", EmailVerified: true}
	sub := programme.Viewer{Email: "camille.martin@dgpn.interieur.gouv.fr", EmailVerified: true}
	proconnect := programme.Viewer{SIRET: "12345678200010", Email: "c@exemple.fr"}
	for _, c := range []struct {
		name  string
		v     programme.Viewer
		entry string
		want  bool
	}{
		{"verified address", agent, "@interieur.gouv.fr", true},
		{"unverified address", programme.Viewer{Email: agent.Email}, "@interieur.gouv.fr", false},
		{"sub-domain", sub, "@interieur.gouv.fr", true},
		{"exact sub-domain", sub, "@dgpn.interieur.gouv.fr", true},
		{"parent's list does not open a sibling", agent, "@dgpn.interieur.gouv.fr", false},
		{"look-alike prefix", programme.Viewer{Email: "x@evilinterieur.gouv.fr", EmailVerified: true}, "@interieur.gouv.fr", false},
		{"look-alike suffix", programme.Viewer{Email: "x@interieur.gouv.fr.evil.com", EmailVerified: true}, "@interieur.gouv.fr", false},
		{"domain in the local part", programme.Viewer{Email: "interieur.gouv.fr@evil.com", EmailVerified: true}, "@interieur.gouv.fr", false},
		{"SIREN of the ProConnect SIRET", proconnect, "123456782", true},
		{"the SIRET itself", proconnect, "12345678200010", true},
		{"another establishment's SIRET", proconnect, "12345678200028", false},
		{"another SIREN", proconnect, "356000000", false},
		{"no ProConnect SIRET", agent, "123456782", false},
	} {
		if got := opens(c.v, c.entry); got != c.want {
			t.Errorf("%s: %+v with %q = %v, want %v", c.name, c.v, c.entry, got, c.want)
		}
	}
	if k := (programme.Viewer{SIRET: "1234", Email: "pas une adresse", EmailVerified: true}).Keys(); len(k) != 0 {
		t.Errorf("keys of nothing verified: %v", k)
	}
}

func TestPrefillAccess(t *testing.T) {
	for in, want := range map[string]string{
		"alix.martin@interieur.gouv.fr": "@interieur.gouv.fr",
		"alix@gmail.com":                "",
		"alix@gouv.fr":                  "",
		"":                              "",
	} {
		if got := strings.Join(programme.AccessLines(programme.PrefillAccess(in)), " "); got != want {
			t.Errorf("PrefillAccess(%q) = %q, want %q", in, got, want)
		}
	}
}
