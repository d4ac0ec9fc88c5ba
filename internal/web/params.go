package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/input"
)

// What a URL carries is read here, checked before it reaches a query: PostgreSQL refuses a NUL byte or invalid
// UTF-8 in a text parameter with an error, which would otherwise be a 500 (and an error in the logs) that anyone
// could provoke.

// slugParam reads the {slug} of the route. Anything that cannot be a slug (see input.ValidSlug) is
// apperr.ErrNotFound, like an unknown slug.
func slugParam(r *http.Request) (string, error) {
	slug := chi.URLParam(r, "slug")
	if !input.ValidSlug(slug) {
		return "", apperr.ErrNotFound
	}
	return slug, nil
}

// idParam reads a numeric parameter of the route (name is "id" for {id}): a positive decimal number that
// fits a bigint (input.ID). Anything else is apperr.ErrNotFound, like an unknown id: every handler reads its
// ids here, so that "/x/abc", "/x/0" or "/x/99999999999999999999" answer 404 before any query.
func idParam(r *http.Request, name string) (int64, error) {
	id := input.ID(chi.URLParam(r, name))
	if id == 0 {
		return 0, apperr.ErrNotFound
	}
	return id, nil
}

// pagedTitle is the title of a list's page: "Modules", then "Modules, page 2".
func pagedTitle(title string, page int) string {
	if page > 1 {
		return title + ", page " + strconv.Itoa(page)
	}
	return title
}

// adminPageNumber reads the page of a list (?page=): 1 when absent or not a positive number.
func adminPageNumber(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// queryID reads an id of the query string (a filter: ?auteur=12): 0 when absent or not one (see input.ID).
func queryID(q url.Values, name string) int64 { return input.ID(q.Get(name)) }

// queryText reads a free-text parameter of the query string (a search, a filter): trimmed, without control
// characters (NUL included) or invalid UTF-8, at most max bytes (cut on a character boundary). Filters are
// forgiving: bad bytes are dropped, never an error.
func queryText(q url.Values, name string, max int) string {
	v := cleanText(q.Get(name))
	if len(v) > max {
		v = v[:max]
		for len(v) > 0 && !utf8.ValidString(v) {
			v = v[:len(v)-1]
		}
	}
	return strings.TrimSpace(v)
}

// cleanText drops the invalid UTF-8 and the control characters of s.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// validPath reports whether a request's (decoded) path can be one of the portal's: valid UTF-8 without control
// characters. rejectBadPaths answers 404 to the others before routing.
func validPath(p string) bool {
	return utf8.ValidString(p) && !strings.ContainsFunc(p, unicode.IsControl)
}

// pathID reads the {id} of the URL; a malformed one ends the request (404) and gives false.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return 0, false
	}
	return id, true
}

// postedID reads the {id} of a POST's URL like pathID, then its form (readForm).
func (s *Server) postedID(w http.ResponseWriter, r *http.Request) (int64, *Form, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return 0, nil, false
	}
	return id, s.readForm(w, r), true
}
