package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/testdb"
	"campus/internal/testenv"
)

// vnuJar is the Nu HTML Checker (npm vnu-jar, package.json), run with Java (Debian default-jre-headless).
var vnuJar = filepath.Join("..", "..", "node_modules", "vnu-jar", "build", "dist", "vnu.jar")

// TestHTML_NuChecker runs the W3C's Nu HTML Checker over one page of each type, as an anonymous visitor, an
// agent and an admin: no error in the portal's markup. The one error allowed is the DSFR's own header menu,
// a div named by aria-labelledby that the DSFR's script turns into a dialog (role="dialog") when it opens.
func TestHTML_NuChecker(t *testing.T) {
	java := testenv.Command(t, "apt-get install default-jre-headless", "java")
	testenv.File(t, vnuJar, "make assets")
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	dir := t.TempDir()
	files := map[string]string{}
	save := func(who, path string, p page) {
		if p.status != http.StatusOK {
			t.Fatalf("%s %s: %d", who, path, p.status)
		}
		f := filepath.Join(dir, who+strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(path)+".html")
		if err := os.WriteFile(f, []byte(p.body), 0o600); err != nil {
			t.Fatal(err)
		}
		files["file:"+f] = who + " " + path
	}
	anonymous := newBrowser(t, srv)
	module := firstLink(t, anonymous.get("/catalogue"), "/modules/")
	for _, path := range []string{"/", "/domaines", "/domaines/data", "/parcours", firstLink(t, anonymous.get("/parcours"), "/parcours/"),
		module, "/catalogue?q=donn%C3%A9es", "/programmes-sur-mesure", "/partenaires", "/bilan", "/donnees-ouvertes",
		"/devenir-formateur", "/connexion", "/inscription", "/accessibilite"} {
		save("anonyme", path, anonymous.get(path))
	}
	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	for _, path := range []string{"/compte", "/mes-formations", module} {
		save("agent", path, agent.get(path))
	}
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	for _, path := range []string{"/admin", "/admin/modules", "/admin/sessions", "/admin/journal"} {
		save("admin", path, admin.get(path))
	}

	args := []string{"-jar", vnuJar, "--errors-only", "--format", "json"}
	for f := range files {
		args = append(args, strings.TrimPrefix(f, "file:"))
	}
	out, _ := osexec.Command(java, args...).CombinedOutput() // exits 1 when it reports an error
	var report struct {
		Messages []struct{ Type, URL, Message, Extract string }
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("vnu: %v\n%s", err, out)
	}
	allowed := 0
	for _, m := range report.Messages {
		if strings.Contains(m.Extract, `class="fr-header__menu fr-modal"`) && strings.Contains(m.Message, "aria-labelledby") {
			allowed++
			continue
		}
		t.Errorf("%s: %s: %s\n\t%s", files[m.URL], m.Type, m.Message, m.Extract)
	}
	t.Logf("Nu HTML Checker: %d pages, %d messages, %d of them the DSFR's header menu", len(files), len(report.Messages), allowed)
}

// firstLink is the first link of the page whose address starts with prefix and goes further.
func firstLink(t *testing.T, p page, prefix string) string {
	t.Helper()
	href := ""
	p.doc.Find(`main a[href^="` + prefix + `"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if h := s.AttrOr("href", ""); len(h) > len(prefix) {
			href = h
			return false
		}
		return true
	})
	if href == "" {
		t.Fatalf("no link to %s…", prefix)
	}
	return href
}
