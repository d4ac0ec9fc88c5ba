package web

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// What search engines are told: robots.txt keeps them out of the private pages (accounts, the back-office, the
// trainer space, single-use links, forms' answers) and names sitemap.xml, which lists every public page with
// the time of its latest change, from the database, cached like the catalogue pages (and so dropped by the same
// change notifications).

// robotsDisallowed are the path prefixes no crawler should visit: pages that need an account, pages reached
// through a single-use or secret link, and the answers of forms. The catalogue search's result pages are not
// disallowed: each names /catalogue as its canonical URL, which a crawler reads only if it may fetch the page
// (a disallowed page keeps its links indexed without it), and each result is in the sitemap.
var robotsDisallowed = []string{
	"/admin",
	"/compte",
	"/mes-formations",
	"/mes-licences",
	"/formateur",
	"/connexion",
	"/deconnexion",
	"/inscription",
	"/mot-de-passe-oublie",
	"/reinitialisation/",
	"/verification/",
	"/adresse/",
	"/attestations/",
	"/proconnect/",
	"/calendrier/",
	"/accord/",
	"/programmes-sur-mesure/demande/envoyee",
	"/programmes-sur-mesure/suivi/",
	"/programmes-sur-mesure/reserves",
	"/devenir-formateur/merci",
	"/devenir-formateur/precisions/",
	"/dev/",
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, p := range robotsDisallowed {
		b.WriteString("Disallow: " + p + "\n")
	}
	b.WriteString("\nSitemap: " + s.cfg.BaseURL.String() + "/sitemap.xml\n")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(b.String()))
}

// publicPages are the public pages that are not catalogue entries, with what their latest change is: "" the
// portal's own text (the time of the build's commit), a kind of sitemap entry (the latest change of those
// entries), "*" any catalogue entry, "-" unknown (data of their own: no lastmod).
var publicPages = []struct{ path, from string }{
	{"/", "*"},
	{"/catalogue", "*"},
	{"/domaines", "domaine"},
	{"/parcours", "parcours"},
	{"/programmes-sur-mesure", "programme"},
	{"/programmes-sur-mesure/demande", ""},
	{"/partenaires", "partenaire"},
	{"/devenir-formateur", ""},
	{"/communaute-formateurs", "-"},
	{"/bilan", "-"},
	{"/donnees-ouvertes", "*"},
	{"/plan-du-site", "*"},
	{"/accessibilite", ""},
	{"/accessibilite/schema-pluriannuel", ""},
	{"/mentions-legales", ""},
	{"/donnees-personnelles", ""},
	{"/gestion-des-cookies", ""},
}

// buildTime is the time of the commit the binary was built from (zero when unknown, as in tests).
var buildTime = sync.OnceValue(func() time.Time {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.time" {
				t, _ := time.Parse(time.RFC3339, kv.Value)
				return t
			}
		}
	}
	return time.Time{}
})

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

func lastmod(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sitemapXML answers the sitemap protocol's urlset (https://www.sitemaps.org/protocol.html).
func (s *Server) sitemapXML(w http.ResponseWriter, r *http.Request) {
	entries, err := s.catalogue.Sitemap(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	latest := map[string]time.Time{}
	for _, e := range entries {
		for _, k := range []string{e.Kind, "*"} {
			if e.LastMod.After(latest[k]) {
				latest[k] = e.LastMod
			}
		}
	}
	base := s.cfg.BaseURL.String()
	set := sitemapURLSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	for _, p := range publicPages {
		u := sitemapURL{Loc: base + p.path}
		switch p.from {
		case "":
			u.LastMod = lastmod(buildTime())
		case "-":
		default:
			u.LastMod = lastmod(latest[p.from])
		}
		set.URLs = append(set.URLs, u)
	}
	for _, e := range entries {
		set.URLs = append(set.URLs, sitemapURL{Loc: base + e.Path(), LastMod: lastmod(e.LastMod)})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(set); err != nil {
		s.fail(w, r, err)
		return
	}
	buf.WriteByte('\n')
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("ETag", pageTag(buf.Bytes()))
	w.Write(buf.Bytes())
}
