package web

import (
	"errors"
	"net/http"

	"campus/internal/apperr"
)

// failSlug answers a public catalogue page whose slug was not found: when the slug is the old slug of an
// entity an admin renamed, a permanent redirect to its current page; otherwise the error page of err (404,
// 410 for archived content).
func (s *Server) failSlug(w http.ResponseWriter, r *http.Request, err error, entity, slug string) {
	if errors.Is(err, apperr.ErrNotFound) {
		if to, lookupErr := s.store.SlugRedirect(r.Context(), entity, slug); lookupErr == nil {
			if q := r.URL.RawQuery; q != "" {
				to += "?" + q
			}
			http.Redirect(w, r, to, http.StatusMovedPermanently)
			return
		} else if !errors.Is(lookupErr, apperr.ErrNotFound) {
			s.fail(w, r, lookupErr)
			return
		}
	}
	s.fail(w, r, err)
}
