package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"campus/internal/postgres"
	"campus/internal/proconnect"
	"campus/templates"
)

func randomString() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newProConnect(s *Server) *proconnect.Client {
	p := s.cfg.ProConnect
	if !p.Enabled() {
		return nil
	}
	return proconnect.New(proconnect.Config{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: s.link("/proconnect/retour")})
}

// proConnectFailed shows the sign-in page again with a message about ProConnect.
func (s *Server) proConnectFailed(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := s.loginView(r, templates.FormState{Message: msg}, "")
	v.Page.Title = "Erreur ProConnect - Connexion"
	s.render(w, r, status, templates.Login(v))
}

// proConnectStart sends the browser to ProConnect with a fresh state and nonce kept in the session.
func (s *Server) proConnectStart(w http.ResponseWriter, r *http.Request) {
	if s.proconnect == nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	state, nonce, verifier := randomString(), randomString(), proconnect.NewVerifier()
	target, err := s.proconnect.AuthURL(r.Context(), state, nonce, verifier)
	if err != nil {
		s.log.Error("proconnect: authorize URL", "err", err)
		s.proConnectFailed(w, r, http.StatusServiceUnavailable,
			"ProConnect est momentanément indisponible. Réessayez dans quelques minutes ou connectez-vous avec votre adresse électronique.")
		return
	}
	ctx := r.Context()
	s.sessions.Put(ctx, sessState, state)
	s.sessions.Put(ctx, sessNonce, nonce)
	s.sessions.Put(ctx, sessVerifier, verifier)
	s.sessions.Put(ctx, sessNext, safeNext(f.Hidden("suivant")))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// proConnectCallback checks the state, trades the code, verifies the tokens, then signs in the linked
// (or new) account.
func (s *Server) proConnectCallback(w http.ResponseWriter, r *http.Request) {
	if s.proconnect == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	state, nonce, next := s.sessions.PopString(ctx, sessState), s.sessions.PopString(ctx, sessNonce), s.sessions.PopString(ctx, sessNext)
	verifier := s.sessions.PopString(ctx, sessVerifier)
	q := r.URL.Query()
	if state == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		s.log.Warn("proconnect: state mismatch")
		s.proConnectFailed(w, r, http.StatusBadRequest, "La connexion avec ProConnect n’a pas pu être vérifiée (demande expirée ou incomplète). Réessayez.")
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("proconnect: provider returned an error", "error", e, "description", q.Get("error_description"))
		s.proConnectFailed(w, r, http.StatusUnauthorized, "La connexion avec ProConnect a été annulée ou refusée. Réessayez ou connectez-vous avec votre adresse électronique.")
		return
	}
	res, err := s.proconnect.Exchange(ctx, q.Get("code"), nonce, verifier)
	if err != nil {
		s.log.Warn("proconnect: sign-in refused", "err", err)
		s.proConnectFailed(w, r, http.StatusUnauthorized, "La connexion avec ProConnect a échoué. Réessayez dans quelques instants.")
		return
	}
	u, outcome, err := s.store.ProConnectLogin(ctx, res.Identity)
	if ref, _ := refused(err); ref != nil {
		s.proConnectFailed(w, r, http.StatusConflict, ref.Message) // account.ErrIdentityConflict
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessIDToken, res.IDToken)
	s.sessions.Put(ctx, sessPCAt, time.Now().Unix())
	if outcome == postgres.ProConnectLinked {
		s.flash(r, "success", "Vous êtes connecté avec ProConnect. Votre compte "+u.Email+" est désormais lié à votre identité ProConnect : "+
			"par sécurité, ses autres connexions ont été fermées et son mot de passe a été désactivé. Vous pouvez en définir un nouveau depuis « Mon compte ».")
	} else {
		s.flash(r, "success", "Vous êtes connecté avec ProConnect. Bienvenue, "+u.DisplayName()+" !")
	}
	http.Redirect(w, r, or(next, "/compte"), http.StatusSeeOther)
}
