package web_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"campus/internal/lheo"
	"campus/internal/testdb"
	"campus/internal/testenv"
)

// lheoSchema is the official LHÉO 2.3 schema: beside the repository (../shared/lheo/ from its root), as in CI.
var lheoSchema = filepath.Join("..", "..", "..", "shared", "lheo", "lheo-2.3.xsd")

// lheoDoc reads back what the checks need of an LHÉO document.
type lheoDoc struct {
	Formations []struct {
		Numero  string `xml:"numero,attr"`
		NSF     string `xml:"domaine-formation>code-NSF"`
		Titre   string `xml:"intitule-formation"`
		URL     string `xml:"url-formation>urlweb"`
		Mode    string `xml:"parcours-de-formation"`
		Actions []struct {
			Enseignement string `xml:"modalites-enseignement"`
			Lieu         string `xml:"lieu-de-formation>coordonnees>nom"`
			Sessions     []struct {
				Numero string `xml:"numero,attr"`
				Debut  string `xml:"periode>debut"`
				Fin    string `xml:"periode>fin"`
			} `xml:"session"`
			Formateur string `xml:"organisme-formateur>SIRET-formateur>SIRET"`
		} `xml:"action"`
		SIRET string `xml:"organisme-formation-responsable>SIRET-organisme-formation>SIRET"`
	} `xml:"offres>formation"`
}

// TestLHEO_ValidAgainstTheOfficialSchema fetches /api/lheo.xml from the real handler on the seeded catalogue and
// validates it with xmllint against the official XSD; then compares it with the JSON open data: the same
// formations, each dated module with its sessions (dates in Paris time) and places.
func TestLHEO_ValidAgainstTheOfficialSchema(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Seeded(t))
	p := get(t, srv, "/api/lheo.xml")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("/api/lheo.xml: %d %s", p.status, p.header.Get("Content-Type"))
	}
	body := []byte(p.body)

	t.Run("Schema", func(t *testing.T) {
		xmllint := testenv.Command(t, "apt-get install libxml2-utils", "xmllint")
		testenv.File(t, lheoSchema, "the official LHEO schema, in shared/lheo")
		file := filepath.Join(t.TempDir(), "lheo.xml")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := osexec.Command(xmllint, "--noout", "--schema", lheoSchema, file).CombinedOutput()
		if err != nil {
			t.Fatalf("xmllint refuses /api/lheo.xml: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "validates") {
			t.Fatalf("xmllint: %s", out)
		}
		t.Logf("xmllint: %s (%d bytes)", strings.TrimSpace(string(out)), len(body))
	})

	var doc lheoDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Total      int `json:"total"`
		Formations []struct {
			Type     string   `json:"type"`
			Slug     string   `json:"slug"`
			URL      string   `json:"url"`
			Titre    string   `json:"titre"`
			Formats  []string `json:"formats"`
			Sessions []struct {
				Reference string `json:"reference"`
				Debut     string `json:"debut"`
				Fin       string `json:"fin"`
				Lieu      string `json:"lieu"`
			} `json:"sessions"`
			Domaine struct {
				Slug string `json:"slug"`
			} `json:"domaine"`
			Partenaire *struct {
				Slug string `json:"slug"`
			} `json:"partenaire"`
		} `json:"formations"`
	}
	if err := json.Unmarshal([]byte(get(t, srv, "/api/catalogue.json").body), &cat); err != nil {
		t.Fatal(err)
	}
	if len(doc.Formations) != cat.Total || cat.Total < 50 {
		t.Fatalf("LHÉO has %d formations, the JSON %d", len(doc.Formations), cat.Total)
	}
	byURL := map[string]int{}
	actions, sessions := 0, 0
	for i, f := range doc.Formations {
		byURL[f.URL] = i
		if f.SIRET != lheo.SIRET {
			t.Errorf("%s: organisme responsable %q", f.Numero, f.SIRET)
		}
		actions += len(f.Actions)
		for _, a := range f.Actions {
			sessions += len(a.Sessions)
		}
	}
	dated := 0
	for _, e := range cat.Formations {
		i, ok := byURL[e.URL]
		if !ok {
			t.Errorf("%s is in the JSON, not in LHÉO", e.URL)
			continue
		}
		f := doc.Formations[i]
		if f.Titre != e.Titre || f.NSF != lheo.NSF(e.Domaine.Slug) {
			t.Errorf("%s: title %q NSF %q, want %q %q", e.URL, f.Titre, f.NSF, e.Titre, lheo.NSF(e.Domaine.Slug))
		}
		if e.Type != "module" {
			if f.Mode != lheo.CourseModular {
				t.Errorf("%s: parcours-de-formation %q", e.URL, f.Mode)
			}
			continue
		}
		if f.Actions[0].Enseignement != lheo.TeachingMode(e.Formats[0]) {
			t.Errorf("%s: modalites-enseignement %q for %s", e.URL, f.Actions[0].Enseignement, e.Formats[0])
		}
		if e.Partenaire == nil && f.Actions[0].Formateur != lheo.SIRET {
			t.Errorf("%s: a module of the Campus itself is taught by %q", e.URL, f.Actions[0].Formateur)
		}
		if len(e.Sessions) == 0 {
			continue
		}
		dated++
		got, place := map[string]string{}, map[string]string{}
		for _, a := range f.Actions {
			for _, s := range a.Sessions {
				got[s.Numero], place[s.Numero] = s.Debut+"-"+s.Fin, a.Lieu
			}
		}
		for _, s := range e.Sessions {
			want := strings.ReplaceAll(s.Debut[:10], "-", "") + "-" + strings.ReplaceAll(s.Fin[:10], "-", "")
			if got[s.Reference] != want {
				t.Errorf("%s: session %s is %q in LHÉO, %q in the JSON", e.URL, s.Reference, got[s.Reference], want)
			}
			// The place's name, cut to the schema's 50 characters with "…".
			if p := place[s.Reference]; p != s.Lieu && !(strings.HasSuffix(p, "…") && strings.HasPrefix(s.Lieu, strings.TrimSuffix(p, "…"))) {
				t.Errorf("%s: session %s is at %q in LHÉO, %q in the JSON", e.URL, s.Reference, p, s.Lieu)
			}
		}
	}
	if dated == 0 {
		t.Fatal("no dated module with sessions to compare")
	}
	t.Logf("%d formations, %d actions, %d sessions; %d dated modules compared with the JSON", len(doc.Formations), actions, sessions, dated)
}
