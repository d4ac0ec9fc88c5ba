package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/testdb"
)

// proseAttributes are the attributes a person reads (or hears, through a screen reader): they follow French
// typography as the text does. A meta's content and an input's value are prose only on the elements
// typographyFaults names.
var proseAttributes = []string{"title", "aria-label", "placeholder", "alt", "aria-description"}

// splitUnit finds a time or a duration that a plain space may split at the end of a line: "9 h 30", "2 h",
// "45 min" keep their parts together with no-break spaces, as catalogue.Clock and catalogue.Duration write them.
var splitUnit = regexp.MustCompile(`\d h\b|\bh \d|\d min\b`)

// unElided finds "de" before a name that starts with a vowel ("Site de OpenClassrooms", "Compte de Alix"):
// catalogue.De elides it, or the name follows a label ("Site web : …") when it would need an article.
var unElided = regexp.MustCompile(`\b[Dd]e [AEIOUÉÈÊÀÂÎÔ]`)

// typographyFaults lists the texts of the page that catalogue.Typeset would change: the text nodes outside
// <script>, <style>, <code>, <pre> (not prose) and <textarea> (what the user typed), the prose attributes, the page's descriptions (meta description and
// og:/twitter: title and description) and the labels of submit buttons. Each fault is "text → typeset text".
func typographyFaults(p page) []string {
	var faults []string
	check := func(where, s string) {
		if want := catalogue.Typeset(s); want != s {
			faults = append(faults, where+strings.TrimSpace(s)+"  →  "+strings.TrimSpace(want))
		}
		if m := unElided.FindString(s); m != "" {
			faults = append(faults, where+strings.TrimSpace(s)+"  →  "+strconv.Quote(m)+" elided (catalogue.De) or a label")
		}
		if m := splitUnit.FindString(s); m != "" {
			faults = append(faults, where+strings.TrimSpace(s)+"  →  no-break spaces in "+strconv.Quote(m))
		}
	}
	var walk func(s *goquery.Selection)
	walk = func(s *goquery.Selection) {
		s.Contents().Each(func(_ int, n *goquery.Selection) {
			switch name := goquery.NodeName(n); name {
			case "#text":
				check("", n.Nodes[0].Data)
			case "script", "style", "code", "pre", "textarea", "#comment":
			default:
				for _, a := range proseAttributes {
					if v, ok := n.Attr(a); ok {
						check(a+"=", v)
					}
				}
				if name == "meta" {
					switch kind := n.AttrOr("name", "") + n.AttrOr("property", ""); kind {
					case "description", "og:title", "og:description", "twitter:title", "twitter:description":
						check(kind+"=", n.AttrOr("content", ""))
					}
				}
				if typ := n.AttrOr("type", ""); name == "input" && (typ == "submit" || typ == "button") {
					check("value=", n.AttrOr("value", ""))
				}
				walk(n)
			}
		})
	}
	walk(p.doc.Selection)
	return faults
}

// TestTypography_EveryPage holds the interface to French typography (catalogue.Typeset: curly apostrophe,
// no-break space inside « » and before a colon, narrow no-break space before ; ? and !), as the seed's texts
// are held by TestReference_Typography. It renders every GET route of the router (chi.Walk, parameters filled
// with seeded values, the public pages with real slugs) as an anonymous visitor, an agent, a trainer and an
// admin, then POSTs an empty form to every POST route as an agent and as an admin (the refusals, field
// errors and flash messages they show, following one redirect), and reports every text typographyFaults finds,
// once per text with the first page that shows it. The seed's own texts are typeset, so any fault is the
// interface's (templates, Go strings). It POSTs everything, so it runs on a seeded database of its own.
func TestTypography_EveryPage(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "typo", 10)
	srv, ws := portalServer(t, store, nil, slog.NewTextHandler(io.Discard, nil))

	// The public pages with real slugs (those of TestPages), beyond samplePath's defaults.
	slugs := map[string]string{
		"/parcours/{slug}":              testdb.String(t, store, `SELECT slug FROM tracks WHERE administration = '' ORDER BY id LIMIT 1`),
		"/programmes-sur-mesure/{slug}": testdb.String(t, store, `SELECT slug FROM tracks WHERE participants = 200`),
		"/modules/{slug}":               testdb.String(t, store, `SELECT slug FROM modules WHERE format = 'hybride' ORDER BY id LIMIT 1`),
		"/partenaires/{slug}":           "pix",
	}
	type route struct{ method, pattern string }
	var routes []route
	if err := chi.Walk(ws.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		pattern = strings.TrimSuffix(strings.TrimSuffix(pattern, "/*"), "/")
		if pattern == "" {
			pattern = "/"
		}
		if !strings.HasPrefix(pattern, "/static/") && pattern != "/_plafond" {
			routes = append(routes, route{method, pattern})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pathOf := func(pattern string) string {
		if p, ok := slugs[pattern]; ok {
			return strings.Replace(pattern, "{slug}", p, 1)
		}
		return samplePath(t, store, pattern)
	}

	seen := map[string]string{} // fault → first page showing it
	var order []string
	pages := 0
	visit := func(who, method, path string, p page) {
		if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
			return
		}
		pages++
		for _, f := range typographyFaults(p) {
			if _, ok := seen[f]; !ok {
				seen[f] = who + " " + method + " " + path
				order = append(order, f)
			}
		}
	}
	browsers := map[string]*browser{"anonyme": newBrowser(t, srv)}
	for _, role := range []string{account.RoleAgent, account.RoleTrainer, account.RoleAdmin} {
		browsers[role], _ = signedIn(t, srv, store, role)
	}
	roles := []string{"anonyme", account.RoleAgent, account.RoleTrainer, account.RoleAdmin}
	extra := []string{"/domaines/intelligence-artificielle", "/partenaires/openclassrooms", "/catalogue?q=donn%C3%A9es", "/catalogue?q=zzzzzz", "/page-inexistante"}
	for _, r := range routes {
		if r.method == http.MethodGet {
			extra = append(extra, pathOf(r.pattern))
		}
	}
	for _, path := range extra {
		for _, who := range roles {
			visit(who, "GET", path, browsers[who].get(path))
		}
	}
	// Empty forms, as an agent then as an admin; the routes that end the session are left out (their pages
	// are the sign-in page and the home page, seen above).
	ends := map[string]bool{"/deconnexion": true, "/compte/deconnexion-partout": true, "/compte/suppression": true}
	for _, who := range []string{account.RoleAgent, account.RoleAdmin} {
		b := browsers[who]
		for _, r := range routes {
			if r.method != http.MethodPost || ends[r.pattern] {
				continue
			}
			path := pathOf(r.pattern)
			p := b.post(path, url.Values{})
			if loc := p.header.Get("Location"); p.status == http.StatusSeeOther && strings.HasPrefix(loc, "/") {
				path, p = loc, b.follow(p)
			}
			visit(who, "POST", path, p)
		}
	}
	if pages < 100 {
		t.Fatalf("only %d HTML pages rendered: the walk proves nothing", pages)
	}
	sort.SliceStable(order, func(i, j int) bool { return seen[order[i]] < seen[order[j]] })
	for _, f := range order {
		t.Errorf("%s: %s", seen[f], f)
	}
	t.Logf("%d HTML pages, %d texts not typeset", pages, len(order))
}
