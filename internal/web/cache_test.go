package web_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
	"campus/internal/web/webtest"
)

// newWatchedServer is a portal instance with its catalogue cache on, kept in step by the change feed.
func newWatchedServer(t testing.TB, store *postgres.Store) (*httptest.Server, *web.Server) {
	t.Helper()
	return startWatched(t, store, nil)
}

// startWatched starts the portal configured by env (unset variables take their defaults) with its change feed
// listening, as `serve` runs it, and waits until the cache is on.
func startWatched(t testing.TB, store *postgres.Store, env map[string]string) (*httptest.Server, *web.Server) {
	t.Helper()
	return webtest.Watched(t, store, env)
}

// eventually polls f until it returns "" or the deadline passes, then fails with its last message.
func eventually(t *testing.T, within time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCache_InvalidatedAcrossInstances: two instances cache the same pages; a change written to the database
// by anyone (here: SQL, as another instance's admin would) shows on both within a second.
func TestCache_InvalidatedAcrossInstances(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "cache_instances", 4)
	a, _ := newWatchedServer(t, store)
	b, _ := newWatchedServer(t, store)

	var slug, title string
	testdb.Row(t, store, `SELECT slug, title FROM modules WHERE format = 'presentiel' ORDER BY id LIMIT 1`).Scan(&slug, &title)
	for _, srv := range []*httptest.Server{a, b} {
		if p := get(t, srv, "/modules/"+slug); text(p.doc.Find("h1")) != title {
			t.Fatalf("h1 %q, want %q", text(p.doc.Find("h1")), title)
		}
	}

	t.Run("CatalogueEdit", func(t *testing.T) {
		renamed := title + " (nouvelle édition)"
		testdb.Exec(t, store, `UPDATE modules SET title = $1 WHERE slug = $2`, renamed, slug)
		defer testdb.Exec(t, store, `UPDATE modules SET title = $1 WHERE slug = $2`, title, slug)
		for name, srv := range map[string]*httptest.Server{"A": a, "B": b} {
			eventually(t, time.Second, func() string {
				if got := text(get(t, srv, "/modules/"+slug).doc.Find("h1")); got != renamed {
					return "instance " + name + " still shows " + got
				}
				return ""
			})
		}
	})

	t.Run("Search", func(t *testing.T) {
		// A search's results are cached; an edit shows in them on both instances within a second.
		path := "/catalogue?q=" + url.QueryEscape(title)
		for _, srv := range []*httptest.Server{a, b, a, b} {
			if got := text(get(t, srv, path).doc.Find(`a[href="/modules/` + slug + `"]`)); got != title {
				t.Fatalf("search result %q, want %q", got, title)
			}
		}
		renamed := title + " (session de printemps)"
		testdb.Exec(t, store, `UPDATE modules SET title = $1 WHERE slug = $2`, renamed, slug)
		defer testdb.Exec(t, store, `UPDATE modules SET title = $1 WHERE slug = $2`, title, slug)
		for name, srv := range map[string]*httptest.Server{"A": a, "B": b} {
			eventually(t, time.Second, func() string {
				if got := text(get(t, srv, path).doc.Find(`a[href="/modules/` + slug + `"]`)); got != renamed {
					return "instance " + name + " still finds " + got
				}
				return ""
			})
		}
	})

	t.Run("SeatsTaken", func(t *testing.T) {
		var ref string
		var capacity int
		testdb.Row(t, store, `SELECT ms.ref, ms.capacity FROM module_sessions ms JOIN modules m ON m.id = ms.module_id
			WHERE m.slug = $1 ORDER BY ms.starts_at LIMIT 1`, slug).Scan(&ref, &capacity)
		get(t, a, "/modules/"+slug) // cached
		testdb.Exec(t, store, `UPDATE module_sessions SET seats_taken = 5 WHERE ref = $1`, ref)
		defer testdb.Exec(t, store, `UPDATE module_sessions SET seats_taken = 0 WHERE ref = $1`, ref)
		want := itoa(capacity-5) + " sur " + itoa(capacity)
		eventually(t, time.Second, func() string {
			if row := text(get(t, a, "/modules/"+slug).doc.Find("#sessions ~ div tbody tr").First()); !strings.Contains(row, want) {
				return "seats not updated: " + row
			}
			return ""
		})
	})
}

// TestPageCache: anonymous visitors get the same rendered page from the cache, with the same tag and the
// security headers of any page; unknown slugs still answer 404 with a valid page.
func TestPageCache(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv, s := newWatchedServer(t, store)
	var bodies, tags []string
	for i := 0; i < 3; i++ {
		p := get(t, srv, "/domaines/data")
		if p.status != 200 {
			t.Fatalf("status %d", p.status)
		}
		checkFrame(t, "/domaines/data", p)
		bodies, tags = append(bodies, p.body), append(tags, p.header.Get("ETag"))
	}
	if bodies[0] != bodies[2] || tags[0] == "" || tags[0] != tags[2] {
		t.Errorf("cached page differs from the rendered one (tags %v)", tags)
	}
	if !s.CacheEnabled() {
		t.Error("the cache is off")
	}
	// Made-up query strings do not make copies of a page that reads none.
	before, _ := s.CacheSize()
	for i := range 30 {
		if p := get(t, srv, "/domaines/data?utm="+itoa(i)); p.status != 200 || p.body != bodies[0] {
			t.Fatalf("with a query string: %d", p.status)
		}
	}
	if after, _ := s.CacheSize(); after != before {
		t.Errorf("query strings filled the cache: %d values, then %d", before, after)
	}
	p := get(t, srv, "/domaines/inconnu")
	if p.status != 404 {
		t.Fatalf("unknown slug through the page cache: %d", p.status)
	}
	checkFrame(t, "/domaines/inconnu", p)
}

// TestPageCache_CancelledRequestNotKept: a visitor who leaves while a page is being made (its request context
// cancelled, so the database read fails and nothing is written) leaves nothing in the cache; the next visitor
// gets the whole page.
func TestPageCache_CancelledRequestNotKept(t *testing.T) {
	t.Parallel()
	_, portal := newWatchedServer(t, testdb.Seeded(t))
	h := portal.Handler()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	gone := httptest.NewRequest(http.MethodGet, "/partenaires", nil).WithContext(ctx)
	h.ServeHTTP(httptest.NewRecorder(), gone)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/partenaires", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "</html>") {
		t.Fatalf("after a cancelled request: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestPageCache_Compressed(t *testing.T) {
	t.Parallel()
	srv, _ := newWatchedServer(t, testdb.Seeded(t))
	for i := 0; i < 2; i++ { // the first render fills the cache, the second is served from it
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/partenaires", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatalf("response %d not gzip: %v", i, err)
		}
		b, err := io.ReadAll(zr)
		res.Body.Close()
		if err != nil || !strings.Contains(string(b), "Nos partenaires") || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
			t.Fatalf("response %d: %v, %d bytes", i, err, len(b))
		}
	}
}
