package e2e

import (
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/testdb"
	"campus/internal/web/webtest"
)

// TestSignedInPages_CachedGzipInBrowser: with the change feed listening, as `serve` runs, a signed-in page
// comes from the copy rendered once for every signed-in viewer, and a browser (which asks for gzip) gets it as
// a gzip stream spliced from parts compressed once and the viewer's name (internal/web/splitpage.go). Chromium
// must decode it to the whole page: the viewer's name in the header, the page's heading, and a body that came
// compressed.
func TestSignedInPages_CachedGzipInBrowser(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "e2e_signedin_gzip", 4)
	srv, _ := webtest.Watched(t, store, map[string]string{"CAMPUS_COOKIE_SECURE": "false"})

	b := newBrowser(t, srv.URL)
	email, _ := e2eUser(t, store, account.RoleAgent)
	testdb.Exec(t, store, `UPDATE users SET given_name = 'Zoé', usual_name = 'L’Hôte <b>' WHERE email = $1`, email)
	signIn(t, b, email)
	for _, p := range []struct{ path, h1 string }{
		{"/", "Campus du numérique public"},
		{"/catalogue?q=donnees", ""},
		{"/mes-formations", "Mes formations"},
	} {
		for round := range 2 { // the first view renders the copy, the second is served from it
			tb := b.open(t, p.path, desktop)
			account := eval[string](t, tb, `document.querySelector('header a[href="/compte"]')?.getAttribute("title") ?? ""`)
			h1 := eval[string](t, tb, `document.querySelector("main h1")?.textContent.trim() ?? ""`)
			sizes := eval[[]int](t, tb, `(e => [e.encodedBodySize, e.decodedBodySize])(performance.getEntriesByType("navigation")[0])`)
			if account != "Mon compte - Zoé L’Hôte <b>" || (p.h1 != "" && !strings.Contains(h1, p.h1)) || h1 == "" {
				t.Errorf("%s (view %d): account link %q, heading %q", p.path, round+1, account, h1)
			}
			if len(sizes) != 2 || sizes[0] <= 0 || sizes[0]*3 > sizes[1] {
				t.Errorf("%s (view %d): %v bytes received for the decoded page (not compressed?)", p.path, round+1, sizes)
			}
		}
	}
}
