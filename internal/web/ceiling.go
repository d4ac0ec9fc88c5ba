package web

import (
	"net/http"
	"net/http/httptest"
	"sync"
)

// ceiling serves, for `make bench` only (CAMPUS_BENCH_CEILING=true), the home page's bytes rendered once, as a
// static response through the same router and middleware: the best a dynamic page of that size could do.
func (s *Server) ceiling() http.HandlerFunc {
	var (
		once sync.Once
		body []byte
		ct   string
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			rec := httptest.NewRecorder()
			s.home(rec, r.Clone(r.Context()))
			body, ct = rec.Body.Bytes(), rec.Header().Get("Content-Type")
		})
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	}
}
