package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"html"
	"net/http"
	"slices"
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
	var hs headerSet
	h := copiedHeaders(w, &hs, p.header, p.contentType)
	if !p.modified.IsZero() {
		hs.add("Last-Modified", p.modified.UTC().Format(http.TimeFormat))
	}
	if p.etag != "" {
		hs.add("Etag", p.etag)
	}
	if p.notModified(r) {
		hs.setIn(h)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.body
	if p.gz != nil && static.AcceptsGzip(r) {
		hs.add("Content-Encoding", "gzip") // the compress middleware leaves encoded bodies alone
		body = p.gz
	}
	hs.add("Content-Length", strconv.Itoa(len(body)))
	hs.setIn(h)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// copiedHeaders sets the headers of an answer made from a cached copy: those the handler set (keptHeaders), and,
// into hs, its Content-Type, Vary (a copy is sent plain or gzipped) and, unless the handler set one, the
// portal's default cache policy.
func copiedHeaders(w http.ResponseWriter, hs *headerSet, kept http.Header, contentType string) http.Header {
	h := w.Header()
	for k, v := range kept {
		h[k] = v
	}
	hs.add("Content-Type", contentType)
	hs.add("Vary", "Accept-Encoding")
	if h.Get("Cache-Control") == "" {
		hs.add("Cache-Control", "private, no-cache")
	}
	return h
}

// headerSet gathers the headers of an answer (at most 8, canonical names) to set them with one allocation
// (setHeaders) instead of one per header.Set.
type headerSet struct {
	n             int
	names, values [8]string
}

// add is h.Set(name, value) once setIn runs; name must be in canonical form (CanonicalHeaderKey).
func (hs *headerSet) add(name, value string) {
	hs.names[hs.n], hs.values[hs.n] = name, value
	hs.n++
}

// setIn sets the gathered headers in h.
func (hs *headerSet) setIn(h http.Header) { setHeaders(h, hs.names[:hs.n], hs.values[:hs.n]) }

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

// pageCache serves catalogue pages from rendered HTML kept in the catalogue cache (so dropped by the same
// change notifications, per tags): the handler runs once per change instead of once per request. Anonymous
// visitors get the page gzipped once; signed-in visitors get the same page rendered once for every signed-in
// viewer, its per-user part (the header's account links: the name, the back-office link) filled in at each
// request (signedInPage). Pages with a flash message, and anything but a 200 go through as usual. The handler
// must read nothing of the user but through the layout's viewer: pages that show the user's own data use
// personalPageCache.
//
// key names the page: byPath for pages that ignore the query string (so that made-up query strings cannot
// fill the cache with copies), or the page's own canonical form of its query, with user-typed text folded
// (cache.FoldText) and the exact spelling after variantSep: the spellings of one query share one entry.
func (s *Server) pageCache(tags cache.Tag, key func(*http.Request) string) func(http.Handler) http.Handler {
	return s.cachedPages(tags, key, false)
}

// personalPageCache is pageCache for pages that show the signed-in user's own data (their enrolment on a
// module page, their progress on a track, their licence requests, "Mes formations"): a signed-in user's copy is
// theirs alone, kept under their data version (migration 00008) and dropped with their sessions when the
// database announces a change of the user (migration 00017), so it is never another user's page and never
// older than the user's own last action.
func (s *Server) personalPageCache(tags cache.Tag, key func(*http.Request) string) func(http.Handler) http.Handler {
	return s.cachedPages(tags, key, true)
}

func (s *Server) cachedPages(tags cache.Tag, key func(*http.Request) string, personal bool) func(http.Handler) http.Handler {
	// The route's pages: whole for anonymous visitors, cut at the viewer's name for signed-in ones.
	pages, signed := cache.NewKeys[preparedPage]("page:", tags), cache.NewKeys[splitPage]("spage", tags)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := templates.ViewerFrom(r.Context())
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) || v.Flash.Text != "" || !s.cache.Enabled() {
				next.ServeHTTP(w, r)
				return
			}
			k, variant, _ := strings.Cut(key(r), variantSep)
			if v.SignedIn {
				if personal && s.sessions.Exists(r.Context(), sessCalendarURL) {
					next.ServeHTTP(w, r) // a new calendar link, shown once ("Mes formations")
					return
				}
				s.signedInPage(w, r, next, signed, k, variant, personal)
				return
			}
			page, err := cache.LoadVariant(s.cache, pages.Of(k), variant, 0, func() (preparedPage, error) {
				rec, err := renderForCache(next, r, r.Context())
				if err != nil {
					return preparedPage{}, err
				}
				page := prepare(rec.Body.Bytes(), rec.Header().Get("Content-Type"), rec.Header().Get("ETag"))
				page.modified, _ = http.ParseTime(rec.Header().Get("Last-Modified"))
				page.header = keptHeadersOf(rec)
				return page, nil
			})
			if s.cachedPageFailed(w, r, err) {
				return
			}
			page.serve(w, r)
		})
	}
}

// renderForCache runs the handler for a GET of r's page into a recorder, with ctx; a page other than a
// non-empty 200 is errNotCacheable.
func renderForCache(next http.Handler, r *http.Request, ctx context.Context) (*pageRecorder, error) {
	rec := newPageRecorder()
	r2 := r.Clone(ctx)
	r2.Method = http.MethodGet
	r2.Header.Del("If-None-Match")
	r2.Header.Del("If-Modified-Since")
	next.ServeHTTP(rec, r2)
	if err := r.Context().Err(); err != nil {
		// The visitor went away while the page was being made: what was written, if anything, is not
		// the page (a waiting request makes it again).
		return nil, err
	}
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		return nil, errNotCacheable{rec}
	}
	return rec, nil
}

func keptHeadersOf(rec *pageRecorder) http.Header {
	var h http.Header
	for _, k := range keptHeaders {
		if v := rec.Header().Values(k); len(v) > 0 {
			if h == nil {
				h = http.Header{}
			}
			h[k] = slices.Clip(v) // shared by every answer: an Add to one of them must copy, not append in place
		}
	}
	return h
}

// cachedPageFailed answers a request whose page could not come from the cache: what the handler answered for
// this very request (an error page, a redirect), or the error's page. It reports whether it answered.
func (s *Server) cachedPageFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	if nc, ok := err.(errNotCacheable); ok {
		for k, vs := range nc.rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(nc.rec.Code)
		w.Write(nc.rec.Body.Bytes())
		return true
	}
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	return false
}

// viewerNameMark stands for the signed-in viewer's name in a page rendered once for every signed-in viewer:
// private-use characters that no text of the portal holds and HTML escaping leaves alone.
const viewerNameMark = "\uE000campus-viewer-name\uE001"

// signedInPage serves a signed-in request from the page rendered once for every signed-in viewer with the
// same role (or, when personal, for this user at their data version), the viewer's name written in at each
// request: a copy and an escape, no query, no render.
func (s *Server) signedInPage(w http.ResponseWriter, r *http.Request, next http.Handler, pages cache.Keys[splitPage], key, variant string, personal bool) {
	v := templates.ViewerFrom(r.Context())
	u, _ := CurrentUser(r)
	ck, owner, version := ":", int64(0), ""
	switch { // one copy per role: the header differs
	case v.Admin:
		ck = "-admin:"
	case v.Trainer:
		ck = "-trainer:"
	}
	if personal {
		owner = u.ID
		version = strconv.FormatInt(u.ID, 10) + "@" + strconv.FormatInt(u.DataVersion, 10) + ":"
	}
	page, err := cache.LoadVariant(s.cache, pages.Of3(ck, version, key), variant, owner, func() (splitPage, error) {
		ctx := templates.WithViewer(r.Context(), templates.Viewer{SignedIn: true, Admin: v.Admin, Trainer: v.Trainer, Name: viewerNameMark})
		rec, err := renderForCache(next, r, ctx)
		if err != nil {
			return splitPage{}, err
		}
		return newSplitPage(bytes.Clone(rec.Body.Bytes()), rec.Header().Get("Content-Type"), keptHeadersOf(rec)), nil
	})
	if s.cachedPageFailed(w, r, err) {
		return
	}
	name := []byte(html.EscapeString(v.Name))
	var hs headerSet
	h := copiedHeaders(w, &hs, page.header, page.contentType)
	etag := page.etag(name)
	hs.add("Etag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		hs.setIn(h)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if static.AcceptsGzip(r) {
		// The parts were compressed once: the gzip stream is spliced, not compressed (the compress middleware
		// leaves an encoded body alone).
		buf := buffers.Get().(*bytes.Buffer)
		buf.Reset()
		defer buffers.Put(buf)
		buf.Write(page.appendGzip(buf.AvailableBuffer(), name))
		hs.add("Content-Encoding", "gzip")
		hs.add("Content-Length", strconv.Itoa(buf.Len()))
		hs.setIn(h)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
		return
	}
	hs.add("Content-Length", strconv.Itoa(page.plainLen(name)))
	hs.setIn(h)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		page.writePlain(w, name)
	}
}

// byPath is the page cache key of pages that read no query string.
func byPath(r *http.Request) string { return r.URL.Path }

type errNotCacheable struct{ rec *pageRecorder }

func (e errNotCacheable) Error() string { return "page not cacheable" }

// pageRecorder is the ResponseWriter a handler renders a page into for the cache: the status, the headers and
// the body, as the server would have sent them (a body written without a status is a 200, its Content-Type
// sniffed when the handler set none, as net/http does).
type pageRecorder struct {
	header      http.Header
	Code        int
	Body        bytes.Buffer
	wroteHeader bool
}

func newPageRecorder() *pageRecorder {
	return &pageRecorder{header: http.Header{}, Code: http.StatusOK}
}

func (p *pageRecorder) Header() http.Header { return p.header }

func (p *pageRecorder) WriteHeader(code int) {
	if p.wroteHeader {
		return
	}
	p.Code, p.wroteHeader = code, true
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if !p.wroteHeader {
		if _, ok := p.header["Content-Type"]; !ok && p.header.Get("Transfer-Encoding") == "" {
			p.header.Set("Content-Type", http.DetectContentType(b))
		}
		p.WriteHeader(http.StatusOK)
	}
	return p.Body.Write(b)
}
