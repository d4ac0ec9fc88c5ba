package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web/webtest"
	"campus/static"
)

func newServer(t testing.TB, store *postgres.Store) *httptest.Server {
	t.Helper()
	srv, _ := webtest.Start(t, store, map[string]string{"CAMPUS_BASE_URL": "https://campus.example.gouv.fr"}, nil)
	return srv
}

type page struct {
	status int
	header http.Header
	doc    *goquery.Document
	body   string
}

func get(t *testing.T, srv *httptest.Server, path string) page {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, res)
}

// readPage reads a response into a page (its body parsed as HTML) and closes it; a body that cannot be read
// fails the test rather than make a short page.
func readPage(t testing.TB, res *http.Response) page {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return page{status: res.StatusCode, header: res.Header, doc: doc, body: string(b)}
}

// text is the selection's text with runs of white space (no-break spaces included) folded to one space.
func text(s *goquery.Selection) string { return foldSpace(s.Text()) }

// foldSpace folds runs of white space (no-break spaces included) to one space, as text does: a catalogue title
// (« », a colon after a no-break space) compares with text(…) once folded.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkFrame asserts what every page must carry: title, skip links, DSFR header and footer with the
// mandatory links, a CSP that allows no inline script, and no inline script (JSON-LD data aside).
func checkFrame(t *testing.T, path string, p page) {
	t.Helper()
	if !strings.HasSuffix(p.doc.Find("title").Text(), "| Campus du numérique public") {
		t.Errorf("%s: title %q", path, p.doc.Find("title").Text())
	}
	if p.doc.Find("html[lang=fr]").Length() != 1 {
		t.Errorf("%s: no lang=fr", path)
	}
	if p.doc.Find(`.fr-skiplinks a[href="#content"]`).Length() != 1 || p.doc.Find("main#content").Length() != 1 {
		t.Errorf("%s: skip link to #content or main#content missing", path)
	}
	if p.doc.Find("header.fr-header .fr-logo").Length() != 1 || text(p.doc.Find(".fr-header .fr-logo")) != "RépubliqueFrançaise" {
		t.Errorf("%s: DSFR header with République Française missing", path)
	}
	footer := p.doc.Find("footer.fr-footer")
	for _, want := range []string{"info.gouv.fr", "service-public.fr", "legifrance.gouv.fr", "data.gouv.fr",
		"Accessibilité : non conforme", "Mentions légales", "Données personnelles", "Gestion des cookies", "Plan du site"} {
		if !strings.Contains(text(footer), want) {
			t.Errorf("%s: footer lacks %q", path, want)
		}
	}
	if p.doc.Find("h1").Length() != 1 {
		t.Errorf("%s: %d h1", path, p.doc.Find("h1").Length())
	}
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "nonce-") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP %q", path, csp)
	}
	if n := p.doc.Find(`script:not([src]):not([type="application/ld+json"])`).Length(); n != 0 {
		t.Errorf("%s: %d inline scripts (the CSP would block them)", path, n)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") == "" {
		t.Errorf("%s: security headers missing", path)
	}
	checkUniqueIDs(t, path, p)
	checkHiddenWordsApart(t, path, p)
	checkCaptionsUnderHeadings(t, path, p)
}

// checkCaptionsUnderHeadings: a table right under a heading of the page reads its caption to screen readers only
// (fr-table--no-caption), or the page shows two titles one above the other ("Sessions à venir", then "Sessions à
// venir de « … »").
func checkCaptionsUnderHeadings(t *testing.T, path string, p page) {
	t.Helper()
	p.doc.Find("main .fr-table:not(.fr-table--no-caption)").Each(func(_ int, s *goquery.Selection) {
		if prev := s.Prev(); prev.Is("h2, h3, h4, h5, h6") {
			t.Errorf("%s: heading %q, then the caption %q", path, text(prev), text(s.Find("caption")))
		}
	})
}

// checkHiddenWordsApart: the words a link or a button adds for screen readers alone (.fr-sr-only, "Annuler" +
// " l’inscription à « … »") are apart from its visible label: its accessible name is their text run together, and
// templ drops the space that opens an element's text ("Annulerl’inscription à …"), so it is written as a string.
func checkHiddenWordsApart(t *testing.T, path string, p page) {
	t.Helper()
	p.doc.Find("a .fr-sr-only, button .fr-sr-only").Each(func(_ int, s *goquery.Selection) {
		hidden, around := s.Text(), s.Parent().Text()
		i := strings.Index(around, hidden)
		if hidden == "" || i < 0 {
			return
		}
		before, after := around[:i], around[i+len(hidden):]
		if before != "" && !startsOrEndsWithSpace(before, false) && !startsOrEndsWithSpace(hidden, true) {
			t.Errorf("%s: %q runs into the hidden %q", path, before, hidden)
		}
		if after != "" && !startsOrEndsWithSpace(after, true) && !startsOrEndsWithSpace(hidden, false) {
			t.Errorf("%s: the hidden %q runs into %q", path, hidden, after)
		}
	})
}

func startsOrEndsWithSpace(s string, start bool) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	if start {
		r, _ = utf8.DecodeRuneInString(s)
	}
	return unicode.IsSpace(r)
}

// checkUniqueIDs: no id twice in the page (a label's for, an aria-describedby or a skip link would reach the
// first element only), and every link within the page leads to an element.
func checkUniqueIDs(t *testing.T, path string, p page) {
	t.Helper()
	seen := map[string]bool{}
	p.doc.Find("[id]").Each(func(_ int, e *goquery.Selection) {
		id := e.AttrOr("id", "")
		if seen[id] {
			t.Errorf("%s: id %q twice", path, id)
		}
		seen[id] = true
	})
	p.doc.Find(`a[href^="#"]`).Each(func(_ int, a *goquery.Selection) {
		if href := a.AttrOr("href", ""); len(href) > 1 && !seen[href[1:]] {
			t.Errorf("%s: link to %s leads nowhere", path, href)
		}
	})
}

func TestPages(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)

	var trackSlug, programmeSlug, moduleSlug string
	testdb.Row(t, store, `SELECT slug FROM tracks WHERE administration = '' ORDER BY id LIMIT 1`).Scan(&trackSlug)
	testdb.Row(t, store, `SELECT slug FROM tracks WHERE participants = 200`).Scan(&programmeSlug)
	testdb.Row(t, store, `SELECT slug FROM modules WHERE format = 'hybride' ORDER BY id LIMIT 1`).Scan(&moduleSlug)

	cases := []struct {
		path, title, h1 string
		crumbs          int // breadcrumb entries, including Accueil; 0 for none
		contains        []string
	}{
		{"/", "Accueil", "Le Campus du numérique public", 0, []string{"Le Campus en chiffres", "Prochaines sessions", "Parcours à la une"}},
		{"/domaines", "Domaines de formation", "Les domaines de formation", 2, nil},
		{"/domaines/cybersecurite", "Domaine Cybersécurité", "Cybersécurité", 3, []string{"Parcours (", "Modules ("}},
		{"/domaines/intelligence-artificielle", "Domaine Intelligence artificielle", "Intelligence artificielle", 3, []string{"Domaine à venir", "pas encore ouvertes"}},
		{"/parcours", "Parcours de formation", "Les parcours", 2, []string{"Agilité et produit", "Data"}},
		{"/parcours/" + trackSlug, "", "", 3, []string{"Durée totale", "Étape 1 sur"}},
		{"/programmes-sur-mesure", "Programmes sur mesure", "Programmes sur mesure", 2, []string{"Directions d’administration centrale"}},
		{"/programmes-sur-mesure/" + programmeSlug, "", "", 3, []string{"Programme sur mesure", "Directions d’administration centrale", "200 agents l’ont suivi"}},
		{"/modules/" + moduleSlug, "", "", 4, []string{"À la fin, vous saurez", "Programme", "Prérequis", "Sessions à venir", "Places restantes", "classe virtuelle"}},
		{"/partenaires", "Partenaires", "Nos partenaires", 2, []string{"Écoles et instituts publics", "Partenaires internationaux", "Plateformes de formation", "École nationale de la magistrature", "UNESCO"}},
		{"/partenaires/pix", "Partenaire Pix", "Pix", 3, []string{"100 000 licences", "Modules proposés"}},
		{"/accessibilite", "Déclaration d’accessibilité", "Déclaration d’accessibilité", 2, []string{"État de conformité", "non conforme", "Contenus non accessibles", "attestations de formation au format PDF ne sont pas balisées", "schéma pluriannuel", "Voies de recours", "Défenseur des droits"}},
		{"/accessibilite/schema-pluriannuel", "Schéma pluriannuel de mise en accessibilité", "Schéma pluriannuel de mise en accessibilité 2026-2028", 3,
			[]string{"référent accessibilité", "Plan d’actions 2027", "audit de conformité RGAA complet"}},
		{"/mentions-legales", "Mentions légales", "Mentions légales", 2, []string{"Éditeur", "Hébergement"}},
		{"/donnees-personnelles", "Données personnelles", "Données personnelles", 2, []string{"RGPD"}},
		{"/gestion-des-cookies", "Gestion des cookies", "Gestion des cookies", 2, []string{"nom __Host-campus_session)", "nom __Host-campus_session_v)"}},
		{"/plan-du-site", "Plan du site", "Plan du site", 2, []string{"Module : ", "Parcours : ", "Programme sur mesure : "}},
	}
	titles := map[string]string{}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			p := get(t, srv, c.path)
			if p.status != http.StatusOK {
				t.Fatalf("status %d", p.status)
			}
			checkFrame(t, c.path, p)
			title := p.doc.Find("title").Text()
			if c.title != "" && title != c.title+" | Campus du numérique public" {
				t.Errorf("title %q, want %q", title, c.title)
			}
			if prev, dup := titles[title]; dup {
				t.Errorf("title %q also used by %s", title, prev)
			}
			titles[title] = c.path
			if c.h1 != "" && text(p.doc.Find("h1")) != c.h1 {
				t.Errorf("h1 %q, want %q", text(p.doc.Find("h1")), c.h1)
			}
			if n := p.doc.Find(".fr-breadcrumb__list li").Length(); n != c.crumbs {
				t.Errorf("breadcrumb has %d entries, want %d", n, c.crumbs)
			}
			if c.crumbs > 0 && p.doc.Find(`.fr-breadcrumb__list li:last-child a[aria-current="page"]`).Length() != 1 {
				t.Error("last breadcrumb entry is not the current page")
			}
			body := text(p.doc.Find("main"))
			for _, want := range c.contains {
				if !strings.Contains(body, want) {
					t.Errorf("main lacks %q", want)
				}
			}
		})
	}
}

func TestHome(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	p := get(t, newServer(t, store), "/")
	cards := p.doc.Find("#domaines ~ ul .fr-card")
	if cards.Length() != 10 {
		t.Fatalf("%d domain cards, want 9 + intelligence artificielle", cards.Length())
	}
	ia := cards.Last()
	if !strings.Contains(text(ia), "Intelligence artificielle") || !strings.Contains(text(ia), "À venir") {
		t.Errorf("last domain card = %q, want intelligence artificielle à venir", text(ia))
	}
	k, err := store.KeyFigures(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var figs []string
	p.doc.Find("#chiffres ~ ul li").Each(func(_ int, li *goquery.Selection) {
		figs = append(figs, text(li.Find("p").First())+" "+text(li.Find("p").Last()))
	})
	figures := strings.Join(figs, ", ")
	for _, want := range []string{itoa(k.Tracks) + " parcours", itoa(k.Modules) + " modules", itoa(k.TailoredProgrammes) + " programmes sur mesure"} {
		if !strings.Contains(figures, want) {
			t.Errorf("figures %q lack %q", figures, want)
		}
	}
	if p.doc.Find("#sessions ~ div tbody tr").Length() != 6 {
		t.Errorf("want the 6 next sessions")
	}
}

// Every published domain, track, tailored programme and module answers 200 with its own title.
func TestEveryCataloguePage(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	rows, err := store.Pool().Query(t.Context(), `
		SELECT '/domaines/' || slug, title FROM domains WHERE status IN ('published', 'coming')
		UNION ALL SELECT CASE WHEN administration = '' THEN '/parcours/' ELSE '/programmes-sur-mesure/' END || slug, title
		  FROM tracks WHERE status = 'published'
		UNION ALL SELECT '/modules/' || slug, title FROM modules WHERE status = 'published'
		UNION ALL SELECT '/partenaires/' || slug, name FROM partners WHERE status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	titles := map[string]string{}
	n := 0
	for rows.Next() {
		var path, title string
		if err := rows.Scan(&path, &title); err != nil {
			t.Fatal(err)
		}
		p := get(t, srv, path)
		if p.status != http.StatusOK {
			t.Errorf("%s: status %d", path, p.status)
			continue
		}
		got := p.doc.Find("title").Text()
		if !strings.Contains(got, title) || text(p.doc.Find("h1")) != foldSpace(title) {
			t.Errorf("%s: title %q / h1 %q, want %q", path, got, text(p.doc.Find("h1")), title)
		}
		if prev, dup := titles[got]; dup {
			t.Errorf("%s: title %q already used by %s", path, got, prev)
		}
		titles[got] = path
		n++
	}
	if n < 50+100+10+10 {
		t.Errorf("only %d pages checked", n)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "erreurs", 4)
	srv := newServer(t, store)
	for _, path := range []string{"/nimporte-quoi", "/domaines/inconnu", "/parcours/inconnu", "/modules/inconnu",
		"/partenaires/inconnu", "/programmes-sur-mesure/inconnu", "/modules/%ff%fe", "/modules/'%20OR%201=1--", "/domaines/a/b"} {
		p := get(t, srv, path)
		if p.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, p.status)
			continue
		}
		checkFrame(t, path, p)
		if text(p.doc.Find("h1")) != "Page non trouvée" {
			t.Errorf("%s: h1 %q", path, text(p.doc.Find("h1")))
		}
	}

	t.Run("Gone", func(t *testing.T) {
		slug := testdb.String(t, store, `SELECT slug FROM modules ORDER BY id DESC LIMIT 1`)
		testdb.Exec(t, store, `UPDATE modules SET status = 'archived' WHERE slug = $1`, slug)
		defer testdb.Exec(t, store, `UPDATE modules SET status = 'published' WHERE slug = $1`, slug)
		if p := get(t, srv, "/modules/"+slug); p.status != http.StatusGone || !strings.Contains(p.body, "archivé") {
			t.Errorf("archived module: status %d", p.status)
		}
	})

	t.Run("Redirects", func(t *testing.T) {
		var prog, track string
		testdb.Row(t, store, `SELECT slug FROM tracks WHERE administration <> '' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&prog)
		testdb.Row(t, store, `SELECT slug FROM tracks WHERE administration = '' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&track)
		if p := get(t, srv, "/parcours/"+prog); p.status != http.StatusMovedPermanently || p.header.Get("Location") != "/programmes-sur-mesure/"+prog {
			t.Errorf("tailored programme under /parcours: %d → %q", p.status, p.header.Get("Location"))
		}
		if p := get(t, srv, "/programmes-sur-mesure/"+track); p.status != http.StatusMovedPermanently {
			t.Errorf("track under /programmes-sur-mesure: %d", p.status)
		}
	})

	t.Run("DatabaseDown", func(t *testing.T) {
		// A store whose pool is closed fails every query: the visitor gets the generic 500 page, no SQL error.
		broken, err := postgres.Open(t.Context(), testdb.URL(t), 2)
		if err != nil {
			t.Fatal(err)
		}
		broken.Close()
		p := get(t, newServer(t, broken), "/domaines/cybersecurite")
		if p.status != http.StatusInternalServerError || text(p.doc.Find("h1")) != "Erreur inattendue" {
			t.Fatalf("status %d, h1 %q", p.status, text(p.doc.Find("h1")))
		}
		for _, leak := range []string{"pool", "closed", "SQL", "postgres", "goroutine"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("500 page leaks %q", leak)
			}
		}
	})
}

// TestCrossOriginPostRefused: a form posted from another site is refused with the French 403 page and the
// security headers of every page (it was net/http's plain-text English 403, without them).
func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Open(t))
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://malveillant.example"}} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/domaines", strings.NewReader("x=1"))
		req.Header.Set(h[0], h[1])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := goquery.NewDocumentFromReader(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			text(doc.Find("h1")) != "Requête refusée" || !strings.Contains(text(doc.Find("main")), "depuis un autre site") {
			t.Errorf("%s: %d %q, h1 %q, want the French 403 page", h[0], res.StatusCode, res.Header.Get("Content-Type"), text(doc.Find("h1")))
		}
		for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
			if res.Header.Get(name) == "" {
				t.Errorf("%s: no %s on the refusal", h[0], name)
			}
		}
	}
}

func TestStaticAndCompression(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Seeded(t))
	res, err := http.Get(srv.URL + static.Path("dsfr/dsfr-campus.min.css"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("dsfr-campus.min.css: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	for _, f := range []string{"dsfr/fonts/Marianne-Regular.woff2", "dsfr/icons/system/add-line.svg", "dsfr/dsfr.module.min.js"} {
		res, err := http.Get(srv.URL + static.Path(f))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", f, res.StatusCode)
		}
	}
	// Text assets are gzipped once and served compressed to clients that ask, plain to the others.
	want, _ := fs.ReadFile(static.FS, "dsfr/dsfr-campus.min.css")
	for enc, wantGzip := range map[string]bool{"gzip, deflate, br": true, "gzip": true, "": false, "gzip;q=0": false, "br": false} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+static.Path("dsfr/dsfr-campus.min.css"), nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = res.Body
		gz := res.Header.Get("Content-Encoding") == "gzip"
		if gz != wantGzip || (gz && res.ContentLength >= int64(len(want))) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, %d bytes", enc, res.Header.Get("Content-Encoding"), res.ContentLength)
		}
		if gz {
			if body, err = gzip.NewReader(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		got, err := io.ReadAll(body)
		res.Body.Close()
		if err != nil || !bytes.Equal(got, want) || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("Accept-Encoding %q: %v, %d bytes of %d, headers %v", enc, err, len(got), len(want), res.Header)
		}
	}
	if res, err = http.Get(srv.URL + "/static/ancienne-version/dsfr/dsfr-campus.min.css"); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Error("an old version must not be cached as immutable")
	}
	for _, bad := range []string{"/static/" + static.Version() + "/../embed.go", "/static/" + static.Version() + "/dsfr/"} {
		if res, err = http.Get(srv.URL + bad); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", bad, res.StatusCode)
		}
	}

	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("home not compressed: %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Le Campus en chiffres") {
		t.Error("compressed body is not the home page")
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.Open(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestConditionalGet(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "conditionnel", 4)
	srv := newServer(t, store)
	do := func(path, etag string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	first := do("/domaines/data", "")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("status %d, ETag %q", first.StatusCode, etag)
	}
	// Same content, another request: same tag, 304 without a body.
	again := do("/domaines/data", etag)
	if again.StatusCode != http.StatusNotModified || again.ContentLength > 0 {
		t.Fatalf("revalidation: status %d, length %d", again.StatusCode, again.ContentLength)
	}
	// The content changes: the old tag no longer matches.
	testdb.Exec(t, store, `UPDATE domains SET summary = summary || ' Mis à jour.' WHERE slug = 'data'`)
	if changed := do("/domaines/data", etag); changed.StatusCode != 200 || changed.Header.Get("ETag") == etag {
		t.Fatalf("after a change: status %d, same tag %v", changed.StatusCode, changed.Header.Get("ETag") == etag)
	}
}

// TestDomains_LeadFollowsTheCatalogue: the domains page says how many domains are open and which are announced,
// from the catalogue: a domain announced in the back-office shows there.
func TestDomains_LeadFollowsTheCatalogue(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "domains_lead", 4)
	srv := newServer(t, store)
	lead := func() string {
		return strings.TrimSpace(newBrowser(t, srv).get("/domaines").doc.Find("main .fr-text--lead").Text())
	}
	open := testdb.Int(t, store, `SELECT count(*) FROM domains WHERE status = 'published'`)
	want := strconv.Itoa(open) + " domaines couvrent les compétences numériques de l’action publique\u202f; le domaine «\u00a0Intelligence artificielle\u00a0» est en préparation."
	if got := lead(); got != want {
		t.Fatalf("lead %q, want %q", got, want)
	}
	testdb.Exec(t, store, `INSERT INTO domains (slug, title, status, position) VALUES ('quantique', 'Informatique quantique', 'coming', 99)`)
	want = strconv.Itoa(open) + " domaines couvrent les compétences numériques de l’action publique\u202f; les domaines «\u00a0Intelligence artificielle\u00a0» et «\u00a0Informatique quantique\u00a0» sont en préparation."
	if got := lead(); got != want {
		t.Errorf("lead once a second domain is announced: %q, want %q", got, want)
	}
}
