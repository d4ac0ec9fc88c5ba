package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"campus/internal/testdb"
)

// BenchmarkPages measures whole requests through the router (middleware, handler, render, compression off)
// with the catalogue cache on, as `serve` runs it, and off, i.e. every query sent to the database.
func BenchmarkPages(b *testing.B) {
	store := testdb.Seeded(b)
	var module, track string
	store.Pool().QueryRow(context.Background(), `SELECT slug FROM modules WHERE format = 'hybride' ORDER BY id LIMIT 1`).Scan(&module)
	store.Pool().QueryRow(context.Background(), `SELECT slug FROM tracks WHERE administration = '' ORDER BY id LIMIT 1`).Scan(&track)
	for _, mode := range []string{"cache", "sans-cache"} {
		var h http.Handler
		if mode == "cache" {
			srv, portal := newWatchedServer(b, store)
			_ = srv
			h = portal.Handler()
		} else {
			h = newServer(b, store).Config.Handler
		}
		for _, path := range []string{"/", "/domaines/cybersecurite", "/parcours/" + track, "/modules/" + module} {
			b.Run(mode+path, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String()[:200])
					}
				}
			})
		}
	}
}
