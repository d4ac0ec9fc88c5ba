package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
)

// routed is a context whose route has the parameter name set to value, as chi sets it.
func routed(name, value string) context.Context {
	rc := chi.NewRouteContext()
	rc.URLParams.Add(name, value)
	return context.WithValue(context.Background(), chi.RouteCtxKey, rc)
}

// TestRouteParams: what cannot be an id or a slug is apperr.ErrNotFound (a 404 through fail) before any query.
func TestRouteParams(t *testing.T) {
	for value, want := range map[string]int64{"1": 1, "42": 42, "9223372036854775807": 1<<63 - 1,
		"0": 0, "-1": 0, "abc": 0, "": 0, "1.5": 0, "9223372036854775808": 0, "1\x00": 0, "%FF": 0, " 1": 0} {
		r := httptest.NewRequest("GET", "/", nil).WithContext(routed("id", value))
		id, err := idParam(r, "id")
		if want == 0 && !errors.Is(err, apperr.ErrNotFound) || want != 0 && (err != nil || id != want) {
			t.Errorf("idParam(%q) = %d, %v; want %d", value, id, err, want)
		}
	}
	for value, ok := range map[string]bool{"securite": true, "a-1": true, strings.Repeat("a", 100): true,
		"": false, "Securite": false, "sécurité": false, "a--b": false, "a\x00": false, "\xff": false, strings.Repeat("a", 101): false} {
		r := httptest.NewRequest("GET", "/", nil).WithContext(routed("slug", value))
		slug, err := slugParam(r)
		if ok != (err == nil) || !ok && !errors.Is(err, apperr.ErrNotFound) || ok && slug != value {
			t.Errorf("slugParam(%q) = %q, %v", value, slug, err)
		}
	}
}

func TestQueryParams(t *testing.T) {
	for raw, want := range map[string]int{"": 1, "page=3": 3, "page=0": 1, "page=-2": 1, "page=x": 1, "page=99999999999999999999": 1} {
		q, _ := url.ParseQuery(raw)
		if got := adminPageNumber(q); got != want {
			t.Errorf("adminPageNumber(%q) = %d, want %d", raw, got, want)
		}
	}
	for raw, want := range map[string]int64{"auteur=12": 12, "auteur=0": 0, "auteur=abc": 0, "": 0, "auteur=%00": 0} {
		q, _ := url.ParseQuery(raw)
		if got := queryID(q, "auteur"); got != want {
			t.Errorf("queryID(%q) = %d, want %d", raw, got, want)
		}
	}
}
