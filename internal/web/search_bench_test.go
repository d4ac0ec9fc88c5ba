package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"campus/internal/testdb"
)

// searchPaths are the searches measured end to end (router, handler, database, render), as a visitor sends them.
var searchPaths = []struct{ name, path string }{
	{"texte", "/catalogue?q=donn%C3%A9es"},
	{"texte+filtres", "/catalogue?q=donn%C3%A9es&format=presentiel&format=hybride&niveau=intermediaire"},
	{"filtres", "/catalogue?domaine=cybersecurite&places=1"},
	{"tout", "/catalogue"},
	{"faute", "/catalogue?q=cybersecurti%C3%A9"},
	{"date+page3", "/catalogue?q=num%C3%A9rique&tri=date&page=3"},
	{"aucun-resultat", "/catalogue?q=xylophone&domaine=data"},
	{"csv-recherche", "/api/catalogue.csv?q=donn%C3%A9es&format=presentiel"},
}

// BenchmarkSearchPageSeed measures the search page server-side on the seed catalogue; p95-ms is the 95th
// percentile of the requests' durations.
func BenchmarkSearchPageSeed(b *testing.B) {
	benchSearchPages(b, newServer(b, testdb.Seeded(b)).Config.Handler)
}

// BenchmarkSearchPage100x measures it on a catalogue 100 times the seed (16,500 modules and tracks).
func BenchmarkSearchPage100x(b *testing.B) {
	ctx := context.Background()
	store := testdb.NewSeeded(b, "search_page_big", 8)
	if err := testdb.ReplicateCatalogue(ctx, store, 99); err != nil {
		b.Fatal(err)
	}
	benchSearchPages(b, newServer(b, store).Config.Handler)
}

func benchSearchPages(b *testing.B, h http.Handler) {
	for _, sp := range searchPaths {
		b.Run(sp.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, sp.path, nil)
			var d []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				d = append(d, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", sp.path, rec.Code)
				}
			}
			slices.Sort(d)
			at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))]) / float64(time.Millisecond) }
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.95), "p95-ms")
		})
	}
}
