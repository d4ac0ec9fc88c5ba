package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"campus/internal/cache"
	"campus/internal/catalogue"
	"campus/templates"
)

// searchValues reads the query string of a search. A raw ";" (SQL-looking input typed in the address bar) is
// taken literally rather than as a separator; only an address that cannot be decoded (a bad %-escape) is an
// error, and then the search runs without parameters.
func searchValues(r *http.Request) (url.Values, bool) {
	v, err := url.ParseQuery(strings.ReplaceAll(r.URL.RawQuery, ";", "%3B"))
	if err != nil {
		return url.Values{}, false
	}
	return v, true
}

// searchKey is the page cache key of a search page: its canonical address (parameters it does not know
// dropped, in a fixed order) with the notices the page shows, or the raw query when it cannot be read (such a page is a 400, not cached).
func searchKey(r *http.Request) string {
	if r.URL.RawQuery == "" {
		// What the general case below gives for no parameters, without parsing (TestSearchKeyWithoutQuery).
		return r.URL.Path + "#" + variantSep
	}
	values, ok := searchValues(r)
	if !ok {
		return "?" + r.URL.RawQuery
	}
	q, notices := catalogue.ParseSearchQuery(values) // the notices (a value ignored, the text cut) are on the page
	folded := q
	folded.Text = cache.FoldText(q.Text)
	return folded.URL(r.URL.Path) + "#" + strings.Join(notices, "|") + variantSep + q.Text
}

// variantSep separates, in a page cache key, the folded key (what one entry of the cache holds) from the
// exact spelling typed (one of the entry's variants: cache.LoadVariant).
const variantSep = "\x00"

// search is the catalogue search page: GET /catalogue with the parameters of catalogue.ParseSearchQuery.
// Bad input gives a normal page (the text cut, unknown values ignored); a malformed address gives the whole
// catalogue with an error message and status 400; never a 500 for the input.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	values, ok := searchValues(r)
	q, notices := catalogue.ParseSearchQuery(values)
	// The results of a search are the same for everyone until the catalogue or the seats change: kept in the
	// catalogue cache under the search's canonical address (anonymous visitors get the whole page from the page
	// cache, server.go).
	// Kept under the folded text, one spelling per variant of the entry (catalogueReader.Search).
	res, err := s.catalogue.Search(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := searchView(res, notices)
	v.Malformed = !ok
	title := "Catalogue des formations"
	switch {
	case !ok:
		title = "Recherche illisible – " + title
	case res.Query.Text != "":
		title = "« " + res.Query.Text + " » : " + strings.ToLower(resultCountText(res.Total)) + " – " + title
	case res.Query.Filters.Count() > 0:
		title = "Formations filtrées : " + strings.ToLower(resultCountText(res.Total)) + " – " + title
	}
	if res.Query.Page > 1 {
		title += " (page " + strconv.Itoa(res.Query.Page) + ")"
	}
	v.Page = s.page(r, "catalogue", title,
		"Rechercher une formation du Campus du numérique public : modules et parcours par thème, format, public, niveau, durée et disponibilité.",
		templates.Crumb{Label: "Catalogue"})
	status := http.StatusOK
	if !ok {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, templates.Search(v))
}

func resultCountText(n int) string {
	switch n {
	case 0:
		return "Aucun résultat"
	case 1:
		return "1 résultat"
	}
	return catalogue.Count(n) + " résultats"
}

// searchView builds the page's view model: every link is the URL of a search.
func searchView(res catalogue.SearchResult, notices []string) templates.SearchView {
	q := res.Query
	v := templates.SearchView{Result: res, Notices: notices,
		ClearURL: catalogue.SearchQuery{Text: q.Text}.URL("/catalogue")}

	export := q.WithPage(1)
	v.CSVURL, v.JSONURL = export.URL("/api/catalogue.csv"), export.URL("/api/catalogue.json")

	for _, f := range res.Facets {
		fv := templates.FacetView{Key: f.Key, Legend: f.Legend}
		for _, o := range f.Values {
			fv.Values = append(fv.Values, templates.FacetValueView{ID: "f-" + f.Key + "-" + o.Value, Value: o.Value,
				Label: o.Label, Count: o.Count, Checked: o.Selected, Disabled: o.Count == 0 && !o.Selected})
			if o.Selected {
				v.Active = append(v.Active, templates.LinkItem{Label: f.Legend + " : " + o.Label,
					URL: q.Without(f.Key, o.Value).URL("/catalogue"), Count: -1})
			}
		}
		v.Facets = append(v.Facets, fv)
	}

	sort := q.EffectiveSort()
	for _, o := range catalogue.Sorts {
		if o.Value == catalogue.SortRelevance && q.Text == "" {
			continue
		}
		v.Sorts = append(v.Sorts, templates.SortOption{Value: o.Value, Label: o.Label, Selected: o.Value == sort})
	}

	v.Pager = pagination(q, res.Pages)

	if res.Total == 0 {
		for _, t := range res.Suggestions {
			v.Suggestions = append(v.Suggestions, templates.LinkItem{Label: t, URL: q.WithText(t).URL("/catalogue"), Count: -1})
		}
		active := 0
		for _, f := range res.Facets {
			if f.Active() {
				active++
			}
			if f.Active() && f.Without > 0 {
				v.Relax = append(v.Relax, templates.LinkItem{Label: "Sans le filtre « " + f.Legend + " »",
					URL: q.Without(f.Key, "").URL("/catalogue"), Count: f.Without})
			}
		}
		if q.Text != "" && active > 1 && res.TextOnly > 0 {
			v.Relax = append(v.Relax, templates.LinkItem{Label: "« " + q.Text + " » sans aucun filtre",
				URL: catalogue.SearchQuery{Text: q.Text}.URL("/catalogue"), Count: res.TextOnly})
		}
	}
	return v
}

// pagination links the result pages of query q.
func pagination(q catalogue.SearchQuery, last int) templates.Pager {
	return templates.Pager{Page: max(q.Page, 1), Last: last, Link: func(n int) string { return q.WithPage(n).URL("/catalogue") }}
}
