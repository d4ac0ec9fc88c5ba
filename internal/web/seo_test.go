package web_test

import (
	"context"
	"encoding/xml"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"campus/internal/config"
	"campus/internal/testdb"
	"campus/internal/web"
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
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("sitemap.xml: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
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
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	urls := readSitemap(t, srv)

	kinds := map[string]int{}
	for path, mod := range urls {
		if p := get(t, srv, path); p.status != http.StatusOK {
			t.Errorf("sitemap URL %s answers %d", path, p.status)
		}
		if k := strings.Split(path, "/"); len(k) == 3 && path != "/programmes-sur-mesure/demande" {
			kinds[k[1]]++
			if mod == "" {
				t.Errorf("catalogue page %s has no lastmod", path)
			}
		}
	}
	var published int
	store.Pool().QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM modules WHERE status = 'published') + (SELECT count(*) FROM tracks WHERE status = 'published') +
		(SELECT count(*) FROM partners WHERE status = 'published') + (SELECT count(*) FROM domains WHERE status IN ('published', 'coming'))`).Scan(&published)
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
	store := testdb.Seeded(t)
	cfg, err := config.FromEnv(func(k string) string {
		if k == "CAMPUS_BASE_URL" {
			return testBase
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	portal := web.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(portal.Handler())
	t.Cleanup(srv.Close)
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
}

// TestSitemapXML_FreshAfterChange: sitemap.xml is cached like the catalogue pages, and the change feed that
// drops them drops it: a module archived leaves it, a module changed gets a later lastmod.
func TestSitemapXML_FreshAfterChange(t *testing.T) {
	store := testdb.NewSeeded(t, "sitemapfresh", 10)
	srv, _ := startWatched(t, store, map[string]string{"CAMPUS_BASE_URL": testBase})
	ctx := context.Background()
	var gone, changed string
	store.Pool().QueryRow(ctx, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id DESC LIMIT 1`).Scan(&gone)
	store.Pool().QueryRow(ctx, `SELECT slug FROM modules WHERE status = 'published' AND slug <> $1 ORDER BY id LIMIT 1`, gone).Scan(&changed)
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
