package lheo

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"campus/internal/catalogue"
	"campus/internal/seed"
	"campus/internal/testenv"
)

// schema is the official LHÉO 2.3 schema, beside the repository (../shared/lheo/ from its root), as in CI.
var schema = filepath.Join("..", "..", "..", "shared", "lheo", "lheo-2.3.xsd")

// validate runs xmllint against the official schema; without xmllint or the schema it skips, but fails under CI.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	xmllint := testenv.Command(t, "apt-get install libxml2-utils", "xmllint")
	testenv.File(t, schema, "the official LHEO schema, in shared/lheo")
	file := filepath.Join(t.TempDir(), "lheo.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", schema, file).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

// TestWrite_LimitsOfTheSchema: values longer than the schema allows (a title over 255 characters, a place over
// 50, a module without objectives or sessions, a partner without a SIRET, a virtual class) still give a valid
// document, cut with "…" rather than refused.
func TestWrite_LimitsOfTheSchema(t *testing.T) {
	long := strings.Repeat("Très long intitulé accentué ", 20)
	start := time.Date(2027, 3, 2, 9, 0, 0, 0, catalogue.Paris)
	dated := &catalogue.Module{ModuleCard: catalogue.ModuleCard{Slug: "dated", Title: long, Format: catalogue.FormatHybrid, Level: "avance",
		Domain: catalogue.Ref{Slug: "inconnu"}, Partner: catalogue.Ref{Slug: "unesco", Title: "UNESCO"}, DurationMinutes: 720},
		Sessions: []catalogue.Session{
			{Ref: "s1", StartsAt: start, EndsAt: start.Add(32 * time.Hour), PlaceName: long, Address: long + ", " + long, City: long, Capacity: 3, SeatsTaken: 3},
			{Ref: "s2", StartsAt: start.AddDate(0, 1, 0), EndsAt: start.AddDate(0, 1, 0).Add(time.Hour), VirtualURL: "https://visio.example", Capacity: 3},
		}}
	empty := &catalogue.Module{ModuleCard: catalogue.ModuleCard{Slug: "empty", Title: "Sans session", Format: catalogue.FormatInPerson, Domain: catalogue.Ref{Slug: "data"}}}
	online := &catalogue.Module{ModuleCard: catalogue.ModuleCard{Slug: "online", Title: "En ligne", Format: catalogue.FormatOnline, Domain: catalogue.Ref{Slug: "data"}}}
	track := &catalogue.Track{TrackCard: catalogue.TrackCard{Slug: "t", Title: "Parcours", Administration: "Ministère", Domain: catalogue.Ref{Slug: "data"}},
		Modules: []catalogue.ModuleCard{online.ModuleCard, empty.ModuleCard}}
	var buf bytes.Buffer
	n, err := Write(&buf, Offer{BaseURL: "https://campus.example.gouv.fr", Entries: []catalogue.ExportEntry{
		{Kind: catalogue.KindModule, Module: dated}, {Kind: catalogue.KindModule, Module: empty},
		{Kind: catalogue.KindModule, Module: online}, {Kind: catalogue.KindProgramme, Track: track}}})
	if err != nil {
		t.Fatal(err)
	}
	if n != (Counts{Formations: 4, Actions: 5, Sessions: 5}) {
		t.Errorf("counts %+v", n)
	}
	validate(t, buf.Bytes())
	doc := buf.String()
	for _, want := range []string{
		"<debut>20270302</debut>", "<fin>20270303</fin>", // Paris dates
		"<debut>00000000</debut>", "<fin>99999999</fin>", // no fixed dates
		"<etat-recrutement>2</etat-recrutement>",  // full
		`<extra info="partenaire">UNESCO</extra>`, // no SIRET
		"<modalites-enseignement>1</modalites-enseignement>", "<code-NSF>326</code-NSF>",
		"<parcours-de-formation>3</parcours-de-formation>", "Programme sur mesure (administration : Ministère",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %s", want)
		}
	}
	if c := cut(long, 50); utf8.RuneCountInString(c) != 50 || !strings.HasSuffix(c, "…") {
		t.Errorf("cut: %q", c)
	}
}

// TestMappings: each Campus format has its own teaching mode, and every domain of the reference catalogue an NSF
// code of three digits.
func TestMappings(t *testing.T) {
	seen := map[string]string{}
	for _, f := range catalogue.Formats {
		m := TeachingMode(f)
		if other, ok := seen[m]; ok {
			t.Errorf("%s and %s share modalites-enseignement %s", f, other, m)
		}
		seen[m] = f
	}
	for _, d := range seed.Reference().Domains {
		if _, ok := DomainNSF[d.Slug]; !ok {
			t.Errorf("domain %s has no NSF code in DomainNSF", d.Slug)
		}
	}
	for slug, code := range DomainNSF {
		if len(code) != 3 || strings.Trim(code, "0123456789") != "" {
			t.Errorf("%s: NSF %q", slug, code)
		}
	}
}
