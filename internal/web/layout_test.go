package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/testdb"
)

// TestLayout_Navigation: the main navigation marks the section's own page aria-current="page" and a page
// inside it aria-current="true" (DSFR); the skip links reach the content, the menu, the search and the footer;
// every button of the header and the breadcrumb says its type; the menu button, which opens a dialog, does not
// announce a menu; the footer opens the display settings, whose modal offers light, dark and system with
// pictograms that are served.
func TestLayout_Navigation(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	moduleSlug := testdb.String(t, store, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id LIMIT 1`)

	for _, c := range []struct{ path, nav, current string }{
		{"/", "/", "page"},
		{"/domaines", "/domaines", "page"},
		{"/domaines/cybersecurite", "/domaines", "true"},
		{"/modules/" + moduleSlug, "/domaines", "true"},
		{"/parcours", "/parcours", "page"},
		{"/catalogue?q=data", "/catalogue", "page"},
		{"/partenaires/pix", "/partenaires", "true"},
		{"/mentions-legales", "", ""},
	} {
		p := get(t, srv, c.path)
		marked := p.doc.Find(`#header-navigation a[aria-current]`)
		if c.nav == "" {
			if marked.Length() != 0 {
				t.Errorf("%s: navigation entry %q marked current", c.path, marked.AttrOr("href", ""))
			}
		} else if marked.Length() != 1 || marked.AttrOr("href", "") != c.nav || marked.AttrOr("aria-current", "") != c.current {
			t.Errorf("%s: current navigation entry %q aria-current=%q, want %q %q", c.path, marked.AttrOr("href", ""),
				marked.AttrOr("aria-current", ""), c.nav, c.current)
		}

		var skips []string
		p.doc.Find(".fr-skiplinks a").Each(func(_ int, a *goquery.Selection) {
			href := a.AttrOr("href", "")
			skips = append(skips, text(a)+" "+href)
			if p.doc.Find(href).Length() != 1 {
				t.Errorf("%s: skip link %s leads nowhere", c.path, href)
			}
		})
		if got := strings.Join(skips, ", "); got != "Contenu #content, Menu #header-navigation, Recherche #header-search, Pied de page #footer" {
			t.Errorf("%s: skip links %s", c.path, got)
		}
		p.doc.Find("header button, .fr-breadcrumb button, footer button, #fr-theme-modal button").Each(func(_ int, b *goquery.Selection) {
			if _, ok := b.Attr("type"); !ok {
				t.Errorf("%s: button %q without a type", c.path, text(b))
			}
		})
		if p.doc.Find("[aria-haspopup]").Length() != 0 {
			t.Errorf("%s: aria-haspopup on %s", c.path, p.doc.Find("[aria-haspopup]").AttrOr("id", "?"))
		}

		open := p.doc.Find(`footer button.fr-btn--display[aria-controls="fr-theme-modal"]`)
		modal := p.doc.Find(`dialog#fr-theme-modal.fr-modal[aria-labelledby="fr-theme-modal-title"]`)
		if open.Length() != 1 || modal.Length() != 1 || text(modal.Find("#fr-theme-modal-title")) != "Paramètres d’affichage" {
			t.Fatalf("%s: display settings: %d footer button, %d modal", c.path, open.Length(), modal.Length())
		}
		var values []string
		modal.Find(`.fr-display fieldset input[type="radio"][name="fr-radios-theme"]`).Each(func(_ int, in *goquery.Selection) {
			values = append(values, in.AttrOr("value", ""))
			if modal.Find(`label[for="`+in.AttrOr("id", "")+`"]`).Length() != 1 {
				t.Errorf("%s: radio %s without its label", c.path, in.AttrOr("id", ""))
			}
		})
		if strings.Join(values, " ") != "light dark system" {
			t.Errorf("%s: display choices %v", c.path, values)
		}
	}

	// The pictograms of the display settings are served.
	p := get(t, srv, "/")
	uses := map[string]bool{}
	p.doc.Find("#fr-theme-modal use").Each(func(_ int, u *goquery.Selection) {
		href, _, _ := strings.Cut(u.AttrOr("href", ""), "#")
		uses[href] = true
	})
	if len(uses) != 3 {
		t.Errorf("%d pictograms, want 3", len(uses))
	}
	for href := range uses {
		if r := get(t, srv, href); r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "svg") {
			t.Errorf("pictogram %s: %d %s", href, r.status, r.header.Get("Content-Type"))
		}
	}
}

// TestLayout_AutocompleteTokens: no form of the back-office gives an input an autocomplete token that only a
// textarea may carry (street-address); the session form's place is not the admin's own address.
func TestLayout_AutocompleteTokens(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	sessionID := testdb.String(t, store, `SELECT id::text FROM module_sessions ORDER BY id LIMIT 1`)
	for _, path := range []string{"/admin/sessions/" + sessionID + "/modifier", "/compte"} {
		p := admin.get(path)
		if p.status != http.StatusOK || p.doc.Find("form input").Length() == 0 {
			t.Fatalf("%s: %d", path, p.status)
		}
		p.doc.Find(`input[autocomplete="street-address"]`).Each(func(_ int, in *goquery.Selection) {
			t.Errorf("%s: input %s has autocomplete=street-address (only valid on a textarea)", path, in.AttrOr("name", ""))
		})
		if path != "/compte" && p.doc.Find(`input[name="address"][autocomplete="off"]`).Length() != 1 {
			t.Errorf("%s: the session's address field should not be filled with the admin's own address", path)
		}
	}
}

// TestForms_PasswordFields: every password field of the account pages is the DSFR's fr-password (its input,
// its "Afficher" box, its message group), keeps the autocomplete token of its use, and is never filled back;
// no form uses the old fr-error-text.
func TestForms_PasswordFields(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	pages := map[string]page{"/connexion": get(t, srv, "/connexion"), "/inscription": get(t, srv, "/inscription"), "/compte": agent.get("/compte")}
	fields := 0
	for path, p := range pages {
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		checkUniqueIDs(t, path, p)
		if n := p.doc.Find(".fr-error-text").Length(); n != 0 {
			t.Errorf("%s: %d fr-error-text", path, n)
		}
		p.doc.Find(`input[type="password"]`).Each(func(_ int, in *goquery.Selection) {
			fields++
			id := in.AttrOr("id", "")
			pw := in.Closest(".fr-password")
			if pw.Length() != 1 || !in.HasClass("fr-password__input") || pw.Find(`label.fr-password__label[for="`+id+`"]`).Length() != 1 ||
				pw.Find(`.fr-password__checkbox input[type=checkbox][id="`+id+`-show"][aria-label="Afficher le mot de passe"]`).Length() != 1 ||
				pw.Find(`#`+id+`-messages.fr-messages-group[aria-live="polite"]`).Length() != 1 {
				t.Errorf("%s: password field %s is not a DSFR fr-password", path, id)
			}
			if in.AttrOr("autocomplete", "") != "current-password" && in.AttrOr("autocomplete", "") != "new-password" {
				t.Errorf("%s: %s autocomplete=%q", path, id, in.AttrOr("autocomplete", ""))
			}
			if _, ok := in.Attr("value"); ok {
				t.Errorf("%s: %s carries a value", path, id)
			}
			if _, ok := pw.Find(`.fr-password__checkbox input`).Attr("name"); ok {
				t.Errorf("%s: the show box of %s would be sent with the form", path, id)
			}
		})
	}
	if fields < 4 {
		t.Errorf("only %d password fields found", fields)
	}
}

// TestLayout_WebManifest: every page names the portal's web manifest, served with its type, whose name, start
// URL and icons (served too) are the Campus's.
func TestLayout_WebManifest(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	href := get(t, srv, "/domaines").doc.Find(`head link[rel="manifest"]`).AttrOr("href", "")
	res, err := http.Get(srv.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m struct {
		Name     string
		StartURL string `json:"start_url"`
		Lang     string
		Icons    []struct{ Src, Sizes, Type string }
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest %q: %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Campus du numérique public" || m.StartURL != "/" || m.Lang != "fr" || len(m.Icons) != 2 {
		t.Errorf("manifest %+v", m)
	}
	base, _ := url.Parse(srv.URL + href)
	for _, icon := range m.Icons {
		u, _ := base.Parse(icon.Src)
		if r := get(t, srv, u.Path); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
			t.Errorf("icon %s: %d %s", u.Path, r.status, r.header.Get("Content-Type"))
		}
	}
}

// TestLayout_StylesheetsWithinBudget: the stylesheets that block the first rendering of the home page weigh less
// than 100 KB as sent (gzipped), the print rules do not block it, and every icon class the templates use is
// styled by what is served — the utility bundle is not, its icon families are served one by one
// (scripts/assets.sh), so an icon of another family would show nothing — with an icon file that answers.
func TestLayout_StylesheetsWithinBudget(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	home := get(t, srv, "/")
	blocking, total := 0, 0
	var css strings.Builder
	home.doc.Find(`head link[rel="stylesheet"]`).Each(func(_ int, s *goquery.Selection) {
		href := s.AttrOr("href", "")
		req, _ := http.NewRequest(http.MethodGet, srv.URL+href, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d (%v)", href, res.StatusCode, err)
		}
		if m := s.AttrOr("media", "all"); m == "all" || m == "screen" {
			blocking += len(body)
			total++
			if res.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			css.Write(body)
		} else if m != "print" {
			t.Errorf("%s: media %q", href, m)
		}
	})
	t.Logf("render-blocking CSS: %d files, %d bytes gzipped", total, blocking)
	if blocking == 0 || blocking > 100_000 {
		t.Errorf("render-blocking CSS of the home page: %d bytes gzipped, want under 100 KB", blocking)
	}
	if home.doc.Find(`head link[rel="stylesheet"][media="print"]`).Length() != 1 {
		t.Error("the print rules should be a stylesheet of their own with media=print")
	}
	served := css.String()
	if strings.Contains(served, "fr-background-alt--grey") || !strings.Contains(served, ".campus-alt-grey") {
		t.Error("the utility bundle looks served, or campus.css is missing")
	}

	iconClass := regexp.MustCompile(`fr-icon-[a-z0-9-]+-(?:line|fill)\b`)
	sources, _ := filepath.Glob("../../templates/*")
	used := map[string]bool{}
	for _, f := range sources {
		if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range iconClass.FindAllString(string(b), -1) {
			used[c] = true
		}
	}
	if len(used) < 10 {
		t.Fatalf("only %d icon classes found in templates/: %v", len(used), used)
	}
	cssURL, _ := url.Parse(srv.URL + home.doc.Find(`head link[href*="dsfr-campus"]`).AttrOr("href", ""))
	rule := regexp.MustCompile(`\.(fr-icon-[a-z0-9-]+)(?::+before|::?after)[^{]*\{[^}]*mask-image:url\(([^)]+)\)`)
	icons := map[string]string{}
	for _, m := range rule.FindAllStringSubmatch(served, -1) {
		icons[m[1]] = m[2]
	}
	for c := range used {
		file, ok := icons[c]
		if !ok {
			t.Errorf("%s is used in templates/ but no served stylesheet styles it (add its family to scripts/assets.sh)", c)
			continue
		}
		u, _ := cssURL.Parse(file)
		if r := get(t, srv, u.Path); r.status != http.StatusOK {
			t.Errorf("%s: %s answers %d", c, u.Path, r.status)
		}
	}
}
