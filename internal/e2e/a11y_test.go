package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"campus/internal/postgres"
	"campus/internal/testdb"
)

// pageType is one kind of page the portal serves; every kind is scanned with axe-core.
type pageType struct {
	name string // used for screenshots
	path string
	// slugSQL, when set, picks the slug substituted for %s in path from the seeded database.
	slugSQL string
	status  int // expected HTTP status (200 when 0)
}

// pageTypes lists every page type of the portal. Add each new page type here (search, forms and their error
// states, account and back-office pages) so that it is checked as it lands.
var pageTypes = []pageType{
	{name: "accueil", path: "/"},
	{name: "domaines", path: "/domaines"},
	{name: "domaine", path: "/domaines/cybersecurite"},
	{name: "domaine-a-venir", path: "/domaines/intelligence-artificielle"},
	{name: "parcours-liste", path: "/parcours"},
	{name: "parcours", path: "/parcours/%s", slugSQL: `SELECT slug FROM tracks WHERE administration = '' AND status = 'published' ORDER BY id LIMIT 1`},
	{name: "programmes", path: "/programmes-sur-mesure"},
	{name: "programme", path: "/programmes-sur-mesure/%s", slugSQL: `SELECT slug FROM tracks WHERE participants = 200`},
	{name: "module-date", path: "/modules/%s", slugSQL: `SELECT slug FROM modules WHERE format = 'hybride' ORDER BY id LIMIT 1`},
	{name: "module-en-ligne", path: "/modules/%s", slugSQL: `SELECT slug FROM modules WHERE format = 'en_ligne' AND external_url <> '' ORDER BY id LIMIT 1`},
	{name: "partenaires", path: "/partenaires"},
	{name: "partenaire", path: "/partenaires/pix"},
	{name: "accessibilite", path: "/accessibilite"},
	{name: "schema-pluriannuel", path: "/accessibilite/schema-pluriannuel"},
	{name: "mentions-legales", path: "/mentions-legales"},
	{name: "donnees-personnelles", path: "/donnees-personnelles"},
	{name: "cookies", path: "/gestion-des-cookies"},
	{name: "plan-du-site", path: "/plan-du-site"},
	{name: "catalogue", path: "/catalogue?q=donn%C3%A9es&format=presentiel"},
	{name: "catalogue-aucun-resultat", path: "/catalogue?q=xylophone&domaine=data"},
	{name: "donnees-ouvertes", path: "/donnees-ouvertes"},
	{name: "devenir-formateur", path: "/devenir-formateur"},
	{name: "communaute-formateurs", path: "/communaute-formateurs"},
	{name: "demande-sur-mesure", path: "/programmes-sur-mesure/demande"},
	{name: "demande-sur-mesure-envoyee", path: "/programmes-sur-mesure/demande/envoyee"},
	{name: "bilan", path: "/bilan"},
	{name: "connexion", path: "/connexion"},
	{name: "inscription", path: "/inscription"},
	{name: "mot-de-passe-oublie", path: "/mot-de-passe-oublie"},
	{name: "erreur-404", path: "/page-qui-n-existe-pas", status: http.StatusNotFound},
}

func resolve(t *testing.T, store *postgres.Store, p pageType) string {
	t.Helper()
	if p.slugSQL == "" {
		return p.path
	}
	return fmt.Sprintf(p.path, testdb.String(t, store, p.slugSQL))
}

// TestAccessibility scans every page type with axe-core at desktop and mobile widths: zero violations of the
// RGAA and WCAG 2.1 A/AA rules, no JavaScript error or CSP violation; it also writes the screenshots.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))
	for _, p := range pageTypes {
		path := resolve(t, store, p)
		for _, size := range sizes {
			t.Run(p.name+"/"+size.name, func(t *testing.T) {
				tb := b.open(t, path, size.o)
				if vs := axe(t, tb); len(vs) > 0 {
					t.Errorf("%s (%s): %d axe violations:%s", path, size.name, len(vs), describe(vs))
				}
				if errs := tb.problems(); len(errs) > 0 && !(p.status == http.StatusNotFound && onlyStatusErrors(errs)) {
					t.Errorf("%s: browser errors:\n  %s", path, strings.Join(errs, "\n  "))
				}
				screenshot(t, tb, p.name+"-"+size.name)
			})
		}
	}
}

// onlyStatusErrors: a 404 page logs "Failed to load resource: 404", which is the point of the page.
func onlyStatusErrors(errs []string) bool {
	for _, e := range errs {
		if !strings.Contains(e, "status of 404") {
			return false
		}
	}
	return true
}

// TestAccessibility_CatchesViolations proves the gate can fail: a page with an image without alternative text
// and an unlabelled input, inside the portal's layout, must be reported.
func TestAccessibility_CatchesViolations(t *testing.T) {
	t.Parallel()
	b := newBrowser(t, brokenPageServer(t))
	tb := b.open(t, "/", desktop)
	vs := axe(t, tb)
	found := map[string]bool{}
	for _, v := range vs {
		found[v.ID] = true
	}
	for _, want := range []string{"image-alt", "label"} {
		if !found[want] {
			t.Errorf("axe did not report %q on the broken page; got:%s", want, describe(vs))
		}
	}
	if !strings.Contains(describe(vs), "<img") {
		t.Errorf("the report does not show the failing element:%s", describe(vs))
	}
}

// TestBrowser_ErrorsRecordedPerPage proves the error gate can fail and that pages shown in turn in a browser's
// one tab keep their errors apart: a 404 page records its failed load, the next page in the same tab starts
// with none.
func TestBrowser_ErrorsRecordedPerPage(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))
	missing := b.open(t, "/page-qui-n-existe-pas", desktop)
	if errs := missing.problems(); len(errs) == 0 || !onlyStatusErrors(errs) {
		t.Errorf("the 404 page recorded %q, want its failed load", errs)
	}
	n := len(missing.problems())
	home := b.open(t, "/", desktop)
	if errs := home.problems(); len(errs) != 0 {
		t.Errorf("the home page, shown after the 404 page in the same tab, recorded %q", errs)
	}
	if errs := missing.problems(); len(errs) != n {
		t.Errorf("the 404 page's errors changed when the next page opened: %q", errs)
	}
}
