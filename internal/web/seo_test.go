package web_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"campus/internal/testdb"
	"campus/internal/web/webtest"
)

type sitemapDoc struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
}

// readSitemap fetches /sitemap.xml and returns its URLs' paths with their lastmod, checking the protocol's
// format: the urlset of the sitemaps.org namespace, absolute URLs on the base URL, W3C datetimes, no URL twice.
func readSitemap(t *testing.T, srv *httptest.Server) map[string]string {
	t.Helper()
	res, err := http.Get(srv.URL + "/sitemap.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("sitemap.xml: %d %s (%v)", res.StatusCode, res.Header.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("sitemap.xml does not start with the XML declaration: %.60q", b)
	}
	var doc sitemapDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("sitemap.xml: %v", err)
	}
	out := map[string]string{}
	for _, u := range doc.URLs {
		path, ok := strings.CutPrefix(u.Loc, testBase)
		if !ok || !strings.HasPrefix(path, "/") {
			t.Errorf("sitemap URL %q is not an absolute URL of %s", u.Loc, testBase)
			continue
		}
		if _, dup := out[path]; dup {
			t.Errorf("sitemap lists %s twice", path)
		}
		if u.LastMod != "" {
			if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
				t.Errorf("%s: lastmod %q is not a W3C datetime", path, u.LastMod)
			}
		}
		out[path] = u.LastMod
	}
	if len(doc.URLs) > 50000 || len(b) > 50<<20 {
		t.Errorf("sitemap.xml over the protocol's limits: %d URLs, %d bytes", len(doc.URLs), len(b))
	}
	return out
}

// TestSitemapXML: every URL of sitemap.xml answers 200 to an anonymous visitor, and every public page
// reachable by links from the home page (three clicks deep, on the seeded catalogue) is in it; catalogue pages
// carry their lastmod.
func TestSitemapXML(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	urls := readSitemap(t, srv)

	kinds := map[string]int{}
	for path, mod := range urls {
		if p := get(t, srv, path); p.status != http.StatusOK {
			t.Errorf("sitemap URL %s answers %d", path, p.status)
		}
		if k := strings.Split(path, "/"); len(k) == 3 && path != "/programmes-sur-mesure/demande" && path != "/accessibilite/schema-pluriannuel" {
			kinds[k[1]]++
			if mod == "" {
				t.Errorf("catalogue page %s has no lastmod", path)
			}
		}
	}
	published := testdb.Int(t, store, `SELECT
		(SELECT count(*) FROM modules WHERE status = 'published') + (SELECT count(*) FROM tracks WHERE status = 'published') +
		(SELECT count(*) FROM partners WHERE status = 'published') + (SELECT count(*) FROM domains WHERE status IN ('published', 'coming'))`)
	if n := kinds["modules"] + kinds["parcours"] + kinds["programmes-sur-mesure"] + kinds["partenaires"] + kinds["domaines"]; n != published {
		t.Errorf("sitemap lists %d catalogue pages (%v), the database publishes %d", n, kinds, published)
	}

	// Crawl: links of the portal's own pages, query and fragment dropped, skipping what robots.txt disallows.
	disallowed := robotsDisallows(t, srv)
	seen := map[string]bool{"/": true}
	level := []string{"/"}
	pages := 0
	for depth := 0; depth < 3 && len(level) > 0; depth++ {
		var next []string
		for _, path := range level {
			p := get(t, srv, path)
			if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
				continue
			}
			pages++
			if _, ok := urls[path]; !ok {
				t.Errorf("public page %s (linked from the home page, %d clicks) is not in sitemap.xml", path, depth)
			}
			p.doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.HasPrefix(href, "/static/") {
					return
				}
				href, _, _ = strings.Cut(href, "#")
				if strings.Contains(href, "?") || href == "" || seen[href] || disallowed(href) ||
					strings.HasPrefix(href, "/api/") || strings.HasPrefix(href, "/bilan/") {
					return // search results, data files
				}
				seen[href] = true
				next = append(next, href)
			})
		}
		level = next
	}
	if pages < 100 {
		t.Errorf("the crawl reached %d pages only", pages)
	}
	t.Logf("sitemap.xml: %d URLs (%v); the crawl from the home page reached %d public pages", len(urls), kinds, pages)
}

// robotsDisallows reads /robots.txt and returns its rule for every crawler (prefix matching, as the
// protocol says).
func robotsDisallows(t *testing.T, srv *httptest.Server) func(path string) bool {
	t.Helper()
	p := get(t, srv, "/robots.txt")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("robots.txt: %d %s", p.status, p.header.Get("Content-Type"))
	}
	var rules []string
	all := false
	for _, line := range strings.Split(p.body, "\n") {
		k, v, _ := strings.Cut(line, ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "user-agent":
			all = v == "*"
		case "disallow":
			if all && v != "" {
				rules = append(rules, v)
			}
		}
	}
	return func(path string) bool {
		for _, r := range rules {
			if strings.HasPrefix(path, r) {
				return true
			}
		}
		return false
	}
}

// TestRobotsTxt: every page that needs an account, or a secret or single-use link, is disallowed; the public
// pages are not; the sitemap is named by its absolute URL.
func TestRobotsTxt(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv, portal := webtest.Start(t, store, map[string]string{"CAMPUS_BASE_URL": testBase}, nil)
	disallowed := robotsDisallows(t, srv)
	if p := get(t, srv, "/robots.txt"); !strings.Contains(p.body, "\nSitemap: "+testBase+"/sitemap.xml\n") {
		t.Errorf("robots.txt does not name the sitemap:\n%s", p.body)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	secret := regexp.MustCompile(`\{token\}|/precisions/|/merci$`)
	n := 0
	chi.Walk(portal.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet {
			return nil
		}
		path := param.ReplaceAllString(route, "x")
		if accessOf(method, route) != public || secret.MatchString(route) {
			n++
			if !disallowed(path) {
				t.Errorf("private page %s is not disallowed by robots.txt", route)
			}
		}
		return nil
	})
	if n < 20 {
		t.Errorf("only %d private GET routes found", n)
	}
	for path := range readSitemap(t, srv) {
		if disallowed(path) {
			t.Errorf("sitemap page %s is disallowed by robots.txt", path)
		}
	}
	// A search may be crawled, and names the catalogue as its canonical page.
	search := "/catalogue?q=donn%C3%A9es&page=2"
	if disallowed(search) {
		t.Errorf("%s is disallowed by robots.txt", search)
	}
	page := get(t, srv, search)
	if c := page.doc.Find(`link[rel="canonical"]`).AttrOr("href", ""); c != testBase+"/catalogue" {
		t.Errorf("%s: canonical %q", search, c)
	}
	// Its pagination's links are all crawlable, the current page's to itself.
	if cur := page.doc.Find(`.fr-pagination__link[aria-current="page"]`); cur.Length() != 1 || !strings.Contains(cur.AttrOr("href", ""), "page=2") {
		t.Errorf("%s: current page link %v", search, cur.AttrOr("href", "(none)"))
	}
}

// TestSitemapXML_FreshAfterChange: sitemap.xml is cached like the catalogue pages, and the change feed that
// drops them drops it: a module archived leaves it, a module changed gets a later lastmod.
func TestSitemapXML_FreshAfterChange(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "sitemapfresh", 10)
	srv, _ := startWatched(t, store, map[string]string{"CAMPUS_BASE_URL": testBase})
	ctx := t.Context()
	var gone, changed string
	testdb.Row(t, store, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id DESC LIMIT 1`).Scan(&gone)
	testdb.Row(t, store, `SELECT slug FROM modules WHERE status = 'published' AND slug <> $1 ORDER BY id LIMIT 1`, gone).Scan(&changed)
	before := readSitemap(t, srv)
	if _, ok := before["/modules/"+gone]; !ok || before["/modules/"+changed] == "" {
		t.Fatalf("modules %s and %s not in the sitemap", gone, changed)
	}
	if _, err := store.Pool().Exec(ctx, `UPDATE modules SET status = 'archived', updated_at = now() WHERE slug = $1`, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Pool().Exec(ctx, `UPDATE modules SET summary = summary || ' (mis à jour)', updated_at = now() + interval '1 hour' WHERE slug = $1`, changed); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, func() string {
		after := readSitemap(t, srv)
		if _, ok := after["/modules/"+gone]; ok {
			return "an archived module stays in sitemap.xml"
		}
		if after["/modules/"+changed] <= before["/modules/"+changed] {
			return "a changed module keeps its lastmod " + after["/modules/"+changed]
		}
		return ""
	})
}

// TestSharingTags: every page of the sitemap carries its canonical URL and the link-preview tags (Open Graph,
// Twitter card) with a title, a description, the same canonical URL and the Campus's image, which is served.
func TestSharingTags(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	meta := func(p page, attr, name string) string {
		sel := p.doc.Find(`head meta[` + attr + `="` + name + `"]`)
		if sel.Length() != 1 {
			t.Errorf("%d <meta %s=%q>", sel.Length(), attr, name)
		}
		return sel.AttrOr("content", "")
	}
	images := map[string]bool{}
	for path := range readSitemap(t, srv) {
		p := get(t, srv, path)
		want := testBase + path
		if c := p.doc.Find(`head link[rel="canonical"]`); c.Length() != 1 || c.AttrOr("href", "") != want {
			t.Errorf("%s: canonical %q, want %q", path, c.AttrOr("href", ""), want)
		}
		title, _ := strings.CutSuffix(p.doc.Find("head title").Text(), " | Campus du numérique public")
		if path == "/" {
			title = "Campus du numérique public"
		}
		for name, want := range map[string]string{"og:url": want, "og:type": "website", "og:locale": "fr_FR", "og:title": title,
			"og:site_name": "Campus du numérique public", "og:description": meta(p, "name", "description")} {
			if got := meta(p, "property", name); got != want || got == "" {
				t.Errorf("%s: %s %q, want %q", path, name, got, want)
			}
		}
		if got := meta(p, "name", "twitter:card"); got != "summary_large_image" {
			t.Errorf("%s: twitter:card %q", path, got)
		}
		img := meta(p, "property", "og:image")
		if !strings.HasPrefix(img, testBase+"/static/") {
			t.Errorf("%s: og:image %q is not an absolute URL of the portal's static files", path, img)
		}
		images[img] = true
	}
	if len(images) != 1 {
		t.Fatalf("%d different images: %v", len(images), images)
	}
	for img := range images {
		res, err := http.Get(srv.URL + strings.TrimPrefix(img, testBase))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || err != nil || cfg.Width != 1200 || cfg.Height != 630 {
			t.Errorf("og:image %s: %d, %v, %d×%d (want a 1200×630 PNG)", img, res.StatusCode, err, cfg.Width, cfg.Height)
		}
	}
}

// jsonLD parses every JSON-LD script of the page, by @type.
func jsonLD(t *testing.T, path string, p page) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	p.doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		var v map[string]any
		if err := json.Unmarshal([]byte(s.Text()), &v); err != nil {
			t.Errorf("%s: JSON-LD %q: %v", path, s.Text(), err)
			return
		}
		// The open data page also describes its datasets in DCAT-AP, with DCAT's own vocabularies.
		if v["@context"] != "https://schema.org" && v["@type"] != "dcat:Catalog" {
			t.Errorf("%s: JSON-LD @context %v", path, v["@context"])
		}
		typ, _ := v["@type"].(string)
		out[typ] = append(out[typ], v)
	})
	if p.doc.Find(`body script[type="application/ld+json"]`).Length() != 0 {
		t.Errorf("%s: JSON-LD outside the head", path)
	}
	return out
}

// jsonPath reads a nested value: jsonPath(v, "offers", 0, "price").
func jsonPath(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func list(v any) []any { a, _ := v.([]any); return a }

// TestJSONLD: the schema.org descriptions of each type of page parse and carry what search engines read: a
// BreadcrumbList matching the breadcrumb on every page that has one, the Campus and its search on the home page,
// a Course with its modules for tracks and programmes, and for modules the free offer, what they teach, and
// their instances with workload, schedule and locations (a VirtualLocation for online and hybrid ones, never
// the classroom's own link).
func TestJSONLD(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)

	// Every page of the sitemap: the breadcrumb.
	crumbs := 0
	for path := range readSitemap(t, srv) {
		p := get(t, srv, path)
		ld := jsonLD(t, path, p)
		links := p.doc.Find(".fr-breadcrumb li")
		if links.Length() == 0 {
			if len(ld["BreadcrumbList"]) != 0 {
				t.Errorf("%s: a BreadcrumbList without a breadcrumb", path)
			}
			continue
		}
		crumbs++
		if len(ld["BreadcrumbList"]) != 1 {
			t.Errorf("%s: %d BreadcrumbList", path, len(ld["BreadcrumbList"]))
			continue
		}
		items := list(ld["BreadcrumbList"][0]["itemListElement"])
		if len(items) != links.Length() {
			t.Errorf("%s: %d breadcrumb items in JSON-LD, %d on the page", path, len(items), links.Length())
			continue
		}
		links.Each(func(i int, li *goquery.Selection) {
			a := li.Find("a")
			// Every item is a crawlable link, the current page's to the page itself (Lighthouse's crawlable-anchors).
			if href, ok := a.Attr("href"); !ok || (i == links.Length()-1 && (href != path || a.AttrOr("aria-current", "") != "page")) {
				t.Errorf("%s: breadcrumb item %d href %q (%v), aria-current %q", path, i+1, href, ok, a.AttrOr("aria-current", ""))
			}
			want := testBase + a.AttrOr("href", path)
			if jsonPath(items[i], "position") != float64(i+1) || foldSpace(fmt.Sprint(jsonPath(items[i], "name"))) != text(a) || jsonPath(items[i], "item") != want {
				t.Errorf("%s: breadcrumb item %d %v, want %q at %s", path, i+1, items[i], text(a), want)
			}
		})
	}
	if crumbs < 100 {
		t.Errorf("only %d pages with a breadcrumb", crumbs)
	}

	// The home page: the Campus and the portal with its search, which works.
	home := jsonLD(t, "/", get(t, srv, "/"))
	if len(home["EducationalOrganization"]) != 1 || home["EducationalOrganization"][0]["name"] != "Campus du numérique public" ||
		home["EducationalOrganization"][0]["url"] != testBase+"/" {
		t.Errorf("home: EducationalOrganization %v", home["EducationalOrganization"])
	}
	if len(home["WebSite"]) != 1 {
		t.Fatalf("home: WebSite %v", home["WebSite"])
	}
	action := jsonPath(home["WebSite"][0], "potentialAction").(map[string]any)
	tmpl, _ := jsonPath(action, "target", "urlTemplate").(string)
	if action["@type"] != "SearchAction" || action["query-input"] != "required name=search_term_string" ||
		!strings.HasPrefix(tmpl, testBase+"/catalogue?") || !strings.Contains(tmpl, "{search_term_string}") {
		t.Fatalf("home: SearchAction %v", action)
	}
	if p := get(t, srv, strings.Replace(strings.TrimPrefix(tmpl, testBase), "{search_term_string}", "cybers%C3%A9curit%C3%A9", 1)); p.status != http.StatusOK ||
		!strings.Contains(text(p.doc.Find("main")), "Cybersécurité") {
		t.Errorf("the SearchAction's URL answers %d without results", p.status)
	}

	// Tracks and programmes: a Course made of the modules the page lists, free.
	var trackSlug, programmeSlug string
	testdb.Row(t, store, `SELECT slug FROM tracks WHERE administration = '' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&trackSlug)
	testdb.Row(t, store, `SELECT slug FROM tracks WHERE administration <> '' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&programmeSlug)
	for _, path := range []string{"/parcours/" + trackSlug, "/programmes-sur-mesure/" + programmeSlug} {
		p := get(t, srv, path)
		courses := jsonLD(t, path, p)["Course"]
		if len(courses) != 1 {
			t.Fatalf("%s: %d Course", path, len(courses))
		}
		c := courses[0]
		parts := list(c["hasPart"])
		var pageModules []string
		p.doc.Find(`main a[href^="/modules/"]`).Each(func(_ int, a *goquery.Selection) {
			if href := testBase + a.AttrOr("href", ""); len(pageModules) == 0 || pageModules[len(pageModules)-1] != href {
				pageModules = append(pageModules, href)
			}
		})
		if c["url"] != testBase+path || foldSpace(fmt.Sprint(c["name"])) != text(p.doc.Find("h1")) || len(parts) == 0 || len(parts) != len(pageModules) {
			t.Errorf("%s: Course %v with %d parts, the page lists %d modules", path, c["name"], len(parts), len(pageModules))
		}
		for i, part := range parts {
			if jsonPath(part, "@type") != "Course" || i < len(pageModules) && jsonPath(part, "url") != pageModules[i] || jsonPath(part, "provider", "name") == nil {
				t.Errorf("%s: part %d %v", path, i, part)
			}
		}
		checkFree(t, path, c)
	}

	// Modules of each format.
	for _, format := range []string{"presentiel", "hybride", "en_ligne"} {
		var slug, secret string
		testdb.Row(t, store, `SELECT m.slug, coalesce((SELECT max(virtual_url) FROM module_sessions x WHERE x.module_id = m.id), '')
			FROM modules m WHERE m.format = $1 AND m.status = 'published'
			ORDER BY (SELECT count(*) FROM module_sessions x WHERE x.module_id = m.id AND x.virtual_url <> '') DESC, m.id LIMIT 1`, format).Scan(&slug, &secret)
		path := "/modules/" + slug
		p := get(t, srv, path)
		courses := jsonLD(t, path, p)["Course"]
		if len(courses) != 1 {
			t.Fatalf("%s: %d Course", path, len(courses))
		}
		c := courses[0]
		checkFree(t, path, c)
		teaches := list(c["teaches"])
		objectives := p.doc.Find("main ul.campus-outline li")
		if len(teaches) == 0 || len(teaches) != objectives.Length() || foldSpace(fmt.Sprint(teaches[0])) != text(objectives.First()) {
			t.Errorf("%s: teaches %v, the page lists %d objectives", path, c["teaches"], objectives.Length())
		}
		if foldSpace(fmt.Sprint(c["name"])) != text(p.doc.Find("h1")) || jsonPath(c, "provider", "name") == nil {
			t.Errorf("%s: Course %v", path, c)
		}
		instances := list(c["hasCourseInstance"])
		want := p.doc.Find("#sessions ~ div tbody tr").Length()
		if format == "en_ligne" {
			want = 1
		}
		if len(instances) == 0 || len(instances) != want {
			t.Fatalf("%s: %d instances, want %d", path, len(instances), want)
		}
		virtual := 0
		for _, in := range instances {
			mode := map[string]string{"presentiel": "onsite", "hybride": "blended", "en_ligne": "online"}[format]
			if jsonPath(in, "@type") != "CourseInstance" || jsonPath(in, "courseMode") != mode ||
				!strings.HasPrefix(fmt.Sprint(jsonPath(in, "courseWorkload")), "PT") {
				t.Errorf("%s: instance %v", path, in)
			}
			if format != "en_ligne" && (jsonPath(in, "courseSchedule", "@type") != "Schedule" || jsonPath(in, "courseSchedule", "startDate") == nil ||
				jsonPath(in, "startDate") == nil || jsonPath(in, "location") == nil) {
				t.Errorf("%s: dated instance without its schedule or location: %v", path, in)
			}
			locs := list(jsonPath(in, "location"))
			if locs == nil {
				locs = []any{jsonPath(in, "location")}
			}
			for _, l := range locs {
				switch jsonPath(l, "@type") {
				case "VirtualLocation":
					virtual++
					if jsonPath(l, "url") != testBase+path && format != "en_ligne" {
						t.Errorf("%s: VirtualLocation %v", path, l)
					}
				case "Place":
					if jsonPath(l, "address", "addressLocality") == "" || format == "en_ligne" {
						t.Errorf("%s: Place %v", path, l)
					}
				default:
					t.Errorf("%s: location %v", path, l)
				}
			}
		}
		if format != "presentiel" && virtual == 0 {
			t.Errorf("%s: %d virtual locations", path, virtual)
		}
		if format == "hybride" && (secret == "" || virtual == 0) {
			t.Errorf("%s: a hybrid module without a session with a virtual classroom (%q, %d)", path, secret, virtual)
		}
		if secret != "" && strings.Contains(p.body, secret) {
			t.Errorf("%s: the page gives the virtual classroom's link %s to anonymous visitors", path, secret)
		}
	}
}

func checkFree(t *testing.T, path string, c map[string]any) {
	t.Helper()
	offer := jsonPath(c, "offers", 0)
	if jsonPath(offer, "@type") != "Offer" || jsonPath(offer, "price") != float64(0) || jsonPath(offer, "priceCurrency") != "EUR" ||
		jsonPath(offer, "category") != "Free" || c["isAccessibleForFree"] != true {
		t.Errorf("%s: offers %v", path, c["offers"])
	}
}

// TestLegalNotice_Hosting: the legal notice names the host the operator states (CAMPUS_HOSTING), and says how to
// ask for it when it is not configured; the personal-data page states the retention periods and the recipients.
func TestLegalNotice_Hosting(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	host := "Exemple Cloud SAS, 1 rue de l’Exemple, 75000 Paris, 01 23 45 67 89"
	srv := accountServer(t, store, map[string]string{"CAMPUS_HOSTING": host})
	if p := get(t, srv, "/mentions-legales"); !strings.Contains(p.body, "Exemple Cloud SAS, 1 rue de l’Exemple") {
		t.Error("the configured host is not on the legal notice")
	}
	plain := newServer(t, store)
	if p := get(t, plain, "/mentions-legales"); !strings.Contains(text(p.doc.Find("main")), "communiquée sur demande") {
		t.Error("without CAMPUS_HOSTING the notice does not say how to learn the host")
	}
	data := text(get(t, plain, "/donnees-personnelles").doc.Find("main"))
	for _, want := range []string{"trois ans après la dernière connexion", "supprimé automatiquement", "responsable hiérarchique", "délégué à la protection des données"} {
		if !strings.Contains(data, want) {
			t.Errorf("personal-data page without %q", want)
		}
	}
}
