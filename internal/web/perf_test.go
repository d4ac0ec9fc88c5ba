package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// searchKey's shortcut for a request without a query gives the key the parsing gives for no parameters ("&"
// holds none).
func TestSearchKeyWithoutQuery(t *testing.T) {
	for _, path := range []string{"/catalogue", "/api/catalogue.json", "/api/catalogue.csv"} {
		if got, want := searchKey(httptest.NewRequest("GET", path, nil)), searchKey(httptest.NewRequest("GET", path+"?&", nil)); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

// SessionVariantCookieName is the session cookie's name with "_v".
func TestSessionVariantCookieName(t *testing.T) {
	for _, secure := range []bool{false, true} {
		if got, want := SessionVariantCookieName(secure), SessionCookieName(secure)+"_v"; got != want {
			t.Errorf("secure %v: %q, want %q", secure, got, want)
		}
	}
}

// setHeaders takes names in canonical form, as Header.Set would make them.
func TestSecurityHeaderNamesCanonical(t *testing.T) {
	for _, k := range append(append(securityHeaderNames[:], privateLinkHeaderNames[:]...), "Strict-Transport-Security", "Etag", "Last-Modified",
		"Content-Type", "Content-Encoding", "Content-Length", "Cache-Control", "Vary") {
		if c := http.CanonicalHeaderKey(k); c != k {
			t.Errorf("%q is not canonical (%q)", k, c)
		}
	}
}
