package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"campus/internal/catalogue"
)

// The catalogue search reads search_docs (migration 00002): one row per module and track, kept current by
// triggers, with the facet attributes and the French full-text vectors. A track's format, level, partner,
// duration and sessions are those of its published modules (a track is "hybride" if one of its modules is).
//
// Every statement starts with searchCTE's parameters: $1 text, $2 corrected text ('' when none), $3 domains,
// $4 formats, $5 audiences, $6 levels, $7 partners, $8 duration bands, $9 places, $10 kinds. One statement
// (facetSQL) counts every facet value, each count with all the other facets' filters, in one scan of the
// matching documents; another (resultsSQL) ranks them and returns one page. Both run at once.

// durationBandSQL is the band key of signature s's duration, from catalogue.DurationBands (constants).
var durationBandSQL = func() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, band := range catalogue.DurationBands {
		if band.Max == 0 {
			fmt.Fprintf(&b, " ELSE '%s'", band.Key)
		} else {
			fmt.Fprintf(&b, " WHEN s.duration <= %d THEN '%s'", band.Max, band.Key)
		}
	}
	return b.String() + " END"
}()

// searchCTE: the query (p) and the known facet values (f).
const searchCTE = `
WITH p AS MATERIALIZED (
	SELECT r.*, coalesce(r.tsq = r.qtsq, true) AS plain -- plain: no variants (rankSQL)
	FROM (
	SELECT q.tsq
	       -- synonyms and hyphens (migration 00018): the query's variants, each searched as a whole query
	       || coalesce((SELECT public.campus_tsquery_or(public.campus_tsquery(v)) FROM public.campus_query_variants($1) v
	                    WHERE $1::text <> ''), ''::tsquery) AS tsq,
	       q.tsq AS qtsq, -- the query as typed (and corrected): ranks above its variants
	       CASE WHEN $1::text = '' THEN NULL
	            WHEN $2::text = '' THEN websearch_to_tsquery('pg_catalog.french', $1)
	            ELSE websearch_to_tsquery('pg_catalog.french', $1) || websearch_to_tsquery('pg_catalog.french', $2) END AS ftsq,
	       public.campus_normalize($1) AS title_key
	FROM (SELECT CASE WHEN $1::text = '' THEN NULL
	                  WHEN $2::text = '' THEN public.campus_tsquery($1)
	                  ELSE public.campus_tsquery($1) || public.campus_tsquery($2) END AS tsq) q
	OFFSET 0) r -- computed once
),
f AS MATERIALIZED (
	SELECT (SELECT array_agg(id) FROM domains WHERE slug = ANY ($3::text[]) AND status IN ('published', 'coming')) AS dom,
	       (SELECT array_agg(id) FROM audiences WHERE slug = ANY ($5::text[])) AS aud,
	       (SELECT array_agg(id) FROM partners WHERE slug = ANY ($7::text[]) AND status = 'published') AS par
)`

// facetFilters is each facet's condition on a document's signature s (true when the facet has no selection);
// {{places}} is "the document has an upcoming session with seats left", {{f}} reads the known facet values.
var facetFilters = []struct{ facet, flag, cond string }{
	{catalogue.ParamType, "f_typ", `(cardinality($10::text[]) = 0 OR s.kind = ANY ($10::text[]))`},
	{catalogue.ParamDomain, "f_dom", `({{f}}dom IS NULL OR s.domain_id = ANY ({{f}}dom))`},
	{catalogue.ParamFormat, "f_fmt", `(cardinality($4::text[]) = 0 OR s.formats && $4::text[])`},
	{catalogue.ParamLevel, "f_lvl", `(cardinality($6::text[]) = 0 OR s.levels && $6::text[])`},
	{catalogue.ParamDuration, "f_dur", `(cardinality($8::text[]) = 0 OR ` + durationBandSQL + ` = ANY ($8::text[]))`},
	{catalogue.ParamAudience, "f_aud", `({{f}}aud IS NULL OR s.audiences && {{f}}aud)`},
	{catalogue.ParamPartner, "f_par", `({{f}}par IS NULL OR s.partners && {{f}}par)`},
	{catalogue.ParamPlaces, "f_pla", `(NOT $9::boolean OR {{places}})`},
}

// onGroups fills them for the groups of g (below), joined with f.
var onGroups = strings.NewReplacer("{{places}}", "g.places", "{{f}}", "f.")

// textCond restricts search_docs to the public rows matching the text, through the GIN index.
func textCond(text bool) string {
	if text {
		return "sd.visible AND sd.vector @@ (SELECT tsq FROM p)"
	}
	return "sd.visible"
}

// allBut is the conjunction of every facet flag of x except the facet's own ("" for all of them).
func allBut(facet string) string {
	var parts []string
	for _, f := range facetFilters {
		if f.facet != facet {
			parts = append(parts, f.flag)
		}
	}
	return strings.Join(parts, " AND ")
}

// facetCTEs follow g (the matching documents counted by facet signature and availability, so that the counts
// read a few hundred groups rather than every document): x has one flag per facet ("passes this facet's
// filter"), facets counts every facet value with the other facets' filters, as rows (facet, value, label, ord,
// n). "sans" rows count the results with one facet dropped; "total" with every filter; "texte" the text
// alone; "lexemes" tells whether the text has any searchable word.
func facetCTEs() string {
	var b strings.Builder
	b.WriteString(`
x AS MATERIALIZED (
	SELECT s.kind, s.domain_id, s.partners, s.formats, s.levels, s.audiences, ` + durationBandSQL + ` AS band, g.places, g.n`)
	for _, f := range facetFilters {
		b.WriteString(", " + onGroups.Replace(f.cond) + " AS " + f.flag)
	}
	b.WriteString(`
	FROM g JOIN search_signatures s ON s.id = g.sig, f
),
facets AS (
SELECT 'domaine' AS facet, d.slug AS value, d.title AS label, d.position AS ord, coalesce(c.n, 0) AS n
FROM domains d LEFT JOIN (SELECT domain_id, sum(n) AS n FROM x WHERE ` + allBut(catalogue.ParamDomain) + ` GROUP BY domain_id) c
  ON c.domain_id = d.id
WHERE d.status IN ('published', 'coming')
UNION ALL
SELECT 'public', a.slug, a.label, a.position, coalesce(c.n, 0)
FROM audiences a LEFT JOIN (SELECT v, sum(n) AS n FROM x, unnest(x.audiences) v WHERE ` + allBut(catalogue.ParamAudience) + ` GROUP BY v) c
  ON c.v = a.id
UNION ALL
SELECT 'partenaire', pa.slug, pa.name, (row_number() OVER (ORDER BY pa.name COLLATE "fr-x-icu"))::int, coalesce(c.n, 0)
FROM partners pa LEFT JOIN (SELECT v, sum(n) AS n FROM x, unnest(x.partners) v WHERE ` + allBut(catalogue.ParamPartner) + ` GROUP BY v) c
  ON c.v = pa.id
WHERE pa.status = 'published'
UNION ALL
SELECT 'format', v, '', 0, sum(n) FROM x, unnest(x.formats) v WHERE ` + allBut(catalogue.ParamFormat) + ` GROUP BY v
UNION ALL
SELECT 'niveau', v, '', 0, sum(n) FROM x, unnest(x.levels) v WHERE ` + allBut(catalogue.ParamLevel) + ` GROUP BY v
UNION ALL
SELECT 'duree', band, '', 0, sum(n) FROM x WHERE ` + allBut(catalogue.ParamDuration) + ` GROUP BY band
UNION ALL
SELECT 'type', kind, '', 0, sum(n) FROM x WHERE ` + allBut(catalogue.ParamType) + ` GROUP BY kind
UNION ALL
SELECT 'places', '1', '', 0, coalesce(sum(n), 0) FROM x WHERE places AND ` + allBut(catalogue.ParamPlaces) + `
UNION ALL
SELECT k, v, '', 0, n FROM (SELECT `)
	for _, f := range facetFilters {
		fmt.Fprintf(&b, "coalesce(sum(n) FILTER (WHERE %s), 0) AS %s, ", allBut(f.facet), f.flag)
	}
	b.WriteString("coalesce(sum(n) FILTER (WHERE " + allBut("") + "), 0) AS total, coalesce(sum(n), 0) AS texte FROM x) s, LATERAL (VALUES ")
	for _, f := range facetFilters {
		fmt.Fprintf(&b, "('sans', '%s', s.%s), ", f.facet, f.flag)
	}
	b.WriteString(`('total', '', s.total), ('texte', '', s.texte)) v(k, v, n)
UNION ALL
SELECT 'lexemes', '', '', 0, CASE WHEN tsq IS NULL THEN 0 ELSE numnode(tsq) END FROM p
)`)
	return b.String()
}

// maskSQL is the CTE "ok": mask[sig] tells whether documents of signature sig pass every facet filter but
// "places" (applied per document). Reading a boolean array by index keeps the results statement a single scan
// of search_docs whatever the planner estimates (a join with the signatures could be planned as a loop that
// repeats the text search once per signature).
func maskSQL() string {
	var conds []string
	for _, f := range facetFilters {
		if f.facet != catalogue.ParamPlaces {
			conds = append(conds, onGroups.Replace(f.cond))
		}
	}
	return `,
ok AS MATERIALIZED (
	SELECT coalesce(array_agg(coalesce(t.pass, false) ORDER BY g.i), '{}') AS mask
	FROM generate_series(1, (SELECT coalesce(max(id), 0) FROM search_signatures)) g(i)
	LEFT JOIN (SELECT s.id, ` + strings.Join(conds, " AND ") + ` AS pass FROM search_signatures s, f) t ON t.id = g.i
)`
}

// sortKeys are the columns of each sort; the tie-breaks (kind, id) make pages stable.
var sortKeys = map[string][]string{
	catalogue.SortRelevance: {"rank DESC", "title_key", "kind", "id"},
	catalogue.SortTitle:     {"title_key", "kind", "id"},
	catalogue.SortDuration:  {"duration", "title_key", "kind", "id"},
	catalogue.SortDate:      {"next_session NULLS LAST", "title_key", "kind", "id"},
}

func orderBy(sort, prefix string) string {
	keys := sortKeys[sort]
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + k
	}
	return strings.Join(out, ", ")
}

// rankSQL: ts_rank over title (A 1.0) and summary and keywords (B 0.4) (a match in the body alone ranks 0);
// all the words in the title add 1; the exact title adds 10. The query as typed counts fully, its variants
// (synonyms, hyphens) half: "RGPD" puts the module named so before those about personal data. A query without
// variants (most of them) ranks each document with one ts_rank and one title match, the same figures: rank
// ranks every matching document, thousands for a common word on the catalogue ×100.
const rankSQL = `CASE WHEN (SELECT plain FROM p)
	  THEN 1.5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', sd.rank_vector, (SELECT qtsq FROM p), 1)
	     + CASE WHEN sd.title_vector @@ (SELECT qtsq FROM p) THEN 1 ELSE 0 END
	  ELSE ts_rank('{0.1, 0.2, 0.4, 1.0}', sd.rank_vector, (SELECT qtsq FROM p), 1)
	     + 0.5 * ts_rank('{0.1, 0.2, 0.4, 1.0}', sd.rank_vector, (SELECT tsq FROM p), 1)
	     + CASE WHEN sd.title_vector @@ (SELECT qtsq FROM p) THEN 1 WHEN sd.title_vector @@ (SELECT tsq FROM p) THEN 0.5 ELSE 0 END
	END
	+ CASE WHEN sd.title_key = (SELECT title_key FROM p) THEN 10 ELSE 0 END`

// nextSessionSQL is the first upcoming start still to come.
const nextSessionSQL = `CASE WHEN cardinality(sd.upcoming) = 0 THEN NULL WHEN sd.upcoming[1] > now() THEN sd.upcoming[1]
	ELSE (SELECT min(u) FROM unnest(sd.upcoming) u WHERE u > now()) END`

// rankOf is the relevance of a row sd: 0 without text.
func rankOf(text bool) string {
	if text {
		return rankSQL
	}
	return "0::real"
}

// hitColumns are the columns of a result as the list shows it, from m (kind, id, sig, duration, places,
// next_session) and p; with pageFrom, the joins they need.
const hitColumns = `m.kind, m.id, coalesce(mo.slug, t.slug) AS slug, coalesce(mo.title, t.title) AS title,
       coalesce(mo.summary, t.summary) AS summary, d.slug AS domain_slug, d.title AS domain_title, d.status = 'coming' AS coming,
       coalesce(pa.slug, '') AS partner_slug, coalesce(pa.name, '') AS partner_name, coalesce(t.administration, '') AS administration,
       sg.formats, sg.levels, m.duration,
       CASE WHEN t.id IS NULL THEN 0 ELSE (SELECT count(*) FROM track_modules tm JOIN modules tmm ON tmm.id = tm.module_id
         WHERE tm.track_id = t.id AND tmm.status = 'published') END AS module_count,
       m.next_session, m.places,
       CASE WHEN p.tsq IS NULL THEN NULL ELSE ts_headline('public.campus_fr', coalesce(mo.title, t.title), p.tsq, $13) END AS t1,
       CASE WHEN p.tsq IS NULL THEN NULL ELSE ts_headline('pg_catalog.french', coalesce(mo.title, t.title), p.ftsq, $13) END AS t2,
       CASE WHEN p.tsq IS NULL THEN NULL ELSE ts_headline('public.campus_fr', coalesce(mo.summary, t.summary), p.tsq, $13) END AS s1,
       CASE WHEN p.tsq IS NULL THEN NULL ELSE ts_headline('pg_catalog.french', coalesce(mo.summary, t.summary), p.ftsq, $13) END AS s2`

const pageFrom = `
FROM m CROSS JOIN p
JOIN search_signatures sg ON sg.id = m.sig
LEFT JOIN modules mo ON m.kind = 'module' AND mo.id = m.id
LEFT JOIN partners pa ON pa.id = mo.partner_id
LEFT JOIN tracks t ON m.kind <> 'module' AND t.id = m.id
JOIN domains d ON d.id = coalesce(mo.domain_id, t.domain_id)`

// facetSQL counts the facet values of a search, in one scan of the matching documents: rows (facet, value,
// label, ord, n) as described at facetCTEs.
func facetSQL(text bool) string {
	return searchCTE + `,
g AS MATERIALIZED (
	SELECT sd.sig, coalesce(sd.open_until > now(), false) AS places, count(*) AS n
	FROM search_docs sd
	WHERE ` + textCond(text) + `
	GROUP BY 1, 2
),` + facetCTEs() + `
SELECT facet, value, label, ord, n FROM facets`
}

// matchesSQL selects the sorted results of a search (kind, id and the sort columns) as m.
func matchesSQL(text bool, sort string) string {
	return searchCTE + maskSQL() + `,
m AS (
	SELECT sd.kind, sd.id, sd.sig, sd.title_key, sd.duration, coalesce(sd.open_until > now(), false) AS places,
	       ` + nextSessionSQL + ` AS next_session, ` + rankOf(text) + ` AS rank
	FROM search_docs sd
	WHERE ` + textCond(text) + ` AND (SELECT mask FROM ok)[sd.sig] AND (NOT $9::boolean OR sd.open_until > now())
	ORDER BY ` + orderBy(sort, "") + `
	LIMIT $11 OFFSET $12
)`
}

// resultsSQL returns one page of results: $11 limit, $12 offset, $13 ts_headline options.
func resultsSQL(text bool, sort string) string {
	return matchesSQL(text, sort) + `
SELECT ` + hitColumns + pageFrom + `
ORDER BY ` + orderBy(sort, "m.")
}

// idsSQL returns every result's kind and id in order (open data exports); $11 limit, $12 offset.
func idsSQL(text bool, sort string) string {
	return matchesSQL(text, sort) + `
SELECT m.kind, m.id FROM m ORDER BY ` + orderBy(sort, "m.")
}

var headlineOptions = `HighlightAll=true, StartSel="` + catalogue.HighlightStart + `", StopSel="` + catalogue.HighlightStop + `"`

func searchArgs(text, corrected string, f catalogue.Filters) []any {
	places := len(f[catalogue.ParamPlaces]) > 0
	return []any{text, corrected,
		nonNil(f[catalogue.ParamDomain]), nonNil(f[catalogue.ParamFormat]), nonNil(f[catalogue.ParamAudience]),
		nonNil(f[catalogue.ParamLevel]), nonNil(f[catalogue.ParamPartner]), nonNil(f[catalogue.ParamDuration]),
		places, nonNil(f[catalogue.ParamType])}
}

// Search runs a catalogue search: the facets with their counts and one page of results.
// When the text alone finds fewer than catalogue.FuzzyBelow results, the words that find nothing are corrected
// from the vocabulary of titles and keywords (pg_trgm) and the search is run again with the original and the
// corrected text; when nothing is found, the closest known terms are suggested. Facet values the database does
// not know are dropped from the query; a page beyond the last gives the last.
func (s *Store) Search(ctx context.Context, q catalogue.SearchQuery) (catalogue.SearchResult, error) {
	res, err := s.search(ctx, q, "")
	if err != nil {
		return res, fmt.Errorf("postgres.Search: %w", err)
	}
	if q.Text == "" || res.TextIgnored || res.TextOnly >= catalogue.FuzzyBelow {
		return res, nil
	}
	corrected, suggestions, err := s.corrections(ctx, q.Text)
	if err != nil {
		return res, fmt.Errorf("postgres.Search: %w", err)
	}
	if corrected != "" {
		again, err := s.search(ctx, q, corrected)
		if err != nil {
			return res, fmt.Errorf("postgres.Search: corrected: %w", err)
		}
		if again.TextOnly > res.TextOnly {
			res = again
			res.Corrected = corrected
		}
	}
	if res.Total == 0 {
		res.Suggestions = suggestions
	}
	return res, nil
}

func (s *Store) search(ctx context.Context, q catalogue.SearchQuery, corrected string) (catalogue.SearchResult, error) {
	res := catalogue.SearchResult{Query: q}
	sort := q.EffectiveSort()
	page := max(q.Page, 1)
	args := append(searchArgs(q.Text, corrected, q.Filters), catalogue.SearchPageSize, (page-1)*catalogue.SearchPageSize, headlineOptions)
	text := q.Text != ""

	counts := map[string]map[string]int{}
	labels := map[string][]catalogue.Option{}
	lexemes := -1
	// The counts and the page run at once, on two connections.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		rows, err := s.pool.Query(gctx, facetSQL(text), args[:10]...)
		if err != nil {
			return err
		}
		facetRows, err := pgx.CollectRows(rows, pgx.RowToStructByPos[facetRow])
		if err != nil {
			return err
		}
		slices.SortStableFunc(facetRows, func(a, b facetRow) int { return cmp.Compare(a.Ord, b.Ord) })
		for _, r := range facetRows {
			switch r.Facet {
			case "lexemes":
				lexemes = r.N
				continue
			case catalogue.ParamDomain, catalogue.ParamAudience, catalogue.ParamPartner:
				labels[r.Facet] = append(labels[r.Facet], catalogue.Option{Value: r.Value, Label: r.Label})
			}
			if counts[r.Facet] == nil {
				counts[r.Facet] = map[string]int{}
			}
			counts[r.Facet][r.Value] = r.N
		}
		return nil
	})
	g.Go(func() error {
		rows, err := s.pool.Query(gctx, resultsSQL(text, sort), args...)
		if err != nil {
			return err
		}
		res.Hits, err = scanHits(rows)
		return err
	})
	if err := g.Wait(); err != nil {
		return res, err
	}
	if q.Text != "" && lexemes == 0 {
		// Only common words ("de la"): search without the text, and say so.
		blank := q
		blank.Text = ""
		again, err := s.search(ctx, blank, "")
		again.Query.Text, again.TextIgnored = q.Text, true
		return again, err
	}

	// Drop the values the database does not know, and build the facets.
	res.Query = q.Only(func(facet, value string) bool {
		switch facet {
		case catalogue.ParamDomain, catalogue.ParamAudience, catalogue.ParamPartner:
			return slices.ContainsFunc(labels[facet], func(o catalogue.Option) bool { return o.Value == value })
		}
		return true
	})
	for _, def := range catalogue.Facets {
		f := catalogue.Facet{FacetDef: def, Without: counts["sans"][def.Key]}
		opts := def.Fixed
		if opts == nil {
			opts = labels[def.Key]
		}
		for _, o := range opts {
			f.Values = append(f.Values, catalogue.FacetValue{Value: o.Value, Label: o.Label, Count: counts[def.Key][o.Value],
				Selected: res.Query.Filters.Has(def.Key, o.Value)})
		}
		res.Facets = append(res.Facets, f)
	}
	res.Total, res.TextOnly = counts["total"][""], counts["texte"][""]
	res.Pages = catalogue.PageCount(res.Total)
	if page > res.Pages {
		// Beyond the last page: give the last one.
		res.Query.Page = res.Pages
		args[10], args[11] = catalogue.SearchPageSize, (res.Pages-1)*catalogue.SearchPageSize
		rows, err := s.pool.Query(ctx, resultsSQL(text, sort), args...)
		if err != nil {
			return res, err
		}
		if res.Hits, err = scanHits(rows); err != nil {
			return res, err
		}
	}
	return res, nil
}

// facetRow is a row of facetSQL.
type facetRow struct {
	Facet, Value, Label string
	Ord, N              int
}

// scanHits reads the rows of resultsSQL.
func scanHits(rows pgx.Rows) ([]catalogue.SearchHit, error) {
	defer rows.Close()
	var hits []catalogue.SearchHit
	for rows.Next() {
		var h catalogue.SearchHit
		var title, summary string
		var t1, t2, s1, s2 *string
		if err := rows.Scan(&h.Kind, &h.ID, &h.Slug, &title, &summary, &h.Domain.Slug, &h.Domain.Title, &h.DomainComing,
			&h.Partner.Slug, &h.Partner.Title, &h.Administration, &h.Formats, &h.Levels, &h.DurationMinutes,
			&h.ModuleCount, &h.NextSession, &h.Places, &t1, &t2, &s1, &s2); err != nil {
			return nil, err
		}
		h.Title = catalogue.MergeHighlights(title, deref(t1), deref(t2))
		h.Summary = catalogue.MergeHighlights(summary, deref(s1), deref(s2))
		h.Formats = orderedAs(h.Formats, catalogue.Formats)
		h.Levels = orderedAs(h.Levels, catalogue.Levels)
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// orderedAs sorts values in the order of a reference list.
func orderedAs(values, ref []string) []string {
	slices.SortFunc(values, func(a, b string) int { return cmp.Compare(slices.Index(ref, a), slices.Index(ref, b)) })
	return values
}

// correctionsSQL: for each word ($1), whether it finds anything by itself, and the closest terms of the
// vocabulary (trigram similarity, KNN on the GiST index) that do.
var correctionsSQL = `
WITH w AS (SELECT word, ord FROM unnest($1::text[]) WITH ORDINALITY AS w(word, ord))
SELECT w.word, found.ok, coalesce(c.terms, '{}')
FROM w
CROSS JOIN LATERAL (SELECT ` + findsSQL + ` AS ok) found
LEFT JOIN LATERAL (
	SELECT array_agg(k.term ORDER BY k.dist, k.term) AS terms FROM (
		SELECT st.term, st.plain, st.plain <-> public.campus_unaccent(w.word) AS dist
		FROM search_terms st
		ORDER BY st.plain <-> public.campus_unaccent(w.word)
		LIMIT 8
	) k
	WHERE (k.dist <= 0.7 OR (length(w.word) >= 5 AND public.levenshtein(k.plain, lower(public.campus_unaccent(w.word))) <= 2))
	  AND public.campus_normalize(k.term) <> public.campus_normalize(w.word)
	  AND (SELECT ` + strings.ReplaceAll(findsSQL, "w.word", "k.term") + `)
) c ON true
ORDER BY w.ord`

// findsSQL tells whether w.word finds a public module or track.
const findsSQL = `EXISTS (SELECT 1 FROM search_docs sd WHERE sd.vector @@ public.campus_tsquery(w.word) AND sd.visible)`

// corrections returns the text with each word that finds nothing replaced by the closest single word of the
// vocabulary that does ("" when nothing was replaced), and up to six suggestions for the no-result page.
func (s *Store) corrections(ctx context.Context, text string) (string, []string, error) {
	words := catalogue.SearchWords(text)
	if len(words) == 0 {
		return "", nil, nil
	}
	rows, err := s.pool.Query(ctx, correctionsSQL, words)
	if err != nil {
		return "", nil, fmt.Errorf("corrections: %w", err)
	}
	repl := map[string]string{}
	var found, near []string
	for rows.Next() {
		var word string
		var ok bool
		var terms []string
		if err := rows.Scan(&word, &ok, &terms); err != nil {
			rows.Close()
			return "", nil, fmt.Errorf("corrections: %w", err)
		}
		if ok {
			found = append(found, word)
			continue
		}
		for i, t := range terms {
			if i == 0 && !strings.Contains(t, " ") {
				repl[word] = t
			}
			if i < 3 {
				near = append(near, t)
			}
		}
		if _, ok := repl[word]; !ok {
			for _, t := range terms {
				if !strings.Contains(t, " ") {
					repl[word] = t
					break
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("corrections: %w", err)
	}
	corrected := ""
	if len(repl) > 0 {
		corrected = catalogue.ReplaceWords(text, repl)
	}
	var suggestions []string
	add := func(t string) {
		if t != "" && !strings.EqualFold(t, text) && !slices.Contains(suggestions, t) && len(suggestions) < 6 {
			suggestions = append(suggestions, t)
		}
	}
	add(corrected)
	if len(words) > 1 {
		for _, w := range found {
			add(w)
		}
	}
	for _, t := range near {
		add(t)
	}
	return corrected, suggestions, nil
}

// SearchExport returns every entry a search finds (at most limit), in the search's order, with what open data
// publishes: a module with its audiences, keywords, objectives, outline and upcoming sessions, a track with its
// modules in order. One round trip for the ids, one for the details.
func (s *Store) SearchExport(ctx context.Context, q catalogue.SearchQuery, limit int) ([]catalogue.ExportEntry, error) {
	args := append(searchArgs(q.Text, "", q.Filters), limit, 0)
	rows, err := s.pool.Query(ctx, idsSQL(q.Text != "", q.EffectiveSort()), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres.SearchExport: %w", err)
	}
	type key struct {
		kind string
		id   int64
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
		var k key
		err := r.Scan(&k.kind, &k.id)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.SearchExport: %w", err)
	}
	var moduleIDs, trackIDs []int64
	for _, k := range keys {
		if k.kind == catalogue.KindModule {
			moduleIDs = append(moduleIDs, k.id)
		} else {
			trackIDs = append(trackIDs, k.id)
		}
	}

	modules := map[int64]*catalogue.Module{}
	tracks := map[int64]*catalogue.Track{}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+moduleCardColumns+`, m.objectives, m.outline, m.prerequisites, m.external_url, m.keywords,
			m.status, d.status, m.updated_at `+moduleCardFrom+` WHERE m.id = ANY($1)`, moduleIDs).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			m := &catalogue.Module{}
			if err := scanModuleCard(rows, &m.ModuleCard, &m.Objectives, &m.Outline, &m.Prerequisites, &m.ExternalURL,
				&m.Keywords, &m.Status, &m.DomainStatus, &m.UpdatedAt); err != nil {
				return err
			}
			modules[m.ID] = m
		}
		return rows.Err()
	})
	queueChildren(b, `SELECT ma.module_id, a.id, a.slug, a.label, a.description FROM module_audiences ma
			JOIN audiences a ON a.id = ma.audience_id WHERE ma.module_id = ANY($1) ORDER BY ma.module_id, a.position`, moduleIDs,
		scanAudience, func(id int64, a catalogue.Audience) {
			if m := modules[id]; m != nil {
				m.Audiences = append(m.Audiences, a)
			}
		})
	queueChildren(b, `SELECT `+sessionColumns+` FROM module_sessions ms
			WHERE ms.module_id = ANY($1) AND ms.status = 'scheduled' AND ms.starts_at > now() ORDER BY ms.module_id, ms.starts_at, ms.id`, moduleIDs,
		func(rows pgx.Rows, id *int64, x *catalogue.Session) error {
			err := scanSession(rows, x)
			*id = x.ModuleID
			return err
		},
		func(id int64, x catalogue.Session) {
			if m := modules[id]; m != nil {
				m.Sessions = append(m.Sessions, x)
			}
		})
	queueChildren(b, `SELECT tm.module_id, t.slug, t.title, t.administration <> '' FROM track_modules tm JOIN tracks t ON t.id = tm.track_id
			WHERE tm.module_id = ANY($1) AND t.status = 'published' ORDER BY tm.module_id, t.administration <> '', t.title COLLATE "fr-x-icu"`, moduleIDs,
		func(rows pgx.Rows, id *int64, l *catalogue.TrackLink) error {
			return rows.Scan(id, &l.Slug, &l.Title, &l.Tailored)
		},
		func(id int64, l catalogue.TrackLink) {
			if m := modules[id]; m != nil {
				m.Tracks = append(m.Tracks, l)
			}
		})
	b.Queue(`SELECT `+trackCardColumns+`, t.description, t.status FROM tracks t JOIN domains d ON d.id = t.domain_id
			WHERE t.id = ANY($1)`, trackIDs).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			t := &catalogue.Track{}
			if err := scanTrackCard(rows, &t.TrackCard, &t.Description, &t.Status); err != nil {
				return err
			}
			tracks[t.ID] = t
		}
		return rows.Err()
	})
	queueChildren(b, `SELECT tm.track_id, `+moduleCardColumns+moduleCardFrom+` JOIN track_modules tm ON tm.module_id = m.id
			WHERE tm.track_id = ANY($1) AND m.status = 'published' ORDER BY tm.track_id, tm.position`, trackIDs,
		func(rows pgx.Rows, id *int64, c *catalogue.ModuleCard) error {
			return rows.Scan(append([]any{id}, moduleCardDest(c)...)...)
		},
		func(id int64, c catalogue.ModuleCard) {
			if t := tracks[id]; t != nil {
				t.Modules = append(t.Modules, c)
			}
		})
	queueChildren(b, `SELECT ta.track_id, a.id, a.slug, a.label, a.description FROM track_audiences ta
			JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = ANY($1) ORDER BY ta.track_id, a.position`, trackIDs,
		scanAudience, func(id int64, a catalogue.Audience) {
			if t := tracks[id]; t != nil {
				t.Audiences = append(t.Audiences, a)
			}
		})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("postgres.SearchExport: details: %w", err)
	}

	out := make([]catalogue.ExportEntry, 0, len(keys))
	for _, k := range keys {
		e := catalogue.ExportEntry{Kind: k.kind}
		if k.kind == catalogue.KindModule {
			e.Module = modules[k.id]
		} else {
			e.Track = tracks[k.id]
		}
		if e.Module != nil || e.Track != nil {
			out = append(out, e)
		}
	}
	return out, nil
}

func moduleCardDest(c *catalogue.ModuleCard) []any {
	return []any{&c.ID, &c.Slug, &c.Title, &c.Summary, &c.DurationMinutes, &c.Format, &c.Level,
		&c.Domain.Slug, &c.Domain.Title, &c.Partner.Slug, &c.Partner.Title, &c.NextSession}
}

// queueChildren queues in b the query sql over ids (modules or tracks) and gives each row read with scan (the
// owner's id, then the value: an audience, a session, a link) to add.
func queueChildren[T any](b *pgx.Batch, sql string, ids []int64, scan func(rows pgx.Rows, id *int64, v *T) error, add func(id int64, v T)) {
	b.Queue(sql, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id int64
			var v T
			if err := scan(rows, &id, &v); err != nil {
				return err
			}
			add(id, v)
		}
		return rows.Err()
	})
}

// scanAudience reads an audience row that starts with the id of the module or track it belongs to.
func scanAudience(rows pgx.Rows, id *int64, a *catalogue.Audience) error {
	return rows.Scan(id, &a.ID, &a.Slug, &a.Label, &a.Description)
}
