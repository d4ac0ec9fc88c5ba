package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"campus/internal/metrics"
)

// requestID gives each request an id, put in its context (middleware.GetReqID), its logs and the
// X-Request-Id response header. An incoming X-Request-Id (from a proxy in front) is kept only when it is short
// and made of safe characters; anything else is replaced, so that no client writes what it likes in the logs.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if !safeRequestID(id) {
			b := make([]byte, 0, 32) // on the stack: one allocation, the string
			id = string(strconv.AppendUint(append(b, requestIDPrefix...), requestIDCounter.Add(1), 36))
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

// requestIDPrefix makes the ids of this process unlikely to meet another instance's: random, drawn at start.
var requestIDPrefix = func() string {
	b := make([]byte, 6)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b) + "-"
}()

var requestIDCounter atomic.Uint64

// safeRequestID accepts 1 to 64 letters, digits, '.', '_' and '-'.
func safeRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// routePattern is the route the request matched, e.g. /calendrier/{token}.ics: what the logs show instead of
// the path, which may carry a secret (a calendar feed's token, a single-use link). "-" when no route matched.
func routePattern(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil {
		if p := rctx.RoutePattern(); p != "" {
			return p
		}
	}
	return "-"
}

// requestAttrs are what every log line about a request carries: its id, method, route pattern (never the
// path) and the client's address (from CAMPUS_CLIENT_IP_HEADER when set).
func (s *Server) requestAttrs(r *http.Request, more ...slog.Attr) []slog.Attr {
	return append([]slog.Attr{slog.String("id", middleware.GetReqID(r.Context())), slog.String("method", r.Method),
		slog.String("route", routePattern(r)), slog.String("client", s.clientIP(r))}, more...)
}

// accessLog logs one line per request with its id, route, client, status, size and duration; 5xx at error
// level, health checks at debug level.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if s.draining.Load() { // stopping: let no proxy keep this connection (metrics.go, Drain)
			w.Header().Set("Connection", "close")
		}
		metrics.RequestStarted()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		level := slog.LevelInfo
		route := routePattern(r)
		metrics.RequestDone(route, r.Method, ww.Status(), time.Since(start))
		switch {
		case ww.Status() >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz":
			level = slog.LevelDebug
		}
		if !s.log.Enabled(r.Context(), level) {
			return
		}
		s.log.LogAttrs(r.Context(), level, "request", s.requestAttrs(r, slog.Int("status", ww.Status()),
			slog.Int("bytes", ww.BytesWritten()), slog.Duration("duration", time.Since(start)))...)
	})
}

// recoverPanic turns a panic into a logged error and a clean 500 page.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(r.Context(), slog.LevelError, "panic", s.requestAttrs(r, slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())))...)
				s.renderError(w, r, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// rejectBadPaths answers 404 before routing to a path that cannot be one of the portal's (invalid UTF-8, a NUL
// or another control character), so that no handler ever passes such bytes to a query.
func (s *Server) rejectBadPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validPath(r.URL.Path) {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// canonicalSlashes redirects a path with trailing slashes to the same path without them, query kept: 301 for
// GET and HEAD, 308 (method kept) for the others. "/" stays; leading slashes collapse into one, so the target
// is never another host ("//example.org/").
func canonicalSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && p[len(p)-1] == '/' {
			target := "/" + strings.Trim(r.URL.EscapedPath(), "/")
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			code := http.StatusMovedPermanently
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				code = http.StatusPermanentRedirect
			}
			http.Redirect(w, r, target, code)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests from another origin (Sec-Fetch-Site / Origin checks, net/http's
// CrossOriginProtection) with the French 403 page; it runs after securityHeaders, so the refusal carries the CSP
// and the other headers like every page.
func (s *Server) crossOrigin() func(http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderErrorView(w, r, http.StatusForbidden, crossOriginRefusal)
	}))
	return p.Handler
}

// contentSecurityPolicy allows scripts, styles, images and fonts from the portal itself only: no inline script
// (the theme script is a file, static/js/theme.js), so a page holds nothing per request and the same bytes can
// be cached and compressed once (pagecache.go).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the CSP and the other protective headers.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	names, values := securityHeaderNames[:], securityHeaderValues[:]
	if s.cfg.BaseURL.Scheme == "https" {
		names = append(names, "Strict-Transport-Security")
		values = append(values, "max-age=63072000; includeSubDomains")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), names, values)
		next.ServeHTTP(w, r)
	})
}

// privateLink is the middleware of the routes whose URL holds a credential, a single-use link's token (its
// pattern has {token}): the answer is neither stored nor indexed and sends no referrer, and its page
// (Server.page) has no canonical link, link preview nor breadcrumb URL, which would repeat the token. The access
// log names the route pattern, never the path.
func privateLink(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), privateLinkHeaderNames[:], privateLinkHeaderValues[:])
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), privateLinkKey{}, true)))
	})
}

type privateLinkKey struct{}

var (
	privateLinkHeaderNames  = [...]string{"Cache-Control", "Referrer-Policy", "X-Robots-Tag"}
	privateLinkHeaderValues = [...]string{"no-store", "no-referrer", "noindex, nofollow"}
)

// securityHeaderNames and securityHeaderValues are the headers every answer carries (securityHeaders), names in
// canonical form.
var (
	securityHeaderNames = [...]string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
		"X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"}
	securityHeaderValues = [...]string{contentSecurityPolicy, "nosniff", "strict-origin-when-cross-origin",
		"DENY", "same-origin", "camera=(), microphone=(), geolocation=(), interest-cohort=()"}
)

// setHeaders is h.Set(names[i], values[i]) for each i, names in canonical form, with one allocation instead of
// one per header: each header gets its own one-element slice (capacity 1, so that a later Add copies rather
// than writes into its neighbour) of a single array copied from values.
func setHeaders(h http.Header, names, values []string) {
	vs := slices.Clone(values)
	for i, k := range names {
		h[k] = vs[i : i+1 : i+1]
	}
}
