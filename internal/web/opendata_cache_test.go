package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"campus/internal/testdb"
)

// openDataFiles are every open data file the portal publishes.
var openDataFiles = []string{"/api/catalogue.json", "/api/catalogue.csv", "/api/lheo.xml", "/bilan/donnees.csv", "/bilan/donnees.json"}

func conditionalGet(t *testing.T, srv *httptest.Server, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip: the bytes as sent
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestOpenData_ConditionalRequests: every open data file carries an ETag and a Last-Modified, the same from one
// request to the next while nothing changed (as `serve` runs, with the cache on), answers 304 without a body to
// If-None-Match with its tag or If-Modified-Since its date, and keeps its headers (licence of reuse from other
// sites, file name) when served from the cache.
func TestOpenData_ConditionalRequests(t *testing.T) {
	t.Parallel()
	srv, _ := newWatchedServer(t, testdb.NewSeeded(t, "donnees_conditionnelles", 4)) // nothing may change meanwhile
	for _, path := range openDataFiles {
		t.Run(path, func(t *testing.T) {
			first, body := conditionalGet(t, srv, path, nil)
			etag, modified := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
			if first.StatusCode != http.StatusOK || len(body) == 0 || etag == "" || modified == "" {
				t.Fatalf("first GET: %d, %d bytes, ETag %q, Last-Modified %q", first.StatusCode, len(body), etag, modified)
			}
			if _, err := http.ParseTime(modified); err != nil {
				t.Fatalf("Last-Modified %q: %v", modified, err)
			}
			second, body2 := conditionalGet(t, srv, path, nil)
			if second.Header.Get("ETag") != etag || second.Header.Get("Last-Modified") != modified || string(body2) != string(body) {
				t.Errorf("second GET: ETag %q Last-Modified %q, want %q %q (same bytes: %v)", second.Header.Get("ETag"),
					second.Header.Get("Last-Modified"), etag, modified, string(body2) == string(body))
			}
			for _, h := range []string{"Access-Control-Allow-Origin", "Cache-Control"} {
				if second.Header.Get(h) != first.Header.Get(h) || first.Header.Get(h) == "" {
					t.Errorf("%s: %q then %q", h, first.Header.Get(h), second.Header.Get(h))
				}
			}
			if second.Header.Get("Content-Disposition") != first.Header.Get("Content-Disposition") {
				t.Errorf("Content-Disposition: %q then %q", first.Header.Get("Content-Disposition"), second.Header.Get("Content-Disposition"))
			}
			for name, h := range map[string]map[string]string{
				"If-None-Match":     {"If-None-Match": etag},
				"If-Modified-Since": {"If-Modified-Since": modified},
			} {
				res, b := conditionalGet(t, srv, path, h)
				if res.StatusCode != http.StatusNotModified || len(b) != 0 || res.Header.Get("ETag") != etag {
					t.Errorf("%s: %d with %d bytes, ETag %q", name, res.StatusCode, len(b), res.Header.Get("ETag"))
				}
			}
			// Another tag (the client holds an older file), or an older date: the whole file.
			res, b := conditionalGet(t, srv, path, map[string]string{"If-None-Match": `W/"autre"`, "If-Modified-Since": modified})
			if res.StatusCode != http.StatusOK || string(b) != string(body) {
				t.Errorf("another tag: %d with %d bytes (If-None-Match takes precedence over If-Modified-Since)", res.StatusCode, len(b))
			}
			res, b = conditionalGet(t, srv, path, map[string]string{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
			if res.StatusCode != http.StatusOK || len(b) == 0 {
				t.Errorf("an older date: %d with %d bytes", res.StatusCode, len(b))
			}
		})
	}
}

// TestOpenData_ConditionalWithoutCache: without the cache (a signed-in visitor, or the change feed down), the
// handlers themselves tag the files and answer 304.
func TestOpenData_ConditionalWithoutCache(t *testing.T) {
	t.Parallel()
	srv := newServer(t, testdb.NewSeeded(t, "donnees_sans_cache", 4))
	for _, path := range []string{"/api/catalogue.csv", "/api/lheo.xml"} { // their bytes do not hold the time they were made
		first, _ := conditionalGet(t, srv, path, nil)
		res, b := conditionalGet(t, srv, path, map[string]string{"If-None-Match": first.Header.Get("ETag")})
		if first.Header.Get("ETag") == "" || res.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("%s: ETag %q, then %d with %d bytes", path, first.Header.Get("ETag"), res.StatusCode, len(b))
		}
	}
}
