package web

import (
	"context"
	"net/http"
	"sync"

	"campus/templates"
)

// ceiling serves, for `make bench` only (CAMPUS_BENCH_CEILING=true), the home page's bytes rendered once, as a
// static response through the same router and middleware (and, like a cached page, gzipped once for clients
// that ask for it): the best a dynamic page of that size could do. It is rendered as an anonymous visitor sees
// it, whoever asks first.
func (s *Server) ceiling() http.HandlerFunc {
	var (
		once sync.Once
		page preparedPage
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			rec := newPageRecorder()
			anonymous := templates.WithViewer(context.WithValue(r.Context(), userCtxKey{}, nil), templates.Viewer{})
			r2 := r.Clone(anonymous)
			r2.Header.Del("If-None-Match")
			s.home(rec, r2)
			page = prepare(rec.Body.Bytes(), rec.Header().Get("Content-Type"), "")
		})
		page.serve(w, r)
	}
}
