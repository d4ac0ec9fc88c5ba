package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/testdb"
)

// getRaw fetches a path whose query string is sent as is (no re-encoding), for malformed input.
func getRaw(t *testing.T, srv interface{ Client() *http.Client }, base, rawPath string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(rawPath, "?")
	req.URL.Path, req.URL.RawQuery = path, query
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, res)
}

func resultsTotal(t *testing.T, p page) int {
	t.Helper()
	h := text(p.doc.Find("#resultats-titre"))
	if strings.HasPrefix(h, "Aucun résultat") {
		return 0
	}
	n, err := strconv.Atoi(strings.Fields(h)[0])
	if err != nil {
		t.Fatalf("results heading %q", h)
	}
	return n
}

func TestSearchPage(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)

	t.Run("Catalogue", func(t *testing.T) {
		p := get(t, srv, "/catalogue")
		if p.status != http.StatusOK {
			t.Fatalf("status %d", p.status)
		}
		checkFrame(t, "/catalogue", p)
		if got := p.doc.Find("title").Text(); got != "Catalogue des formations | Campus du numérique public" {
			t.Errorf("title %q", got)
		}
		if p.doc.Find(`.fr-nav__link[href="/catalogue"][aria-current=page]`).Length() != 1 {
			t.Error("the Catalogue entry of the main navigation is not current")
		}
		// One GET form, working without JavaScript: labelled search input, checkboxes, submit buttons.
		form := p.doc.Find(`main form#recherche[method=get][action="/catalogue"]`)
		if form.Length() != 1 {
			t.Fatal("no GET search form")
		}
		if form.Find(`label[for=recherche-q]`).Length() != 1 || form.Find(`input#recherche-q[name=q][type=search]`).Length() != 1 {
			t.Error("search input or its label missing")
		}
		for _, name := range []string{"type", "domaine", "format", "niveau", "duree", "public", "partenaire", "places"} {
			boxes := form.Find(`input[type=checkbox][name="` + name + `"]`)
			if boxes.Length() == 0 {
				t.Errorf("no checkbox for %s", name)
			}
			boxes.Each(func(_ int, b *goquery.Selection) {
				id, _ := b.Attr("id")
				if form.Find(`label[for="`+id+`"]`).Length() != 1 {
					t.Errorf("checkbox %s has no label", id)
				}
			})
		}
		if form.Find(`button[type=submit]`).Length() < 2 || form.Find(`select[name=tri]`).Length() != 1 {
			t.Error("submit buttons or sort missing")
		}
		if n := p.doc.Find(".fr-card__title a").Length(); n != 20 {
			t.Errorf("%d results on the first page, want 20", n)
		}
		if p.doc.Find("nav.fr-pagination").Length() != 1 || p.doc.Find(`.fr-pagination__link[aria-current=page]`).Text() != "1" {
			t.Error("pagination missing")
		}
		// The intelligence-artificielle domain has no published module: shown, disabled, not hidden.
		ia := p.doc.Find(`input#f-domaine-intelligence-artificielle`)
		if _, disabled := ia.Attr("disabled"); ia.Length() != 1 || !disabled {
			t.Error("an empty facet value must be shown disabled")
		}
	})

	t.Run("Header search on every page", func(t *testing.T) {
		for _, path := range []string{"/", "/domaines", "/donnees-ouvertes"} {
			p := get(t, srv, path)
			f := p.doc.Find(`header form[role=search][method=get][action="/catalogue"]`)
			if f.Length() != 1 || f.Find(`input[name=q]`).Length() != 1 || f.Find(`label[for=header-search-input]`).Length() != 1 {
				t.Errorf("%s: no labelled search form in the header", path)
			}
		}
	})

	t.Run("Text search", func(t *testing.T) {
		p := get(t, srv, "/catalogue?q="+url.QueryEscape("donnees"))
		checkFrame(t, "search", p)
		if got := p.doc.Find("#recherche-q").AttrOr("value", ""); got != "donnees" {
			t.Errorf("search input value %q", got)
		}
		if !strings.Contains(text(p.doc.Find("#resultats-titre")), "pour « donnees »") || resultsTotal(t, p) < 20 {
			t.Errorf("heading %q", text(p.doc.Find("#resultats-titre")))
		}
		if marks := p.doc.Find(".fr-card mark"); marks.Length() < 10 || !strings.HasPrefix(strings.ToLower(marks.First().Text()), "donn") {
			t.Errorf("%d marks, first %q", marks.Length(), marks.First().Text())
		}
		if opt := p.doc.Find(`select[name=tri] option[selected]`); opt.AttrOr("value", "") != "pertinence" {
			t.Errorf("default sort with text: %q", opt.AttrOr("value", ""))
		}
	})

	t.Run("Facet counts are the totals of the filtered searches", func(t *testing.T) {
		base := "/catalogue?q=" + url.QueryEscape("numérique") + "&format=presentiel"
		p := get(t, srv, base)
		checked := 0
		p.doc.Find(`#recherche input[type=checkbox]`).Each(func(i int, b *goquery.Selection) {
			if _, dis := b.Attr("disabled"); dis || i%3 != 0 {
				return
			}
			name, value := b.AttrOr("name", ""), b.AttrOr("value", "")
			label := text(p.doc.Find(`label[for="` + b.AttrOr("id", "") + `"]`))
			want, err := strconv.Atoi(label[strings.LastIndex(label, "(")+1 : len(label)-1])
			if err != nil {
				t.Fatalf("facet %q: no count", label)
			}
			u := "/catalogue?q=" + url.QueryEscape("numérique") + "&" + name + "=" + value
			if name != "format" {
				u += "&format=presentiel"
			}
			if got := resultsTotal(t, get(t, srv, u)); got != want {
				t.Errorf("%s=%s: label says %d, the search gives %d", name, value, want, got)
			}
			checked++
		})
		if checked < 8 {
			t.Errorf("only %d facet values checked", checked)
		}
	})

	t.Run("Active filters and pages", func(t *testing.T) {
		p := get(t, srv, "/catalogue?domaine=data&format=presentiel&format=hybride&page=2&tri=duree")
		tags := p.doc.Find(`.fr-tags-group a.fr-tag`)
		if tags.Length() != 3 {
			t.Fatalf("%d active filter tags", tags.Length())
		}
		href := tags.First().AttrOr("href", "")
		if strings.Contains(href, "domaine=data") || !strings.Contains(href, "format=hybride") || strings.Contains(href, "page=") {
			t.Errorf("removing the domain filter: %q", href)
		}
		if _, ok := p.doc.Find(`input#f-domaine-data`).Attr("checked"); !ok {
			t.Error("selected value not checked")
		}
		csvHref := p.doc.Find(`a.fr-link--download`).AttrOr("href", "")
		if !strings.HasPrefix(csvHref, "/api/catalogue.csv?") || !strings.Contains(csvHref, "domaine=data") || strings.Contains(csvHref, "page=") {
			t.Errorf("CSV link %q", csvHref)
		}
	})

	t.Run("No result", func(t *testing.T) {
		p := get(t, srv, "/catalogue?q=python&domaine=cybersecurite")
		if p.status != http.StatusOK || resultsTotal(t, p) != 0 {
			t.Fatalf("status %d", p.status)
		}
		checkFrame(t, "no result", p)
		if !strings.Contains(p.body, "Aucune formation ne correspond") || !strings.Contains(p.body, "Élargir la recherche") {
			t.Error("no-result help missing")
		}
		relax := p.doc.Find(`a.fr-link[href="/catalogue?q=python"]`)
		if relax.Length() == 0 || !strings.Contains(text(relax.First()), "(") {
			t.Error("no link dropping the domain filter")
		}
		p = get(t, srv, "/catalogue?q="+url.QueryEscape("clooud pythn"))
		if resultsTotal(t, p) != 0 || p.doc.Find(`a[href="/catalogue?q=cloud+python"]`).Length() != 1 ||
			p.doc.Find(`a[href="/catalogue?q=python"]`).Length() != 1 {
			t.Errorf("suggestions missing: %s", text(p.doc.Find("main")))
		}
	})

	t.Run("Typo corrected", func(t *testing.T) {
		p := get(t, srv, "/catalogue?q="+url.QueryEscape("cybersecurtié"))
		if resultsTotal(t, p) == 0 || !strings.Contains(p.body, "« cybersécurité »") {
			t.Error("no correction shown")
		}
	})

	t.Run("Bad input", func(t *testing.T) {
		all := resultsTotal(t, get(t, srv, "/catalogue"))
		cases := []struct {
			raw    string
			status int
			notice string
			check  func(p page) string
		}{
			{raw: "/catalogue?q=" + strings.Repeat("s%C3%A9curit%C3%A9+", 300), status: 200, notice: "trop longue"},
			{raw: "/catalogue?q=s%C3%A9curit%FF%FE", status: 200, notice: "illisibles"},
			{raw: "/catalogue?q=%27;%20DROP%20TABLE%20modules;%20--", status: 200, check: func(p page) string {
				if v := p.doc.Find("#recherche-q").AttrOr("value", ""); v != "'; DROP TABLE modules; --" {
					return "text " + v
				}
				return ""
			}},
			{raw: "/catalogue?q=%22%29%20OR%201%3D1%20--%20%26%20%7C%20%21%20%3C-%3E%20%3A%2A", status: 200},
			{raw: "/catalogue?domaine=atlantide&format=teleportation&partenaire=%3Cscript%3E&public=x&niveau=expert&duree=7&type=z&places=peut-etre", status: 200,
				check: func(p page) string {
					if got := resultsTotal(t, p); got != all || p.doc.Find(`.fr-tags-group a.fr-tag`).Length() != 0 {
						return "unknown values not ignored"
					}
					return ""
				}},
			{raw: "/catalogue?page=-1", status: 200},
			{raw: "/catalogue?page=abc&tri=%3Cscript%3E", status: 200},
			{raw: "/catalogue?page=99999999", status: 200, check: func(p page) string {
				if p.doc.Find(".fr-card__title").Length() == 0 {
					return "beyond the last page: no result shown"
				}
				return ""
			}},
			{raw: "/catalogue?q=%zz", status: 400, check: func(p page) string {
				if !strings.Contains(p.body, "Adresse de recherche illisible") || resultsTotal(t, p) != all {
					return "malformed address: no message or not the whole catalogue"
				}
				return ""
			}},
			{raw: "/api/catalogue.json?q=%zz", status: 400},
			{raw: "/api/catalogue.csv?domaine=%zz", status: 400},
			{raw: "/api/catalogue.csv?q=%FF%27%3B--&page=-4", status: 200},
		}
		for _, c := range cases {
			p := getRaw(t, srv, srv.URL, c.raw)
			if p.status != c.status {
				t.Errorf("%s: status %d, want %d", c.raw, p.status, c.status)
				continue
			}
			if strings.HasPrefix(c.raw, "/catalogue") {
				checkFrame(t, c.raw, p)
				if strings.Contains(p.body, "SQLSTATE") || strings.Contains(p.body, "Erreur inattendue") {
					t.Errorf("%s: error shown", c.raw)
				}
			}
			if c.notice != "" && !strings.Contains(text(p.doc.Find(".fr-alert")), c.notice) {
				t.Errorf("%s: notice %q missing", c.raw, c.notice)
			}
			if c.check != nil {
				if msg := c.check(p); msg != "" {
					t.Errorf("%s: %s", c.raw, msg)
				}
			}
		}
	})

	t.Run("Open data page", func(t *testing.T) {
		p := get(t, srv, "/donnees-ouvertes")
		if p.status != 200 {
			t.Fatalf("status %d", p.status)
		}
		checkFrame(t, "/donnees-ouvertes", p)
		for _, param := range []string{"q", "type", "domaine", "format", "niveau", "duree", "public", "partenaire", "places", "tri", "page"} {
			if p.doc.Find("table code").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == param }).Length() != 1 {
				t.Errorf("parameter %s not documented", param)
			}
		}
		if p.doc.Find(`a[href="/api/catalogue.json"]`).Length() == 0 || p.doc.Find(`a[href="/api/catalogue.csv"]`).Length() == 0 || p.doc.Find(`a[href="/api/lheo.xml"]`).Length() == 0 {
			t.Error("file links missing")
		}
		if get(t, srv, "/").doc.Find(`footer a[href="/donnees-ouvertes"]`).Length() != 1 {
			t.Error("no footer link to /donnees-ouvertes")
		}
	})
}

func TestOpenData(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	published := testdb.Int(t, store, `SELECT (SELECT count(*) FROM modules WHERE status = 'published') + (SELECT count(*) FROM tracks WHERE status = 'published')`)

	fetch := func(path string) (*http.Response, []byte) { return conditionalGet(t, srv, path, nil) }

	t.Run("CSV", func(t *testing.T) {
		res, b := fetch("/api/catalogue.csv")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
		}
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatal("no UTF-8 BOM")
		}
		if !bytes.HasPrefix(b[3:], []byte("type;slug;titre;resume;domaine;")) || !bytes.Contains(b, []byte("\r\n")) ||
			bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
			t.Error("not ';'-separated with CRLF line ends")
		}
		rows := readSheet(t, b)
		if len(rows)-1 != published {
			t.Errorf("%d rows, %d published entries", len(rows)-1, published)
		}
		if !strings.Contains(string(b), "Cybersécurité") {
			t.Error("accents lost")
		}
		// The CSV of a search has the search's entries, in its order.
		p := get(t, srv, "/catalogue?q=donn%C3%A9es&format=presentiel&tri=titre")
		href := p.doc.Find(`a.fr-link--download`).AttrOr("href", "")
		_, b = fetch(href)
		rows = readSheet(t, b)
		if len(rows)-1 != resultsTotal(t, p) || rows[1][2] != text(p.doc.Find(".fr-card__title a").First()) {
			t.Errorf("CSV of the search: %d rows for %d results", len(rows)-1, resultsTotal(t, p))
		}
		for _, row := range rows[1:] {
			if !slices.Contains(strings.Split(row[6], "|"), "presentiel") {
				t.Errorf("row %s without the format filter: %q", row[1], row[6])
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		res, b := fetch("/api/catalogue.json?domaine=data&domaine=inconnu")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var f struct {
			Licence    string              `json:"licence"`
			Total      int                 `json:"total"`
			Recherche  map[string][]string `json:"recherche"`
			Formations []map[string]any    `json:"formations"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if f.Total == 0 || f.Total != len(f.Formations) || !strings.Contains(f.Licence, "etalab-2.0") {
			t.Errorf("total %d, %d entries, licence %q", f.Total, len(f.Formations), f.Licence)
		}
		for _, e := range f.Formations {
			if d := e["domaine"].(map[string]any); d["slug"] != "data" {
				t.Errorf("%v outside the domain filter", e["slug"])
			}
			switch e["type"] {
			case "module":
				for _, k := range []string{"objectifs", "programme", "publics", "formats", "niveaux", "url", "duree_minutes"} {
					if _, ok := e[k]; !ok {
						t.Errorf("module %v lacks %s", e["slug"], k)
					}
				}
			case "parcours", "programme":
				if mods, _ := e["modules"].([]any); len(mods) == 0 {
					t.Errorf("track %v lacks its modules", e["slug"])
				}
			default:
				t.Errorf("type %v", e["type"])
			}
		}
		_, all := fetch("/api/catalogue.json")
		var whole struct {
			Total int `json:"total"`
		}
		json.Unmarshal(all, &whole)
		if whole.Total != published {
			t.Errorf("whole catalogue: %d entries, %d published", whole.Total, published)
		}
	})
}

// TestSearchHighlightEscapes puts HTML in a title: it is shown as text, the match marked around it.
func TestSearchHighlightEscapes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := testdb.NewSeeded(t, "search_xss", 4)
	const title = `Sécurité <script>alert("x")</script> & <b>données</b> <mark>fausse</mark>`
	if _, err := store.Pool().Exec(ctx, `INSERT INTO modules (slug, domain_id, title, summary, duration_minutes, format, level, status)
		SELECT 'module-piege', id, $1, 'Résumé <img src=x onerror=alert(1)> sécurité', 60, 'en_ligne', 'decouverte', 'published'
		FROM domains WHERE slug = 'data'`, title); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, store)
	p := get(t, srv, "/catalogue?q=s%C3%A9curit%C3%A9+donn%C3%A9es&type=module")
	card := p.doc.Find(`a[href="/modules/module-piege"]`)
	if card.Length() != 1 {
		t.Fatalf("module not found: %s", text(p.doc.Find("main")))
	}
	if text(card) != title {
		t.Errorf("title shown %q, want %q", text(card), title)
	}
	if p.doc.Find(`script:not([src]):not([type="application/ld+json"])`).Length() != 0 || p.doc.Find("img[onerror], main b").Length() != 0 {
		t.Error("HTML of the title or summary was not escaped")
	}
	if !strings.Contains(p.body, `&lt;script&gt;`) || !strings.Contains(p.body, `<mark>Sécurité</mark>`) || !strings.Contains(p.body, `<mark>données</mark>`) {
		t.Error("escaped text with marked matches expected")
	}
	if n := card.Find("mark").Length(); n != 2 {
		t.Errorf("%d marks in the title, want 2 (the <mark> of the title is text)", n)
	}
	// The module's page: the title in its JSON-LD is data, not markup.
	m := get(t, srv, "/modules/module-piege")
	if strings.Contains(m.body, `<script>alert`) || strings.Contains(m.body, `<img src=x`) || jsonLD(t, "module-piege", m)["Course"][0]["name"] != title {
		t.Error("the module's title or summary was not escaped in its page or its JSON-LD")
	}
}
