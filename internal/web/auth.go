package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/metrics"
	"campus/internal/postgres"
	"campus/templates"
)

// authRoutes registers sign-in, sign-up, sign-out, email verification, password reset, ProConnect and the
// account pages. They sit behind the session middleware.
func (s *Server) authRoutes(r chi.Router) {
	r.Get("/connexion", s.loginPage)
	r.Post("/connexion", s.login)
	r.Post("/deconnexion", s.logout)
	r.Get("/inscription", s.signUpPage)
	r.Post("/inscription", s.signUp)
	r.Get("/inscription/courriel-envoye", s.signUpSent)
	r.With(privateLink).Get("/verification/{token}", s.verifyPage)
	r.With(privateLink).Post("/verification/{token}", s.verifyEmail)
	r.Get("/mot-de-passe-oublie", s.resetRequestPage)
	r.Post("/mot-de-passe-oublie", s.resetRequest)
	r.Get("/mot-de-passe-oublie/courriel-envoye", s.resetSent)
	r.With(privateLink).Get("/reinitialisation/{token}", s.resetPage)
	r.With(privateLink).Post("/reinitialisation/{token}", s.reset)
	r.Post("/proconnect/connexion", s.proConnectStart)
	r.Get("/proconnect/retour", s.proConnectCallback)
	// Links of a change of address: the new address confirms it, the old one may cancel or undo it (account.go).
	r.With(privateLink).Get("/adresse/confirmation/{token}", s.confirmEmailChangePage)
	r.With(privateLink).Post("/adresse/confirmation/{token}", s.confirmEmailChange)
	r.With(privateLink).Get("/adresse/annulation/{token}", s.cancelEmailChangePage)
	r.With(privateLink).Post("/adresse/annulation/{token}", s.cancelEmailChange)

	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Get("/compte", s.profile)
		r.Post("/compte/informations", s.updateProfile)
		r.Post("/compte/adresse", s.requestEmailChange)
		r.Post("/compte/adresse/retirer", s.withdrawEmailChange)
		r.Post("/compte/mot-de-passe", s.changePassword)
		r.Post("/compte/verification", s.resendVerification)
		r.Post("/compte/deconnexion-partout", s.signOutEverywhere)
		r.Get("/compte/donnees", s.exportData)
		r.Get("/compte/suppression", s.deleteAccountPage)
		r.Post("/compte/suppression", s.deleteAccount)
	})
}

// Rate limits: fixed windows counted in Postgres, so that they hold across instances.
type limit struct {
	name   string
	max    int
	window time.Duration
}

var (
	limitLoginAccount = limit{"connexion:compte", 10, 15 * time.Minute}
	limitLoginIP      = limit{"connexion:adresse", 50, 15 * time.Minute}
	limitSignUpIP     = limit{"inscription:adresse", 10, time.Hour}
	limitResetAccount = limit{"reinitialisation:compte", 5, time.Hour}
	limitResetIP      = limit{"reinitialisation:adresse", 20, time.Hour}
	// Forms that make the portal mail an address their sender typed: per client address, and per recipient
	// across all of them (sign-up, reset, change of address, trainer applications, tailored-programme requests),
	// so that nobody can use the portal to flood an inbox.
	limitMailRecipient = limit{"courriel:destinataire", 5, time.Hour}
	// The new confirmation link a sign-in of an unconfirmed account sends, per recipient: counted apart and
	// never answered, since the sign-in must answer as a wrong password would (see badCredentials). Counted
	// against limitMailRecipient, it would show in those forms' 429: after a sign-up and four sign-ins, a free
	// address would have had its five mails, a taken one a single mail. So it only reads that limit (no link
	// when the forms have used it up) and an address gets at most 5 + 3 mails an hour.
	limitSignInMail  = limit{"courriel:connexion", 3, time.Hour}
	limitTrainerIP   = limit{"candidature:adresse", 10, time.Hour}
	limitProgrammeIP = limit{"demande-sur-mesure:adresse", 10, time.Hour}
	// Enrolments naming a line manager (each mails the manager): per agent, and per manager's address whoever
	// names it, so that a few accounts cannot flood one inbox. A team enrolling on the same day stays well under
	// the second; unlike the forms' limitMailRecipient, it is the manager's own and counts nothing else.
	limitApprovalAgent      = limit{"accord:agent", 10, time.Hour}
	limitApprovalManager    = limit{"accord:responsable", 20, time.Hour}
	limitEmailChangeAccount = limit{"changement-adresse:compte", 5, 24 * time.Hour}
)

func (l limit) key(id string) string {
	h := sha256.Sum256([]byte(l.name + "\x00" + id))
	return l.name + ":" + hex.EncodeToString(h[:16])
}

// hit is one attempt counted against a limit for an identifier (an address, an account).
type hit struct {
	limit
	id string
}

// mailTo is the hit of a mail to an address against a per-recipient limit (limitMailRecipient, limitSignInMail,
// limitApprovalManager): counted per mailbox (account.Mailbox), so that the sub-addresses of one box share its
// count.
func mailTo(l limit, email string) hit { return hit{l, account.Mailbox(account.NormalizeEmail(email))} }

// throttled counts one attempt for each hit and, when any is over its limit, returns the French message to
// show and the wait before retrying.
func (s *Server) throttled(ctx context.Context, hits ...hit) (string, time.Duration, error) {
	var wait time.Duration
	for _, h := range hits {
		l := h.limit
		if h.id == "" {
			continue
		}
		n, reset, err := s.store.RateHit(ctx, l.key(h.id), l.window)
		if err != nil {
			return "", 0, err
		}
		if n > l.max {
			wait = max(wait, time.Until(reset))
			metrics.RateLimited(l.name)
		}
	}
	if wait <= 0 {
		return "", 0, nil
	}
	return "Trop de tentatives. Par sécurité, cette action est bloquée pendant encore " + catalogue.Wait(max(wait, time.Minute)) +
		" : réessayez plus tard.", wait, nil
}

// clientIP is the address the rate limits count against: the proxy's header when configured (the last
// address of X-Forwarded-For, the one our proxy added), otherwise the connection's; IPv6 addresses count
// by /64, the block a single subscriber gets.
func (s *Server) clientIP(r *http.Request) string {
	addr := ""
	if h := s.cfg.ClientIPHeader; h != "" {
		if v := r.Header.Values(h); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			addr = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if addr == "" {
		addr, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

func (s *Server) tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
}

// limited counts a form's submission against hits; over a limit, it sets Retry-After, puts the French message
// on the form and returns true: the caller shows the form again with status 429.
func (s *Server) limited(w http.ResponseWriter, r *http.Request, f *Form, hits ...hit) (bool, error) {
	msg, wait, err := s.throttled(r.Context(), hits...)
	if err != nil || msg == "" {
		return false, err
	}
	s.tooMany(w, wait)
	f.FailForm(msg)
	return true, nil
}

// admitted checks a submitted form before its handler acts: invalid, the form is shown again (again, 422); over a
// limit of hits, again with 429 and the limit's message (limited); a failure to count is a 500. It reports whether
// the handler may go on.
func (s *Server) admitted(w http.ResponseWriter, r *http.Request, f *Form, again func(status int), hits ...hit) bool {
	if !f.Valid() {
		again(http.StatusUnprocessableEntity)
		return false
	}
	over, err := s.limited(w, r, f, hits...)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if over {
		again(http.StatusTooManyRequests)
		return false
	}
	return true
}

// link is an absolute URL of the portal, for mails.
func (s *Server) link(path string) string { return s.cfg.BaseURL.String() + path }

func (s *Server) proConnectEnabled() bool { return s.proconnect != nil }

// --- Sign-in ---

func (s *Server) loginView(r *http.Request, f templates.FormState, next string) templates.LoginView {
	title := "Connexion"
	if f.Failed() {
		title = "Erreur - Connexion"
	}
	return templates.LoginView{Page: s.page(r, "", title, "Connectez-vous au Campus du numérique public.", templates.Crumb{Label: "Connexion"}),
		Form: f, Next: next, ProConnect: s.proConnectEnabled()}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("suivant"))
	if _, ok := CurrentUser(r); ok {
		http.Redirect(w, r, or(next, "/compte"), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, templates.Login(s.loginView(r, templates.FormState{}, next)))
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// badCredentials is the one answer of a refused sign-in, whatever the reason: unknown address, wrong password,
// or right password of an account whose address is not confirmed yet. Telling the last apart would tell whether
// an address has an account: anyone can sign up with any address and a password of their choosing, then try it
// (a free address gives an unconfirmed account with that password, a taken one keeps its owner's password). So
// the message also tells whoever just created an account what to do.
const badCredentials = "Adresse électronique ou mot de passe incorrect. Si vous venez de créer votre compte, confirmez d’abord votre adresse\u00a0: ouvrez le lien reçu par courriel."

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	email := f.Email("email")
	password := f.Password("password", false, "")
	next := safeNext(f.Hidden("suivant"))
	fail := func(status int) {
		s.render(w, r, status, templates.Login(s.loginView(r, f.State(), next)))
	}
	refuse := func() {
		f.FailForm(badCredentials)
		fail(http.StatusUnprocessableEntity)
	}
	if !s.admitted(w, r, f, fail, hit{limitLoginIP, s.clientIP(r)}, hit{limitLoginAccount, email}) {
		return
	}
	u, hash, err := s.store.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		// Same work and same answer as a wrong password: nothing tells whether the account exists.
		account.SpendVerification(password)
		refuse()
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if !account.VerifyPassword(hash, password) {
		refuse()
		return
	}
	if !u.Verified() {
		// The right password, but the address is not proven: the answer is that of a wrong password (see
		// badCredentials), and the address gets a new confirmation link, which tells its owner only. Whoever
		// created the account knows its password, not necessarily the address: each sign-in would mail the
		// address again, so those mails are limited too (limitSignInMail). Whether the link is sent (or fails
		// to be) changes nothing in the answer, nor in its timing: it is done after it (afterwards.go).
		s.afterAnswer(r, "sign-in: new confirmation link", func(ctx context.Context) error {
			return s.resendVerificationOnSignIn(ctx, u)
		})
		refuse()
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.store.RateReset(r.Context(), limitLoginAccount.key(email))
	s.flashTo(w, r, or(next, "/compte"), "success", "Vous êtes connecté. Bienvenue, "+u.DisplayName()+" !")
}

// resendVerificationOnSignIn queues a new confirmation link to the address of an unconfirmed account whose
// password was just typed, unless the address has had its share of mails (limitSignInMail, limitMailRecipient):
// then nothing is sent, silently. Nothing here may show in any answer to anyone but the address's owner: it
// counts only against limitSignInMail, which no form answers for.
func (s *Server) resendVerificationOnSignIn(ctx context.Context, u account.User) error {
	to := mailTo(limitMailRecipient, u.Email)
	n, err := s.store.RateCount(ctx, to.key(to.id), to.window)
	if err != nil || n >= to.max {
		return err
	}
	if n, _, err = s.store.RateHit(ctx, limitSignInMail.key(to.id), limitSignInMail.window); err != nil {
		return err
	}
	if n > limitSignInMail.max {
		metrics.RateLimited(limitSignInMail.name)
		return nil
	}
	return s.sendVerification(ctx, u)
}

// sendVerification issues a new verification link and queues its mail.
func (s *Server) sendVerification(ctx context.Context, u account.User) error {
	return s.store.IssueToken(ctx, u.ID, account.PurposeVerifyEmail)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	idToken := s.sessions.GetString(r.Context(), sessIDToken)
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "info", "Vous êtes déconnecté.")
	if idToken != "" && s.proconnect != nil {
		// End the ProConnect session too; the provider sends the browser back to the home page.
		target, err := s.proconnect.LogoutURL(r.Context(), idToken, s.link("/"), randomString())
		if err == nil && target != "" {
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		s.log.Warn("proconnect: no logout URL", "err", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// --- Sign-up ---

func (s *Server) signUpView(r *http.Request, f templates.FormState) templates.SignUpView {
	title := "Créer un compte"
	if f.Failed() {
		title = "Erreur - Créer un compte"
	}
	return templates.SignUpView{Page: s.page(r, "", title, "Créez votre compte sur le Campus du numérique public.",
		templates.Crumb{Label: "Créer un compte"}), Form: f, ProConnect: s.proConnectEnabled()}
}

func (s *Server) signUpPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := CurrentUser(r); ok {
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, templates.SignUp(s.signUpView(r, templates.FormState{})))
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	a := postgres.NewAccount{
		GivenName:      f.Text("given_name", "Prénom", account.MaxName, true),
		UsualName:      f.Text("usual_name", "Nom", account.MaxName, true),
		Administration: f.Text("administration", "Administration ou organisme", account.MaxAdministration, true),
		Email:          f.Email("email"),
	}
	password := f.Password("password", true, a.Email)
	again := func(status int) { s.render(w, r, status, templates.SignUp(s.signUpView(r, f.State()))) }
	if !s.admitted(w, r, f, again, hit{limitSignUpIP, s.clientIP(r)}, mailTo(limitMailRecipient, a.Email)) {
		return
	}
	var err error
	if a.PasswordHash, err = account.HashPassword(password); err != nil {
		s.serverError(w, r, err)
		return
	}
	// The same answer whether the address was free or not (the owner of a taken address gets a mail), at the
	// same time: the account and its mail are written after it (afterwards.go).
	s.afterAnswer(r, "sign-up", func(ctx context.Context) error {
		_, _, err := s.store.SignUp(ctx, a)
		return err
	})
	s.mailSent(w, r, a.Email, "/inscription/courriel-envoye")
}

// mailSent goes to the page that says a mail was sent, remembering the address for it (sentText).
func (s *Server) mailSent(w http.ResponseWriter, r *http.Request, to, page string) {
	s.sessions.Put(r.Context(), sessSentTo, to)
	http.Redirect(w, r, page, http.StatusSeeOther)
}

// sentText is what that page says: with the address the mail was sent to (before, the address, after), or
// without when it is not known any more.
func (s *Server) sentText(r *http.Request, without, before, after string) string {
	if to := s.sessions.GetString(r.Context(), sessSentTo); to != "" {
		return before + to + after
	}
	return without
}

func (s *Server) signUpSent(w http.ResponseWriter, r *http.Request) {
	text := s.sentText(r, "Nous vous avons envoyé un courriel.", "Nous avons envoyé un courriel à ", ".")
	s.render(w, r, http.StatusOK, templates.Message(templates.MessageView{
		Page:    s.page(r, "", "Consultez votre messagerie", "", templates.Crumb{Label: "Créer un compte", Href: "/inscription"}, templates.Crumb{Label: "Courriel envoyé"}),
		Heading: "Consultez votre messagerie", Kind: "success", Title: "Courriel envoyé", Text: text,
		Paragraphs: []string{
			"Ouvrez le lien qu’il contient pour confirmer votre adresse et activer votre compte. Le lien est valable 48 heures.",
			"Si un compte existait déjà avec cette adresse, le courriel vous l’indique et vous explique comment vous connecter.",
			"Rien reçu après quelques minutes ? Vérifiez vos courriels indésirables, puis essayez de vous connecter : un nouveau lien vous sera envoyé.",
		},
		Links: []templates.Crumb{{Label: "Se connecter", Href: "/connexion"}, {Label: "Retour à l’accueil", Href: "/"}}}))
}

// --- Email verification ---

func (s *Server) linkProblem(w http.ResponseWriter, r *http.Request, err error, what string, retry templates.Crumb) {
	status, title, text := http.StatusNotFound, "Lien non valide", "Ce lien n’est pas valide : vérifiez que vous l’avez copié en entier."
	if errors.Is(err, apperr.ErrGone) {
		status, title, text = http.StatusGone, "Lien expiré ou déjà utilisé", "Ce lien a expiré ou a déjà servi : chaque lien ne peut servir qu’une fois, pendant une durée limitée."
	} else if !errors.Is(err, apperr.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, templates.Message(templates.MessageView{
		Page:    s.page(r, "", title+" - "+what, "", templates.Crumb{Label: what}),
		Heading: what, Kind: "error", Title: title, Text: text,
		Links: []templates.Crumb{retry, {Label: "Retour à l’accueil", Href: "/"}}}))
}

// passwordProof checks the account's password typed in the field "password" of a single-use link's form (the
// link proves a mailbox, the password who owns the account), counted against the sign-in limits of email. It
// returns 0 when proven, otherwise the status to answer with the form, whose messages it has set (wrong: the
// field's message for a wrong password).
func (s *Server) passwordProof(w http.ResponseWriter, r *http.Request, f *Form, email, hash, wrong string) (int, error) {
	password := f.Password("password", false, "")
	if !f.Valid() {
		return http.StatusUnprocessableEntity, nil
	}
	over, err := s.limited(w, r, f, hit{limitLoginIP, s.clientIP(r)}, hit{limitLoginAccount, email})
	if err != nil {
		return 0, err
	}
	if over {
		return http.StatusTooManyRequests, nil
	}
	if !account.VerifyPassword(hash, password) {
		f.Fail("password", wrong)
		return http.StatusUnprocessableEntity, nil
	}
	return 0, nil
}

// linkHash reads the {token} of a single-use link and returns the hash it is stored under; a value that cannot be
// a token answers the "invalid link" page of what (with retry) at once, without a query.
func (s *Server) linkHash(w http.ResponseWriter, r *http.Request, what string, retry templates.Crumb) ([]byte, bool) {
	tok := chi.URLParam(r, "token")
	if !account.PlausibleToken(tok) {
		s.linkProblem(w, r, apperr.ErrNotFound, what, retry)
		return nil, false
	}
	return account.HashToken(tok), true
}

// A sign-up's confirmation link confirms the address only together with the account's password: whoever
// opens the link proves the mailbox, the password proves they created the account. So an account created by
// someone else with your address (to take it over once you confirm it) stays unconfirmed and unusable.

func (s *Server) verifyView(r *http.Request, f templates.FormState, u account.User) templates.VerifyView {
	title := "Confirmer votre adresse électronique"
	if f.Failed() {
		title = "Erreur - " + title
	}
	return templates.VerifyView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Confirmation de l’adresse électronique"}),
		Form: f, Email: u.Email, Action: r.URL.Path}
}

// verificationUser reads the link of the request; ok false: the answer is written.
func (s *Server) verificationUser(w http.ResponseWriter, r *http.Request) (account.User, string, []byte, bool) {
	retry := templates.Crumb{Label: "Se connecter pour recevoir un nouveau lien", Href: "/connexion"}
	hash, ok := s.linkHash(w, r, "Confirmation de l’adresse électronique", retry)
	if !ok {
		return account.User{}, "", nil, false
	}
	u, password, err := s.store.VerificationUser(r.Context(), hash)
	if err != nil {
		s.linkProblem(w, r, err, "Confirmation de l’adresse électronique", retry)
		return u, "", nil, false
	}
	return u, password, hash, true
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	u, password, hash, ok := s.verificationUser(w, r)
	if !ok {
		return
	}
	if password == "" {
		// No password to prove: nobody can sign in to this account with one, so the mailbox is enough.
		if _, err := s.store.VerifyEmail(r.Context(), hash); err != nil {
			s.linkProblem(w, r, err, "Confirmation de l’adresse électronique", templates.Crumb{Label: "Se connecter", Href: "/connexion"})
			return
		}
		s.flashTo(w, r, "/connexion", "success", "Votre adresse électronique "+u.Email+" est confirmée. Connectez-vous avec ProConnect, ou choisissez un mot de passe avec « Mot de passe oublié ».")
		return
	}
	s.render(w, r, http.StatusOK, templates.Verify(s.verifyView(r, templates.FormState{}, u)))
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	u, passwordHash, hash, ok := s.verificationUser(w, r)
	if !ok {
		return
	}
	status, err := s.passwordProof(w, r, f, u.Email, passwordHash, "Mot de passe incorrect. Saisissez le mot de passe choisi à la création du compte.")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if status != 0 {
		s.render(w, r, status, templates.Verify(s.verifyView(r, f.State(), u)))
		return
	}
	if u, err = s.store.VerifyEmail(r.Context(), hash); err != nil {
		s.linkProblem(w, r, err, "Confirmation de l’adresse électronique", templates.Crumb{Label: "Se connecter", Href: "/connexion"})
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.store.RateReset(r.Context(), limitLoginAccount.key(u.Email))
	s.flashTo(w, r, "/compte", "success", "Votre adresse électronique "+u.Email+" est confirmée et vous êtes connecté. Bienvenue, "+u.DisplayName()+" !")
}

// --- Password reset ---

func (s *Server) resetRequestView(r *http.Request, f templates.FormState) templates.ResetRequestView {
	title := "Mot de passe oublié"
	if f.Failed() {
		title = "Erreur - Mot de passe oublié"
	}
	return templates.ResetRequestView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Connexion", Href: "/connexion"},
		templates.Crumb{Label: "Mot de passe oublié"}), Form: f}
}

func (s *Server) resetRequestPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.ResetRequest(s.resetRequestView(r, templates.FormState{})))
}

func (s *Server) resetRequest(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	email := f.Email("email")
	again := func(status int) { s.render(w, r, status, templates.ResetRequest(s.resetRequestView(r, f.State()))) }
	if !s.admitted(w, r, f, again, hit{limitResetIP, s.clientIP(r)}, hit{limitResetAccount, email}, mailTo(limitMailRecipient, email)) {
		return
	}
	// The same answer whether an account exists or not, at the same time: whether there is one is looked up
	// after the answer (afterwards.go).
	s.afterAnswer(r, "password reset link", func(ctx context.Context) error {
		u, _, err := s.store.UserByEmail(ctx, email)
		if errors.Is(err, apperr.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		return s.store.IssueToken(ctx, u.ID, account.PurposeResetPassword)
	})
	s.mailSent(w, r, email, "/mot-de-passe-oublie/courriel-envoye")
}

func (s *Server) resetSent(w http.ResponseWriter, r *http.Request) {
	text := s.sentText(r, "Si un compte existe pour cette adresse, vous allez recevoir un courriel.",
		"Si un compte existe pour l’adresse ", ", vous allez recevoir un courriel.")
	s.render(w, r, http.StatusOK, templates.Message(templates.MessageView{
		Page: s.page(r, "", "Lien de réinitialisation envoyé", "", templates.Crumb{Label: "Mot de passe oublié", Href: "/mot-de-passe-oublie"},
			templates.Crumb{Label: "Courriel envoyé"}),
		Heading: "Consultez votre messagerie", Kind: "info", Title: "Demande enregistrée", Text: text,
		Paragraphs: []string{"Le lien qu’il contient permet de choisir un nouveau mot de passe pendant 1 heure, une seule fois."},
		Links:      []templates.Crumb{{Label: "Retour à la connexion", Href: "/connexion"}}}))
}

func (s *Server) resetView(r *http.Request, f templates.FormState, u account.User) templates.ResetView {
	title := "Nouveau mot de passe"
	if f.Failed() {
		title = "Erreur - Nouveau mot de passe"
	}
	return templates.ResetView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Nouveau mot de passe"}),
		Form: f, Email: u.Email, Action: r.URL.Path}
}

func (s *Server) resetUser(w http.ResponseWriter, r *http.Request) (account.User, []byte, bool) {
	retry := templates.Crumb{Label: "Demander un nouveau lien", Href: "/mot-de-passe-oublie"}
	hash, ok := s.linkHash(w, r, "Réinitialisation du mot de passe", retry)
	if !ok {
		return account.User{}, nil, false
	}
	u, err := s.store.ResetTokenUser(r.Context(), hash)
	if err != nil {
		s.linkProblem(w, r, err, "Réinitialisation du mot de passe", retry)
		return u, nil, false
	}
	return u, hash, true
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.resetUser(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, templates.Reset(s.resetView(r, templates.FormState{}, u)))
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	u, hash, ok := s.resetUser(w, r)
	if !ok {
		return
	}
	password := f.Password("password", true, u.Email)
	if !f.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, templates.Reset(s.resetView(r, f.State(), u)))
		return
	}
	passwordHash, err := account.HashPassword(password)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, err := s.store.ResetPassword(r.Context(), hash, passwordHash); err != nil {
		s.linkProblem(w, r, err, "Réinitialisation du mot de passe", templates.Crumb{Label: "Demander un nouveau lien", Href: "/mot-de-passe-oublie"})
		return
	}
	s.store.RateReset(r.Context(), limitLoginAccount.key(u.Email))
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flashTo(w, r, "/connexion", "success", "Votre mot de passe est enregistré et toutes vos sessions ont été fermées : connectez-vous avec le nouveau mot de passe.")
}
