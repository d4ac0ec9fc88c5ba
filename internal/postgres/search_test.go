package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

func search(t *testing.T, s *postgres.Store, raw string) catalogue.SearchResult {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := catalogue.ParseSearchQuery(v)
	res, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%s): %v", raw, err)
	}
	return res
}

func slugs(hits []catalogue.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Slug
	}
	return out
}

// TestStore_Search_FrenchQueries runs what agents type (accents missing, plurals, typos, several words, the
// websearch syntax) against the seed catalogue: the obviously relevant entry must be on the first page, or
// first when the query is its title.
func TestStore_Search_FrenchQueries(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	cases := []struct {
		q       string
		want    []string // on the first page
		first   string   // the first result, when set
		notWant []string // never on the first page
	}{
		{q: "accessibilité", want: []string{"rgaa-fondamentaux-accessibilite-numerique", "audit-accessibilite-rgaa-pratique"}},
		{q: "accessibilite", want: []string{"rgaa-fondamentaux-accessibilite-numerique", "audit-accessibilite-rgaa-pratique"}},
		{q: "acessibilité", want: []string{"rgaa-fondamentaux-accessibilite-numerique"}},
		{q: "accesibilite rgaa", want: []string{"rgaa-fondamentaux-accessibilite-numerique", "audit-accessibilite-rgaa-pratique"}},
		{q: "cybersécurité", want: []string{"cybersecurite-les-bons-reflexes", "la-cybersecurite-pour-les-managers"}},
		{q: "cybersecurtié", want: []string{"cybersecurite-les-bons-reflexes", "la-cybersecurite-pour-les-managers"}},
		{q: "securite", want: []string{"secnumacademie-les-fondamentaux-de-la-ssi", "homologation-de-securite-des-systemes-d-information"}},
		{q: "sécuirté", want: []string{"secnumacademie-les-fondamentaux-de-la-ssi"}},
		{q: "sécurité des données", want: []string{"proteger-les-donnees-personnelles-et-la-vie-privee"}},
		{q: "donnees personnelles", want: []string{"le-rgpd-au-quotidien-pour-les-agents-publics", "proteger-la-vie-privee-dans-le-monde-numerique"}},
		{q: "données", want: []string{"qualite-des-donnees-et-donnees-de-reference", "la-donnee-pour-tous-les-agents"}},
		{q: "cloud", want: []string{"heberger-dans-un-cloud-de-confiance-secnumcloud", "comprendre-le-cloud-computing"}},
		{q: "management agile", want: []string{"manager-une-equipe-agile", "manager-en-mode-agile"}},
		{q: "agiles", want: []string{"manager-une-equipe-agile", "decouvrir-l-agilite"}},
		{q: "agilité", want: []string{"decouvrir-l-agilite", "manager-une-equipe-agile"}},
		{q: "Manager une équipe agile", first: "manager-une-equipe-agile"},
		{q: "manager une equipe agile", first: "manager-une-equipe-agile"},
		{q: "rgpd", first: "le-rgpd-au-quotidien-pour-les-agents-publics"},
		{q: "python", first: "python-pour-l-analyse-de-donnees"},
		{q: "scrum", first: "scrum-fondamentaux-equipe-agile"},
		{q: "phishing", want: []string{"reconnaitre-et-signaler-l-hameconnage"}},
		{q: "hameconnage", want: []string{"reconnaitre-et-signaler-l-hameconnage"}},
		{q: "logiciels libres", want: []string{"decouvrir-les-logiciels-libres-dans-l-administration", "logiciels-libres-premiers-pas"}},
		{q: "logiciel libre", want: []string{"decouvrir-les-logiciels-libres-dans-l-administration"}},
		{q: "open data", want: []string{"ouvrir-et-publier-des-donnees-sur-data-gouv-fr"}},
		{q: `"données ouvertes"`, want: []string{"ouvrir-et-publier-des-donnees-sur-data-gouv-fr"}},
		{q: "tableur", want: []string{"analyser-des-donnees-avec-un-tableur"}},
		{q: "télétravail", want: []string{"manager-une-equipe-en-teletravail"}},
		{q: "écoconception", want: []string{"ecoconcevoir-un-service-numerique-avec-le-rgesn"}},
		{q: "ecoconception", want: []string{"ecoconcevoir-un-service-numerique-avec-le-rgesn"}},
		{q: "analyse de risques", want: []string{"analyse-de-risque-avec-ebios-risk-manager"}},
		{q: "gestion de crise", want: []string{"piloter-une-crise-d-origine-cyber"}},
		{q: "inclusion numerique", want: []string{"inclusion-numerique-accompagner-les-usagers"}},
		{q: "design system", want: []string{"dsfr-systeme-de-design-de-l-etat"}},
		{q: "intelligence collective", want: []string{"facilitation-ateliers-intelligence-collective"}},
		{q: "dématérialisation", want: []string{"dematerialiser-une-demarche-administrative"}},
		{q: "langage clair", want: []string{"redaction-claire-courriers-et-pages-administratives"}},
		{q: "git", want: []string{"gerer-son-code-avec-git-et-contribuer"}},
		{q: "cloud -souveraineté", want: []string{"comprendre-le-cloud-computing"},
			notWant: []string{"heberger-dans-un-cloud-de-confiance-secnumcloud", "souverainete-numerique-et-cloud-en-europe"}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			res := search(t, s, "q="+url.QueryEscape(c.q))
			got := slugs(res.Hits)
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q: %s not on the first page (%d results): %v", c.q, w, res.Total, got)
				}
			}
			if c.first != "" && (len(got) == 0 || got[0] != c.first) {
				t.Errorf("%q: first result %v, want %s", c.q, got[:min(3, len(got))], c.first)
			}
			for _, w := range c.notWant {
				if slices.Contains(got, w) {
					t.Errorf("%q: %s should be excluded", c.q, w)
				}
			}
		})
	}
}

func TestStore_Search_Typos(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	for q, want := range map[string]string{"acessibilité": "accessibilité", "cybersecurtié": "cybersécurité", "hamecon": "hameçonnage"} {
		res := search(t, s, "q="+url.QueryEscape(q))
		if res.Corrected != want || res.Total == 0 {
			t.Errorf("%q: corrected %q with %d results, want %q", q, res.Corrected, res.Total, want)
		}
		if !strings.Contains(strings.ToLower(res.Hits[0].Title.String()+res.Hits[0].Summary.String()), strings.TrimSuffix(want, "é")) {
			t.Errorf("%q: first hit %q does not mention %q", q, res.Hits[0].Title.String(), want)
		}
	}
	// A correctly spelled word that finds a few results is not "corrected".
	if res := search(t, s, "q=phishing"); res.Corrected != "" || res.Total != 2 { // and its synonym, hameçonnage
		t.Errorf("phishing: corrected %q, %d results", res.Corrected, res.Total)
	}
}

func TestStore_Search_NoResult(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	t.Run("Suggestions", func(t *testing.T) {
		res := search(t, s, "q="+url.QueryEscape("clooud pythn"))
		if res.Total != 0 {
			t.Fatalf("%d results", res.Total)
		}
		if !slices.Contains(res.Suggestions, "cloud python") || !slices.Contains(res.Suggestions, "cloud") || !slices.Contains(res.Suggestions, "python") {
			t.Errorf("suggestions %q", res.Suggestions)
		}
		for _, sug := range res.Suggestions {
			if !strings.Contains(sug, " ") && search(t, s, "q="+url.QueryEscape(sug)).Total == 0 {
				t.Errorf("suggestion %q finds nothing", sug)
			}
		}
	})
	t.Run("Nothing close", func(t *testing.T) {
		if res := search(t, s, "q=xqzwv"); res.Total != 0 || len(res.Suggestions) != 0 {
			t.Errorf("%d results, suggestions %q", res.Total, res.Suggestions)
		}
	})
	t.Run("Filters too narrow", func(t *testing.T) {
		res := search(t, s, "q=python&domaine=cybersecurite")
		if res.Total != 0 || res.TextOnly == 0 {
			t.Fatalf("total %d, text only %d", res.Total, res.TextOnly)
		}
		f, _ := res.FacetByKey(catalogue.ParamDomain)
		if f.Without != res.TextOnly {
			t.Errorf("without the domain: %d, want %d", f.Without, res.TextOnly)
		}
	})
	t.Run("Only common words", func(t *testing.T) {
		res := search(t, s, "q=de+la")
		all := search(t, s, "")
		if !res.TextIgnored || res.Total != all.Total || res.Query.Text != "de la" {
			t.Errorf("ignored %v, %d results (all: %d), text %q", res.TextIgnored, res.Total, all.Total, res.Query.Text)
		}
	})
}

func TestStore_Search_BadInput(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	all := search(t, s, "")
	for _, raw := range []string{
		"q=" + url.QueryEscape(`'; DROP TABLE modules; --`),
		"q=" + url.QueryEscape(`") OR 1=1 -- & | ! <-> :* \ %`),
		"q=" + url.QueryEscape(`&&&|||!!!((()))`),
		"q=" + url.QueryEscape(`"`),
		"q=" + url.QueryEscape(strings.Repeat("é", 5000)),
		"q=%FF%FE%FD",
		"domaine=inconnu&partenaire=nulle-part&public=martiens",
		"page=-1", "page=100000", "tri=%27%3B",
	} {
		res := search(t, s, raw)
		if res.Query.Page < 1 || res.Query.Page > res.Pages {
			t.Errorf("%s: page %d of %d", raw, res.Query.Page, res.Pages)
		}
		if strings.HasPrefix(raw, "domaine") && (res.Total != all.Total || res.Query.Filters.Count() != 0) {
			t.Errorf("%s: unknown values should be ignored: %d results, filters %v", raw, res.Total, res.Query.Filters)
		}
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM modules`); n == 0 {
		t.Fatal("modules gone")
	}
	if res := search(t, s, "page=100000"); res.Query.Page != res.Pages || len(res.Hits) == 0 {
		t.Errorf("page beyond the last: page %d of %d, %d hits", res.Query.Page, res.Pages, len(res.Hits))
	}
}

// TestStore_Search_PagesAndSorts walks every page of broad searches in each order: no entry twice, none
// missing, and each order holds.
func TestStore_Search_PagesAndSorts(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	for _, base := range []string{"", "q=numérique"} {
		for _, sort := range []string{catalogue.SortRelevance, catalogue.SortTitle, catalogue.SortDuration, catalogue.SortDate} {
			t.Run(base+"/"+sort, func(t *testing.T) {
				first := search(t, s, base+"&tri="+sort)
				if first.Pages < 2 {
					t.Fatalf("%d pages", first.Pages)
				}
				seen := map[string]bool{}
				var all []catalogue.SearchHit
				for p := 1; p <= first.Pages; p++ {
					res := search(t, s, fmt.Sprintf("%s&tri=%s&page=%d", base, sort, p))
					for _, h := range res.Hits {
						key := h.Kind + "/" + h.Slug
						if seen[key] {
							t.Errorf("%s twice (page %d)", key, p)
						}
						seen[key] = true
					}
					all = append(all, res.Hits...)
				}
				if len(all) != first.Total {
					t.Errorf("%d entries over the pages, total %d", len(all), first.Total)
				}
				for i := 1; i < len(all); i++ {
					a, b := all[i-1], all[i]
					switch sort {
					case catalogue.SortDuration:
						if a.DurationMinutes > b.DurationMinutes {
							t.Errorf("duration order: %d then %d", a.DurationMinutes, b.DurationMinutes)
						}
					case catalogue.SortDate:
						if a.NextSession == nil && b.NextSession != nil || a.NextSession != nil && b.NextSession != nil && a.NextSession.After(*b.NextSession) {
							t.Errorf("date order: %v then %v", a.NextSession, b.NextSession)
						}
					}
				}
			})
		}
	}
}

// TestStore_Search_FacetCounts compares every facet count with a count computed in SQL straight from the
// catalogue tables (not from search_docs), each with the other facets' filters.
func TestStore_Search_FacetCounts(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	scenarios := []string{
		"",
		"q=données&format=presentiel&format=hybride&niveau=intermediaire",
		"q=sécurité&domaine=cybersecurite&places=1",
		"public=managers&duree=1j-3j&type=module&type=parcours&partenaire=pix&partenaire=cfssi",
		"q=numérique&type=programme&duree=plus-3j",
	}
	for _, raw := range scenarios {
		t.Run(raw, func(t *testing.T) {
			res := search(t, s, raw)
			q := res.Query
			if got, want := res.Total, expectedCount(t, s, q, "", ""); got != want {
				t.Errorf("total %d, SQL says %d", got, want)
			}
			if got, want := res.TextOnly, expectedCount(t, s, catalogue.SearchQuery{Text: q.Text}, "", ""); got != want {
				t.Errorf("text only %d, SQL says %d", got, want)
			}
			values := 0
			for _, f := range res.Facets {
				if got, want := f.Without, expectedCount(t, s, q.Without(f.Key, ""), "", ""); got != want {
					t.Errorf("%s dropped: %d, SQL says %d", f.Key, got, want)
				}
				for _, v := range f.Values {
					values++
					if want := expectedCount(t, s, q, f.Key, v.Value); v.Count != want {
						t.Errorf("%s=%s: %d, SQL says %d", f.Key, v.Value, v.Count, want)
					}
				}
			}
			if values < 40 {
				t.Errorf("only %d facet values listed", values)
			}
		})
	}
}

// expectedDocs is the public catalogue computed from its tables, with the attributes the facets filter on.
const expectedDocs = `
WITH docs AS (
	SELECT 'module' AS kind, d.slug AS domain,
	       ARRAY(SELECT p.slug FROM partners p WHERE p.id = m.partner_id AND p.status = 'published') AS partners,
	       ARRAY[m.format] AS formats, ARRAY[m.level] AS levels,
	       ARRAY(SELECT a.slug FROM module_audiences ma JOIN audiences a ON a.id = ma.audience_id WHERE ma.module_id = m.id) AS audiences,
	       m.duration_minutes AS duration,
	       EXISTS (SELECT 1 FROM module_sessions x WHERE x.module_id = m.id AND x.status = 'scheduled' AND x.starts_at > now()
	               AND x.seats_taken < x.capacity) AS places,
	       ($1 = '' OR public.campus_tsvector(m.title || ' ' || m.summary || ' ' || array_to_string(m.keywords, ' ') || ' ' ||
	               array_to_string(m.objectives, ' ') || ' ' || array_to_string(m.outline, ' ')) @@ public.campus_tsquery($1)) AS matches
	FROM modules m JOIN domains d ON d.id = m.domain_id
	WHERE m.status = 'published' AND d.status IN ('published', 'coming')
	UNION ALL
	SELECT CASE WHEN t.administration = '' THEN 'parcours' ELSE 'programme' END, d.slug,
	       ARRAY(SELECT DISTINCT p.slug FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published'
	             JOIN partners p ON p.id = m.partner_id AND p.status = 'published' WHERE tm.track_id = t.id),
	       ARRAY(SELECT DISTINCT m.format FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published' WHERE tm.track_id = t.id),
	       ARRAY(SELECT DISTINCT m.level FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published' WHERE tm.track_id = t.id),
	       ARRAY(SELECT a.slug FROM track_audiences ta JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = t.id),
	       (SELECT coalesce(sum(m.duration_minutes), 0) FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published' WHERE tm.track_id = t.id),
	       EXISTS (SELECT 1 FROM track_modules tm JOIN modules m ON m.id = tm.module_id AND m.status = 'published'
	               JOIN module_sessions x ON x.module_id = m.id AND x.status = 'scheduled' AND x.starts_at > now() AND x.seats_taken < x.capacity
	               WHERE tm.track_id = t.id),
	       ($1 = '' OR public.campus_tsvector(t.title || ' ' || t.summary || ' ' || t.administration || ' ' || t.description) @@ public.campus_tsquery($1))
	FROM tracks t JOIN domains d ON d.id = t.domain_id
	WHERE t.status = 'published' AND d.status IN ('published', 'coming')
)
SELECT count(*) FROM docs WHERE matches`

// expectedCount counts the documents of q in SQL; with facet set, with that facet's selection replaced by value.
func expectedCount(t *testing.T, s *postgres.Store, q catalogue.SearchQuery, facet, value string) int {
	t.Helper()
	filters := q.Filters
	if facet != "" {
		filters = q.Without(facet, "").Filters
		filters[facet] = []string{value}
	}
	sql, args := expectedDocs, []any{q.Text}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	band := `CASE WHEN duration <= 120 THEN 'moins-2h' WHEN duration <= 360 THEN '2h-1j' WHEN duration <= 1080 THEN '1j-3j' ELSE 'plus-3j' END`
	for key, vals := range filters {
		switch key {
		case catalogue.ParamType:
			sql += " AND kind = ANY (" + arg(vals) + "::text[])"
		case catalogue.ParamDomain:
			sql += " AND domain = ANY (" + arg(vals) + "::text[])"
		case catalogue.ParamFormat:
			sql += " AND formats && " + arg(vals) + "::text[]"
		case catalogue.ParamLevel:
			sql += " AND levels && " + arg(vals) + "::text[]"
		case catalogue.ParamDuration:
			sql += " AND " + band + " = ANY (" + arg(vals) + "::text[])"
		case catalogue.ParamAudience:
			sql += " AND audiences && " + arg(vals) + "::text[]"
		case catalogue.ParamPartner:
			sql += " AND partners && " + arg(vals) + "::text[]"
		case catalogue.ParamPlaces:
			sql += " AND places"
		}
	}
	var n int
	if err := s.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("expected count: %v", err)
	}
	return n
}

func TestStore_Search_Highlight(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	res := search(t, s, "q="+url.QueryEscape("données"))
	marked := 0
	for _, h := range res.Hits {
		for _, f := range append(h.Title, h.Summary...) {
			if f.Match {
				marked++
				if w := strings.ToLower(f.Text); !strings.HasPrefix(w, "donn") {
					t.Errorf("%q marked for « données »", f.Text)
				}
			}
		}
	}
	if marked < len(res.Hits) {
		t.Errorf("%d marks over %d hits", marked, len(res.Hits))
	}
	// Both analyses mark: "agiles" stems like "agilité" only through french then unaccent.
	res = search(t, s, "q=agiles")
	var agilite bool
	for _, h := range res.Hits {
		for _, f := range h.Title {
			agilite = agilite || f.Match && f.Text == "agilité"
		}
	}
	if !agilite {
		t.Error("« agilité » not marked for « agiles »")
	}
}

// TestStore_SearchExport checks the open data entries: the same entries as the search, with their details.
func TestStore_SearchExport(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	ctx := context.Background()
	all, err := s.SearchExport(ctx, catalogue.SearchQuery{}, 100000)
	if err != nil {
		t.Fatal(err)
	}
	want := testdb.Int(t, s, `SELECT (SELECT count(*) FROM modules m JOIN domains d ON d.id = m.domain_id WHERE m.status = 'published' AND d.status IN ('published', 'coming'))
		+ (SELECT count(*) FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.status = 'published' AND d.status IN ('published', 'coming'))`)
	if len(all) != want {
		t.Errorf("%d entries, want %d", len(all), want)
	}
	for _, e := range all {
		switch {
		case e.Kind == catalogue.KindModule && (e.Module == nil || e.Module.Title == "" || len(e.Module.Audiences) == 0 || len(e.Module.Objectives) == 0):
			t.Errorf("module entry incomplete: %+v", e.Module)
		case e.Kind == catalogue.KindModule && e.Module.Format != catalogue.FormatOnline && len(e.Module.Sessions) == 0:
			t.Errorf("dated module %s without sessions", e.Module.Slug)
		case e.Kind != catalogue.KindModule && (e.Track == nil || len(e.Track.Modules) == 0):
			t.Errorf("track entry incomplete: %+v", e.Track)
		}
	}
	q, _ := catalogue.ParseSearchQuery(url.Values{"q": {"données"}, "format": {"presentiel"}})
	res, err := s.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	some, err := s.SearchExport(ctx, q, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != res.Total || some[0].Kind != res.Hits[0].Kind {
		t.Errorf("export of a search: %d entries, search total %d", len(some), res.Total)
	}
	if few := testdb.Must(s.SearchExport(ctx, q, 3))(t); len(few) != 3 {
		t.Errorf("limit: %d entries", len(few))
	}
}

// TestStore_Search_FollowsChanges edits the catalogue in a database of its own: the search follows every
// change through the triggers that keep search_docs current.
func TestStore_Search_FollowsChanges(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "search_changes", 4)
	has := func(raw, slug string) bool {
		t.Helper()
		res := search(t, s, raw)
		return slices.Contains(slugs(res.Hits), slug)
	}
	const mod = "python-pour-l-analyse-de-donnees"

	testdb.Exec(t, s, `UPDATE modules SET title = 'Python et la zoologie des serpents' WHERE slug = $1`, mod)
	if res := search(t, s, "q=zoologie"); len(res.Hits) != 1 || res.Hits[0].Slug != mod || res.Hits[0].Title.String() != "Python et la zoologie des serpents" {
		t.Errorf("a new title is not searchable: %v", slugs(res.Hits))
	}
	if res := search(t, s, "q=zoologei"); res.Corrected != "zoologie" {
		t.Errorf("the new title's words are not in the vocabulary: corrected %q", res.Corrected)
	}

	testdb.Exec(t, s, `UPDATE modules SET status = 'archived' WHERE slug = $1`, mod)
	if has("q=zoologie", mod) {
		t.Error("an archived module is still found")
	}
	testdb.Exec(t, s, `UPDATE modules SET status = 'published' WHERE slug = $1`, mod)

	testdb.Exec(t, s, `UPDATE domains SET status = 'draft' WHERE slug = 'data'`)
	if has("q=zoologie", mod) {
		t.Error("a module of a draft domain is still found")
	}
	testdb.Exec(t, s, `UPDATE domains SET status = 'published' WHERE slug = 'data'`)
	if !has("q=zoologie", mod) {
		t.Error("a module of a republished domain is not found")
	}

	// A dated module: filling every session takes it (and the tracks that only it kept open) out of "places".
	dated := testdb.String(t, s, `SELECT m.slug FROM modules m WHERE m.format = 'presentiel' ORDER BY m.id LIMIT 1`)
	before := search(t, s, "places=1").Total
	testdb.Exec(t, s, `UPDATE module_sessions SET seats_taken = capacity WHERE module_id = (SELECT id FROM modules WHERE slug = $1)`, dated)
	after := search(t, s, "places=1")
	if after.Total >= before {
		t.Errorf("places=1: %d results before filling %s, %d after", before, dated, after.Total)
	}
	if got, want := after.Total, expectedCount(t, s, after.Query, "", ""); got != want {
		t.Errorf("places=1 after filling: %d, SQL says %d", got, want)
	}
	testdb.Exec(t, s, `UPDATE module_sessions SET seats_taken = seats_taken - 1 WHERE id = (SELECT min(id) FROM module_sessions
		WHERE module_id = (SELECT id FROM modules WHERE slug = $1) AND starts_at > now())`, dated)
	if got := search(t, s, "places=1").Total; got != before {
		t.Errorf("places=1 after freeing a seat: %d, want %d", got, before)
	}

	// A track takes the formats of the modules it gets.
	track := testdb.String(t, s, `SELECT t.slug FROM tracks t WHERE NOT EXISTS (SELECT 1 FROM track_modules tm JOIN modules m ON m.id = tm.module_id
		WHERE tm.track_id = t.id AND m.format = 'presentiel') ORDER BY t.id LIMIT 1`)
	if has("type=parcours&type=programme&format=presentiel&q="+url.QueryEscape(track), track) {
		t.Fatalf("%s already in person", track)
	}
	testdb.Exec(t, s, `INSERT INTO track_modules (track_id, module_id, position)
		SELECT t.id, (SELECT id FROM modules WHERE slug = $2), (SELECT max(position) + 1 FROM track_modules WHERE track_id = t.id)
		FROM tracks t WHERE t.slug = $1`, track, dated)
	res := search(t, s, "type=parcours&type=programme&format=presentiel&tri=titre&page=1")
	found := false
	for p := 1; p <= res.Pages && !found; p++ {
		found = slices.Contains(slugs(search(t, s, fmt.Sprintf("type=parcours&type=programme&format=presentiel&tri=titre&page=%d", p)).Hits), track)
	}
	if !found {
		t.Errorf("%s does not take the format of its new module", track)
	}
	for _, f := range search(t, s, "format=presentiel").Facets {
		for _, v := range f.Values {
			if want := expectedCount(t, s, search(t, s, "format=presentiel").Query, f.Key, v.Value); v.Count != want {
				t.Errorf("after the changes, %s=%s: %d, SQL says %d", f.Key, v.Value, v.Count, want)
			}
		}
	}
}

// TestStore_Search_ConcurrentRefresh fills two sessions of one module in two transactions committed at once:
// both rebuild the module's search row, one waiting for the other; neither may fail (an enrolment must never fail
// because of the search).
func TestStore_Search_ConcurrentRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.NewSeeded(t, "search_concurrent", 4)
	module := testdb.Int64(t, s, `SELECT min(module_id) FROM module_sessions`)
	sessions := testdb.Column[int64](t, s, `SELECT id FROM module_sessions WHERE module_id = $1 ORDER BY id LIMIT 2`, module)
	if len(sessions) != 2 {
		t.Fatalf("sessions %v", sessions)
	}
	t1, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	t2, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Rollback(ctx)
	fill := `UPDATE module_sessions SET seats_taken = capacity WHERE id = $1`
	if _, err := t1.Exec(ctx, fill, sessions[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := t2.Exec(ctx, fill, sessions[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := t2.Exec(ctx, `UPDATE modules SET title = title || ' (révisé)' WHERE id = $1`, module); err != nil {
		t.Fatal(err)
	}
	// Both commit at once: both rebuild the module's row at commit.
	errs := make(chan error, 2)
	for _, tx := range []pgx.Tx{t1, t2} {
		go func() { errs <- tx.Commit(ctx) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	var title string
	var open bool
	testdb.Row(t, s, `SELECT m.title, coalesce(d.open_until > now(), false) FROM search_docs d JOIN modules m ON m.id = d.id
		WHERE d.kind = 'module' AND d.id = $1`, module).Scan(&title, &open)
	var want bool
	testdb.Row(t, s, `SELECT EXISTS (SELECT 1 FROM module_sessions WHERE module_id = $1 AND status = 'scheduled'
		AND starts_at > now() AND seats_taken < capacity)`, module).Scan(&want)
	if open != want {
		t.Errorf("search row says seats left = %v, sessions say %v", open, want)
	}
	if res := search(t, s, "q="+url.QueryEscape("révisé")); res.Total != 1 {
		t.Errorf("the edit of the second transaction is not searchable: %d results", res.Total)
	}
}

// TestStore_Search_SynonymsHyphensAccents: an acronym finds what its expansion finds (and the reverse), a
// hyphenated word what its joined spelling finds, an accented query what the same query without accents finds
// (no false hits from "donner"), a typo two letters off is corrected, and the query as typed ranks first.
func TestStore_Search_SynonymsHyphensAccents(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	same := func(a, b string, least int) {
		t.Helper()
		ra, rb := search(t, s, "q="+url.QueryEscape(a)), search(t, s, "q="+url.QueryEscape(b))
		sa, sb := slugs(ra.Hits), slugs(rb.Hits)
		slices.Sort(sa)
		slices.Sort(sb)
		if ra.Total < least || ra.Total != rb.Total || !slices.Equal(sa, sb) {
			t.Errorf("%q: %d results %v; %q: %d results %v", a, ra.Total, sa, b, rb.Total, sb)
		}
	}
	same("IA", "intelligence artificielle", 1)
	same("éco-conception", "écoconception", 3)
	same("données", "donnees", 20)
	same("Données personnelles", "donnees personnelles", 3)
	if res := search(t, s, "q=pyhton"); res.Corrected != "python" || res.Total == 0 {
		t.Errorf("pyhton: corrected %q, %d results", res.Corrected, res.Total)
	}
	if res := search(t, s, "q=RGPD"); len(res.Hits) < 2 || res.Hits[0].Slug != "le-rgpd-au-quotidien-pour-les-agents-publics" {
		t.Errorf("RGPD: %v", slugs(res.Hits))
	}
}
