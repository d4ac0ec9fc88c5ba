package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/templates"
)

// SessionCookieName is the name of the session cookie: __Host-campus_session when cookies are Secure (the
// prefix makes browsers refuse it unless it is Secure, for the whole site, and set by the portal's own host, so
// a neighbouring subdomain cannot plant or override it), campus_session on plain-http local runs.
func SessionCookieName(secure bool) string {
	if secure {
		return sessionCookieSecure
	}
	return sessionCookiePlain
}

// The session cookie's two names (SessionCookieName), constants so that the variant's names
// (SessionVariantCookieName, read on every request) are made once, at compile time.
const (
	sessionCookieSecure = "__Host-campus_session"
	sessionCookiePlain  = "campus_session"
)

// Session keys.
const (
	sessUser      = postgres.SessionUserKey // int64
	sessEpoch     = "epoch"                 // int: the user's session epoch at sign-in
	sessFlashKind = "flash_kind"
	sessFlashText = "flash"
	sessState     = "proconnect_state"
	sessNonce     = "proconnect_nonce"
	sessNext      = "proconnect_next"
	sessVerifier  = "proconnect_verifier" // the PKCE code verifier of the flow under way
	sessIDToken   = "proconnect_id_token"
	sessPCAt      = "proconnect_at" // int64: Unix time of this session's last ProConnect sign-in
	sessSentTo    = "sent_to"       // the address a sign-up or reset mail was sent to, for the next page
)

// newSessions builds the scs manager: sessions in Postgres with their owner, cookie SessionCookieName (Path=/,
// no Domain), HttpOnly, SameSite=Lax (Strict would drop the cookie on the ProConnect callback), Secure unless
// configured off for plain-http local runs, idle and absolute lifetimes. An error of the session store (the
// database unreachable) gets the French error page (serverError: 503 with Retry-After), never scs's plain-text
// default.
func (s *Server) newSessions() *scs.SessionManager {
	sm := scs.New()
	sm.Codec = sessionCodec{} // sessioncodec.go
	store := s.store.SessionStore(sm.Codec)
	store.UseCache(s.cache) // signed-in sessions in memory, dropped by the change feed (watch.go)
	sm.Store = store
	sm.Lifetime = s.cfg.SessionLifetime
	sm.IdleTimeout = s.cfg.SessionIdle
	sm.Cookie.Name = SessionCookieName(s.cfg.CookieSecure)
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = s.cfg.CookieSecure
	sm.Cookie.Path = "/"
	sm.Cookie.Domain = ""
	sm.Cookie.Persist = false // a browser session cookie; the server enforces both lifetimes
	sm.ErrorFunc = s.sessionError
	return sm
}

// loadSession is scs's LoadAndSave behind a writer that ends the response once the session's error page is
// written: scs saves a modified session when the handler starts its response, and calls ErrorFunc on the
// same writer if that fails, after which the handler would go on writing its own status and body.
func (s *Server) loadSession(next http.Handler) http.Handler {
	load := s.sessions.LoadAndSave(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		load.ServeHTTP(&sessionWriter{ResponseWriter: w}, r)
	})
}

// sessionError is the session manager's ErrorFunc.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	s.serverError(w, r, err)
	if sw, ok := w.(*sessionWriter); ok {
		sw.closed = true
	}
}

// sessionWriter drops what is written after the session's error page.
type sessionWriter struct {
	http.ResponseWriter
	closed bool
}

func (w *sessionWriter) WriteHeader(code int) {
	if !w.closed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *sessionWriter) Write(b []byte) (int, error) {
	if w.closed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sessionMemo lets the session store skip writing back a session the request did not change (it still writes
// when the idle expiry has moved by a minute or more): see postgres.SessionStore.CommitCtx. It also hands the
// store the browser's session variant (the cookie SessionVariantCookieName), and gives the browser a new variant
// with the answer to every state-changing request: the store keeps signed-in sessions in memory under token
// and variant, so the request after a user's own action (an enrolment, a sign-out, a flash message) reads the
// session and the user afresh, on whatever instance it lands (postgres.SessionStore.UseCache).
func (s *Server) sessionMemo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		variant := ""
		if c, err := r.Cookie(SessionVariantCookieName(s.cfg.CookieSecure)); err == nil {
			variant = c.Value
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			b := make([]byte, 9)
			rand.Read(b)
			http.SetCookie(w, &http.Cookie{Name: SessionVariantCookieName(s.cfg.CookieSecure), Value: base64.RawURLEncoding.EncodeToString(b),
				Path: "/", HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
		}
		next.ServeHTTP(w, r.WithContext(postgres.WithSessionMemo(r.Context(), variant)))
	})
}

// SessionVariantCookieName is the cookie that changes with every state-changing request of a browser
// (sessionMemo): the session cookie's name with "_v" (constants: it is read on every request).
func SessionVariantCookieName(secure bool) string {
	if secure {
		return sessionCookieSecure + "_v"
	}
	return sessionCookiePlain + "_v"
}

type userCtxKey struct{}

// CurrentUser returns the signed-in user of a request, if any. Every handler behind the session middleware
// may call it; it costs nothing (loaded once per request).
func CurrentUser(r *http.Request) (account.User, bool) {
	u, ok := r.Context().Value(userCtxKey{}).(account.User)
	return u, ok
}

// loadUser puts the signed-in user (if any) and the layout's viewer in the request context. A session whose
// user was deleted, or whose epoch is older than the user's (signed out everywhere, password reset), is
// emptied.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v := templates.Viewer{}
		if id := s.sessions.GetInt64(ctx, sessUser); id != 0 {
			// The user was read with the session, in one query (postgres.SessionStore.FindCtx).
			u, ok := postgres.SessionUser(ctx)
			var err error
			if !ok || u.ID != id {
				u, err = s.store.UserByID(ctx, id)
			}
			switch {
			case errors.Is(err, apperr.ErrNotFound) || (err == nil && u.SessionEpoch != s.sessions.GetInt(ctx, sessEpoch)):
				s.forget(ctx)
			case err != nil:
				s.serverError(w, r, err)
				return
			default:
				ctx = context.WithValue(ctx, userCtxKey{}, u)
				v = templates.Viewer{SignedIn: true, Name: u.DisplayName(), Admin: u.Has(account.RoleAdmin), Trainer: u.Role == account.RoleTrainer}
			}
		}
		// The flash is for the page the previous action redirected to: a GET.
		if r.Method == http.MethodGet && s.sessions.Exists(ctx, sessFlashText) {
			v.Flash = templates.Flash{Kind: s.sessions.PopString(ctx, sessFlashKind), Text: s.sessions.PopString(ctx, sessFlashText)}
		}
		next.ServeHTTP(w, r.WithContext(templates.WithViewer(ctx, v)))
	})
}

// flash leaves a message for the next page.
func (s *Server) flash(r *http.Request, kind, text string) {
	s.sessions.Put(r.Context(), sessFlashKind, kind)
	s.sessions.Put(r.Context(), sessFlashText, text)
}

// signIn starts an authenticated session: a new token (against session fixation), the user and their
// session epoch.
func (s *Server) signIn(r *http.Request, u account.User) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Remove(ctx, sessIDToken)
	s.sessions.Remove(ctx, sessPCAt)
	s.sessions.Put(ctx, sessUser, u.ID)
	s.sessions.Put(ctx, sessEpoch, u.SessionEpoch)
	return s.store.RecordLogin(ctx, u.ID)
}

// signOut ends the authentication of the session under a new token; the session itself stays (for the
// flash message).
func (s *Server) signOut(r *http.Request) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.forget(r.Context())
	return nil
}

func (s *Server) forget(ctx context.Context) {
	for _, k := range []string{sessUser, sessEpoch, sessIDToken, sessPCAt, sessState, sessNonce, sessNext, sessVerifier} {
		s.sessions.Remove(ctx, k)
	}
}

// freshProConnect reports whether this session signed in with ProConnect less than CAMPUS_REAUTH_WINDOW ago
// (10 minutes): for an account without a password, that stands in for the password before a sensitive change.
func (s *Server) freshProConnect(ctx context.Context) bool {
	at := s.sessions.GetInt64(ctx, sessPCAt)
	return at > 0 && time.Since(time.Unix(at, 0)) < s.cfg.ReauthWindow
}

// loginURL is the sign-in page that brings the user back to the request's page afterwards.
func loginURL(r *http.Request) string {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = r.Referer()
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	if next = safeNext(next); next == "" || next == "/" {
		return "/connexion"
	}
	return "/connexion?suivant=" + url.QueryEscape(next)
}

// requireUser lets signed-in users through and sends anonymous visitors to the sign-in page.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := CurrentUser(r); !ok {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// requireRole lets through the users whose role grants role (an admin has every role); anonymous visitors
// go to the sign-in page, other users get 403.
func (s *Server) requireRole(role string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return s.requireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, _ := CurrentUser(r); !u.Has(role) {
				s.renderError(w, r, http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		}))
	}
}

// Routes returns the router built by Handler (nil before Handler is called), so that tests can walk every
// registered route.
func (s *Server) Routes() chi.Routes { return s.routes }

// flashTo leaves a message for the page it redirects to (303, after a POST).
func (s *Server) flashTo(w http.ResponseWriter, r *http.Request, to, kind, text string) {
	s.flash(r, kind, text)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refusedTo ends a POST whose change was refused, back on page to with the refusal as an error notice, or that
// failed; it reports whether it did (err not nil), so that the handler goes on only after a change.
func (s *Server) refusedTo(w http.ResponseWriter, r *http.Request, to string, err error) bool {
	ref, err := refused(err)
	switch {
	case ref != nil:
		s.flashTo(w, r, to, "error", ref.Message)
	case err != nil:
		s.fail(w, r, err)
	default:
		return false
	}
	return true
}
