package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"campus/internal/cache"
	"campus/templates"
)

// nonceMark stands for the CSP nonce in a cached page; each response gets its own nonce in its place.
const nonceMark = "campus-nonce-a3f9c1e7d2b8"

// cachedPage is a rendered page kept for anonymous visitors.
type cachedPage struct {
	parts       [][]byte // the page split where the nonce goes
	etag        string
	contentType string
}

// pageCache serves catalogue pages to anonymous visitors from rendered HTML kept in the catalogue cache (so
// dropped by the same change notifications, per tags): the handler runs once per change instead of once per
// request. Signed-in visitors, pages with a flash message, and anything but a 200 go through as usual.
func (s *Server) pageCache(tags cache.Tag) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := templates.ViewerFrom(r.Context())
			if r.Method != http.MethodGet || v.SignedIn || v.Flash.Text != "" || !s.cache.Enabled() {
				next.ServeHTTP(w, r)
				return
			}
			key := "page:" + r.URL.RequestURI()
			// templ keeps the nonce in a value shared by derived contexts: remember it, and put it back after
			// rendering with the placeholder.
			nonce := []byte(templ.GetNonce(r.Context()))
			page, err := cache.Load(s.cache, key, tags, func() (cachedPage, error) {
				rec := httptest.NewRecorder()
				r2 := r.WithContext(templ.WithNonce(r.Context(), nonceMark))
				r2.Header = r.Header.Clone()
				r2.Header.Del("If-None-Match")
				next.ServeHTTP(rec, r2)
				templ.WithNonce(r.Context(), string(nonce))
				if rec.Code != http.StatusOK {
					return cachedPage{}, errNotCacheable{rec}
				}
				return cachedPage{parts: bytes.Split(rec.Body.Bytes(), []byte(nonceMark)), etag: rec.Header().Get("ETag"), contentType: rec.Header().Get("Content-Type")}, nil
			})
			if nc, ok := err.(errNotCacheable); ok {
				// Replay what the handler answered (an error page, a redirect): it was rendered for this request
				// except for the nonce.
				for k, vs := range nc.rec.Header() {
					w.Header()[k] = vs
				}
				w.WriteHeader(nc.rec.Code)
				w.Write(bytes.ReplaceAll(nc.rec.Body.Bytes(), []byte(nonceMark), nonce))
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			h := w.Header()
			h.Set("Content-Type", page.contentType)
			h.Set("Cache-Control", "private, no-cache")
			if page.etag != "" {
				h.Set("ETag", page.etag)
				if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, page.etag) {
					h.Del("Content-Security-Policy")
					w.WriteHeader(http.StatusNotModified)
					return
				}
			}
			n := len(nonce) * (len(page.parts) - 1)
			for _, p := range page.parts {
				n += len(p)
			}
			h.Set("Content-Length", strconv.Itoa(n))
			w.WriteHeader(http.StatusOK)
			for i, p := range page.parts {
				if i > 0 {
					w.Write(nonce)
				}
				w.Write(p)
			}
		})
	}
}

type errNotCacheable struct{ rec *httptest.ResponseRecorder }

func (e errNotCacheable) Error() string { return "page not cacheable" }
