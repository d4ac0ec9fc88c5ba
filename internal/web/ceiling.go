package web

import (
	"net/http"
	"sync"
)

// ceiling serves, for `make bench` only (CAMPUS_BENCH_CEILING=true), the home page's bytes rendered once, as a
// static response through the same router and middleware (and, like a cached page, gzipped once for clients
// that ask for it): the best a dynamic page of that size could do.
func (s *Server) ceiling() http.HandlerFunc {
	var (
		once sync.Once
		page preparedPage
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			rec := newPageRecorder()
			r2 := r.Clone(r.Context())
			r2.Header.Del("If-None-Match")
			s.home(rec, r2)
			page = prepare(rec.Body.Bytes(), rec.Header().Get("Content-Type"), "")
		})
		page.serve(w, r)
	}
}
