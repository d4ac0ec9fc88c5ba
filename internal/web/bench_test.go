package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"campus/internal/testdb"
)

// BenchmarkPages measures whole requests through the router (middleware, handler, render, compression off)
// with the catalogue cache on, as `serve` runs it, and off, i.e. every query sent to the database.
func BenchmarkPages(b *testing.B) {
	store := testdb.Seeded(b)
	var module, track string
	testdb.Row(b, store, `SELECT slug FROM modules WHERE format = 'hybride' ORDER BY id LIMIT 1`).Scan(&module)
	testdb.Row(b, store, `SELECT slug FROM tracks WHERE administration = '' ORDER BY id LIMIT 1`).Scan(&track)
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

// BenchmarkMyTrainings measures "Mes formations" of an agent with ten enrolments (the national average), signed
// in: the session read, the user, the enrolments, the calendar feed and the licences, then the render.
func BenchmarkMyTrainings(b *testing.B) {
	store := testdb.Seeded(b)
	srv, portal := newWatchedServer(b, store)
	br, u := signedIn(b, srv, store, "agent")
	if _, err := store.Pool().Exec(context.Background(), `
		INSERT INTO enrolments (user_id, module_id, status, confirmed_at, completed_at)
		SELECT $1, id, CASE WHEN n <= 8 THEN 'completed' ELSE 'confirmed' END, now(), CASE WHEN n <= 8 THEN now() END
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM modules WHERE format = 'en_ligne' AND status = 'published') m
		WHERE n <= 10`, u.ID); err != nil {
		b.Fatal(err)
	}
	h := portal.Handler()
	cookie := br.cookie()
	req := httptest.NewRequest(http.MethodGet, "/mes-formations", nil)
	req.AddCookie(cookie)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Camille") {
			b.Fatalf("%d", rec.Code)
		}
	}
}

// BenchmarkSignedInPages measures signed-in requests served from the copies rendered once (pagecache.go): the
// session read, the name written in, and, with gzip, the stream spliced from the parts compressed once.
func BenchmarkSignedInPages(b *testing.B) {
	store := testdb.Seeded(b)
	srv, portal := newWatchedServer(b, store)
	br, _ := signedIn(b, srv, store, "agent")
	h := portal.Handler()
	for _, path := range []string{"/", "/catalogue?q=donnees"} {
		for _, enc := range []string{"identity", "gzip"} {
			b.Run(enc+path, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(br.cookie())
				req.Header.Set("Accept-Encoding", enc)
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 || rec.Header().Get("Content-Encoding") != strings.TrimPrefix(enc, "identity") {
						b.Fatalf("%s: %d, encoding %q", path, rec.Code, rec.Header().Get("Content-Encoding"))
					}
				}
				b.SetBytes(int64(bodyLen(h, req)))
			})
		}
	}
}

// bodyLen is the length of the body h answers to req.
func bodyLen(h http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.Len()
}
