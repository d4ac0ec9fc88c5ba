package postgres_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// searchScenarios are the searches measured by the benchmarks, as URL queries of /catalogue.
var searchScenarios = []struct{ name, query string }{
	{"texte", "q=données"},
	{"texte+filtres", "q=données&format=presentiel&format=hybride&niveau=intermediaire"},
	{"filtres", "domaine=cybersecurite&places=1"},
	{"tout", ""},
	{"faute", "q=cybersecurtié"},
	{"phrase+exclusion", `q="données ouvertes" -cloud&public=tous-les-agents`},
	{"date+page3", "q=numérique&tri=date&page=3"},
	{"aucun-resultat", "q=xylophone&domaine=data"},
}

// BenchmarkSearchSeed measures Store.Search on the seed catalogue; p95-ms is the 95th percentile.
func BenchmarkSearchSeed(b *testing.B) {
	benchSearch(b, testdb.Seeded(b))
}

// BenchmarkSearch100x measures Store.Search on a catalogue 100 times the seed (10,300 modules, 6,200 tracks,
// 16,800 sessions), built with set-based INSERT … SELECT generate_series in a database of its own.
func BenchmarkSearch100x(b *testing.B) {
	benchSearch(b, bigCatalogue(b, 100))
}

// bigCatalogue returns a store on a new database holding the seed catalogue copied factor times.
func bigCatalogue(tb testing.TB, factor int) *postgres.Store {
	tb.Helper()
	ctx := context.Background()
	s := testdb.NewSeeded(tb, "search_big", 8)
	start := time.Now()
	if err := testdb.ReplicateCatalogue(ctx, s, factor-1); err != nil {
		tb.Fatal(err)
	}
	var modules, tracks int
	testdb.Row(tb, s, `SELECT (SELECT count(*) FROM modules), (SELECT count(*) FROM tracks)`).Scan(&modules, &tracks)
	tb.Logf("catalogue ×%d: %d modules, %d tracks, built in %s", factor, modules, tracks, time.Since(start).Round(time.Millisecond))
	return s
}

func benchSearch(b *testing.B, s *postgres.Store) {
	ctx := context.Background()
	for _, sc := range searchScenarios {
		v, err := url.ParseQuery(sc.query)
		if err != nil {
			b.Fatal(err)
		}
		q, _ := catalogue.ParseSearchQuery(v)
		b.Run(sc.name, func(b *testing.B) {
			var durations []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := s.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(start))
			}
			reportPercentiles(b, durations)
		})
	}
}

// reportPercentiles adds p50-ms and p95-ms to the benchmark's output.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// TestSearchPlansUseIndexes checks on the big catalogue that the text search goes through the GIN indexes and
// the typo path through the trigram index (the seed catalogue is too small for the planner to bother).
func TestSearchPlansUseIndexes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		// The suite's one allowed skip (Makefile: ALLOWED_SKIPS), under -short only: make test runs it.
		t.Skip("builds a catalogue 20 times the seed")
	}
	s := bigCatalogue(t, 20)
	for _, text := range []string{"données", "cybersecurtié"} {
		q, _ := catalogue.ParseSearchQuery(url.Values{"q": {text}, "format": {"presentiel"}})
		plans, err := s.ExplainSearch(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"facets", "results"} {
			if !strings.Contains(plans[name], "search_docs_vector_idx") {
				t.Errorf("%q %s: the plan does not use search_docs_vector_idx:\n%s", text, name, plans[name])
			}
		}
		if !strings.Contains(plans["corrections"], "search_terms_trgm_idx") {
			t.Errorf("%q corrections: the plan does not use search_terms_trgm_idx:\n%s", text, plans["corrections"])
		}
	}
}
