package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"campus/internal/cache"
	"campus/static"
	"campus/templates"
)

// preparedPage is a response body made once and served many times: its bytes, the same bytes gzipped once,
// its tag, when it was made (Last-Modified, when known) and the headers of its kind of file (keptHeaders).
type preparedPage struct {
	body, gz    []byte
	etag        string
	contentType string
	modified    time.Time
	header      http.Header
}

// keptHeaders are the headers of a handler's answer that a cached copy repeats: those of the open data files
// (cache policy, cross-origin reading, file name). Nothing per visitor.
var keptHeaders = []string{"Cache-Control", "Access-Control-Allow-Origin", "Content-Disposition"}

// Size is what the page holds in memory (cache.Sizer).
func (p preparedPage) Size() int { return len(p.body) + len(p.gz) + 256 }

// prepare gzips body once (at the best level: it is paid once per change, not per request).
func prepare(body []byte, contentType, etag string) preparedPage {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	p := preparedPage{body: body, contentType: contentType, etag: etag}
	if buf.Len() < len(body) {
		p.gz = buf.Bytes()
	}
	return p
}

// serve writes the page: 304 when the client holds it (If-None-Match, or else If-Modified-Since), else the gzipped bytes to clients that accept gzip
// and the plain bytes to the others; no work but the copy.
func (p preparedPage) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	h.Set("Content-Type", p.contentType)
	h.Set("Vary", "Accept-Encoding")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-cache")
	}
	if !p.modified.IsZero() {
		h.Set("Last-Modified", p.modified.UTC().Format(http.TimeFormat))
	}
	if p.etag != "" {
		h.Set("ETag", p.etag)
	}
	if p.notModified(r) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.body
	if p.gz != nil && static.AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip") // the compress middleware leaves encoded bodies alone
		body = p.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// notModified reports whether the client holds the page: If-None-Match names its tag, or, without
// If-None-Match (which takes precedence, RFC 9110 13.2.2), If-Modified-Since is not older than when it was made.
func (p preparedPage) notModified(r *http.Request) bool {
	if match := r.Header.Get("If-None-Match"); match != "" {
		return p.etag != "" && strings.Contains(match, p.etag)
	}
	if p.modified.IsZero() {
		return false
	}
	since, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !p.modified.Truncate(time.Second).After(since)
}

// pageCache serves catalogue pages to anonymous visitors from rendered HTML kept in the catalogue cache (so
// dropped by the same change notifications, per tags), gzipped once: the handler runs once per change instead
// of once per request. Signed-in visitors, pages with a flash message, and anything but a 200 go through as
// usual.
//
// key names the page: byPath for pages that ignore the query string (so that made-up query strings cannot
// fill the cache with copies), or the page's own canonical form of its query.
func (s *Server) pageCache(tags cache.Tag, key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := templates.ViewerFrom(r.Context())
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) || v.SignedIn || v.Flash.Text != "" || !s.cache.Enabled() {
				next.ServeHTTP(w, r)
				return
			}
			page, err := cache.Load(s.cache, "page:"+key(r), tags, func() (preparedPage, error) {
				rec := httptest.NewRecorder()
				r2 := r.Clone(r.Context())
				r2.Method = http.MethodGet
				r2.Header.Del("If-None-Match")
				r2.Header.Del("If-Modified-Since")
				next.ServeHTTP(rec, r2)
				if err := r.Context().Err(); err != nil {
					// The visitor went away while the page was being made: what was written, if anything, is not
					// the page (a waiting request makes it again).
					return preparedPage{}, err
				}
				if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
					return preparedPage{}, errNotCacheable{rec}
				}
				page := prepare(rec.Body.Bytes(), rec.Header().Get("Content-Type"), rec.Header().Get("ETag"))
				page.modified, _ = http.ParseTime(rec.Header().Get("Last-Modified"))
				for _, k := range keptHeaders {
					if v := rec.Header().Values(k); len(v) > 0 {
						if page.header == nil {
							page.header = http.Header{}
						}
						page.header[k] = v
					}
				}
				return page, nil
			})
			if nc, ok := err.(errNotCacheable); ok {
				// Replay what the handler answered for this very request (an error page, a redirect).
				for k, vs := range nc.rec.Header() {
					w.Header()[k] = vs
				}
				w.WriteHeader(nc.rec.Code)
				w.Write(nc.rec.Body.Bytes())
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			page.serve(w, r)
		})
	}
}

// byPath is the page cache key of pages that read no query string.
func byPath(r *http.Request) string { return r.URL.Path }

type errNotCacheable struct{ rec *httptest.ResponseRecorder }

func (e errNotCacheable) Error() string { return "page not cacheable" }
