package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/templates"
)

// profileForms are the states of the account page's forms.
type profileForms struct {
	info, email, password templates.FormState
}

// profileView builds the account page.
func (s *Server) profileView(r *http.Request, u account.User, forms profileForms) (templates.ProfileView, error) {
	if forms.info.Values == nil {
		forms.info.Values = map[string]string{"given_name": u.GivenName, "usual_name": u.UsualName, "administration": u.Administration}
	}
	title := "Mon compte"
	if forms.info.Failed() || forms.email.Failed() || forms.password.Failed() {
		title = "Erreur - Mon compte"
	}
	// The address form and the password form both ask for the current password: the address form's ids
	// are prefixed so that no id is twice in the page.
	forms.email.IDPrefix = "adresse-"
	v := templates.ProfileView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Mon compte"}),
		User: u, Info: forms.info, Email: forms.email, Password: forms.password,
		ProConnect: s.proConnectEnabled(), FreshProConnect: !u.HasPassword && s.freshProConnect(r.Context()),
		ReauthWindow: catalogue.Wait(s.cfg.ReauthWindow)}
	var err error
	if v.Sessions, err = s.store.CountSessions(r.Context(), u.ID); err != nil {
		return v, err
	}
	c, err := s.store.PendingEmailChange(r.Context(), u.ID)
	switch {
	case err == nil:
		v.PendingEmail = &c
	case !errors.Is(err, apperr.ErrNotFound):
		return v, err
	}
	return v, nil
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, u account.User, forms profileForms) {
	v, err := s.profileView(r, u, forms)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, templates.Profile(v))
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	s.renderProfile(w, r, http.StatusOK, u, profileForms{})
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	p := account.Profile{
		GivenName:      f.Text("given_name", "Prénom", account.MaxName, true),
		UsualName:      f.Text("usual_name", "Nom", account.MaxName, true),
		Administration: f.Text("administration", "Administration ou organisme", account.MaxAdministration, false),
	}
	if !f.Valid() {
		s.renderProfile(w, r, http.StatusUnprocessableEntity, u, profileForms{info: f.State()})
		return
	}
	if err := s.store.UpdateProfile(r.Context(), u.ID, p); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/compte", "success", "Vos informations sont enregistrées.")
}

// reauthenticate checks, before a sensitive change, that the signed-in user u is the account's owner and not
// someone who found the session open: the current password (field current_password, under the sign-in limits),
// or, for an account without a password, a ProConnect sign-in of this session less than CAMPUS_REAUTH_WINDOW
// old. It returns 0 when that holds; otherwise the status to answer, the reason being recorded on f.
func (s *Server) reauthenticate(w http.ResponseWriter, r *http.Request, f *Form, u account.User) (int, error) {
	if !u.HasPassword {
		if s.freshProConnect(r.Context()) {
			return 0, nil
		}
		f.FailForm("Par sécurité, reconnectez-vous avec ProConnect avant ce changement : la connexion doit dater de moins de " +
			catalogue.Wait(s.cfg.ReauthWindow) + ".")
		return http.StatusForbidden, nil
	}
	current := f.Password("current_password", false, "")
	if !f.Valid() {
		return http.StatusUnprocessableEntity, nil
	}
	// The current password is guessable here too: the sign-in limits apply.
	over, err := s.limited(w, r, f, hit{limitLoginIP, s.clientIP(r)}, hit{limitLoginAccount, u.Email})
	if err != nil {
		return 0, err
	}
	if over {
		return http.StatusTooManyRequests, nil
	}
	_, hash, err := s.store.UserByEmail(r.Context(), u.Email)
	if err != nil {
		return 0, err
	}
	if !account.VerifyPassword(hash, current) {
		f.Fail("current_password", "Le mot de passe actuel est incorrect.")
		return http.StatusUnprocessableEntity, nil
	}
	return 0, nil
}

// requestEmailChange records a change of address: it applies once the link sent to the new address is opened,
// and the current address is told, with a link that cancels it. The answer is the same whether the new address
// is free or has an account (its owner is told by mail instead).
func (s *Server) requestEmailChange(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	newEmail := f.Email("new_email")
	if f.Valid() && newEmail == u.Email {
		f.Fail("new_email", "C’est déjà l’adresse de votre compte : saisissez la nouvelle adresse.")
	}
	again := func(status int) { s.renderProfile(w, r, status, u, profileForms{email: f.State()}) }
	if !f.Valid() {
		if !u.HasPassword || f.raw("current_password") != "" {
			// Still check the password, so that a wrong one is said at once.
			f.Password("current_password", false, "")
		}
		again(http.StatusUnprocessableEntity)
		return
	}
	status, err := s.reauthenticate(w, r, f, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if status != 0 {
		again(status)
		return
	}
	over, err := s.limited(w, r, f, hit{limitEmailChangeAccount, strconv.FormatInt(u.ID, 10)}, mailTo(limitMailRecipient, newEmail))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if over {
		again(http.StatusTooManyRequests)
		return
	}
	if err := s.store.RequestEmailChange(r.Context(), u.ID, newEmail); err != nil {
		var soon *account.ChangeTooSoonError
		if errors.As(err, &soon) {
			f.Fail("new_email", "Votre adresse a changé il y a moins de 7 jours : pendant ce délai, l’ancienne adresse peut encore annuler ce changement, "+
				"et aucun autre n’est possible. Vous pourrez changer d’adresse à partir du "+catalogue.Date(soon.Until)+" à "+catalogue.Clock(soon.Until)+".")
			again(http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/compte#mon-adresse", "info", "Un lien de confirmation a été envoyé à "+newEmail+" : ouvrez-le dans les 48 heures pour utiliser cette adresse. "+
		"D’ici là, votre adresse actuelle ("+u.Email+") reste celle du compte ; elle a été prévenue de la demande.")
}

func (s *Server) withdrawEmailChange(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	if err := s.store.WithdrawEmailChange(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/compte#mon-adresse", "info", "Le changement d’adresse est annulé : votre adresse reste "+u.Email+".")
}

// The link sent to the new address proves that mailbox, not who asked for the change: Mallory could ask for
// the victim's address on her own account and count on the victim opening the link. So opening it applies
// nothing (mail scanners open links too); the button applies the change only for the account's own session,
// or with the account's password.

// emailChangeToConfirm reads the confirmation link of the request; ok false: the answer is written.
func (s *Server) emailChangeToConfirm(w http.ResponseWriter, r *http.Request) (hash []byte, c account.EmailChange, password string, ok bool) {
	const what = "Confirmation de la nouvelle adresse"
	retry := templates.Crumb{Label: "Mon compte", Href: "/compte"}
	if hash, ok = s.linkHash(w, r, what, retry); !ok {
		return nil, c, "", false
	}
	c, password, err := s.store.EmailChangeToConfirm(r.Context(), hash)
	if err != nil {
		s.linkProblem(w, r, err, what, retry)
		return nil, c, "", false
	}
	return hash, c, password, true
}

func (s *Server) emailChangeConfirmView(r *http.Request, f templates.FormState, c account.EmailChange, hasPassword bool) templates.EmailChangeConfirmView {
	title := "Confirmer la nouvelle adresse"
	if f.Failed() {
		title = "Erreur - " + title
	}
	cur, _ := CurrentUser(r)
	return templates.EmailChangeConfirmView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Confirmation de la nouvelle adresse"}),
		Form: f, Change: c, Action: r.URL.Path, Own: cur.ID == c.UserID, NeedsPassword: cur.ID != c.UserID && hasPassword,
		SignIn: "/connexion?suivant=" + url.QueryEscape(r.URL.Path)}
}

func (s *Server) confirmEmailChangePage(w http.ResponseWriter, r *http.Request) {
	_, c, password, ok := s.emailChangeToConfirm(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, templates.EmailChangeConfirm(s.emailChangeConfirmView(r, templates.FormState{}, c, password != "")))
}

// confirmEmailChange applies the change for the account's own session, or with its password (which signs in,
// as the sign-in form would); the former address is told, with a link that undoes the change for a week.
func (s *Server) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	f := s.readForm(w, r)
	hash, c, passwordHash, ok := s.emailChangeToConfirm(w, r)
	if !ok {
		return
	}
	const what = "Confirmation de la nouvelle adresse"
	again := func(status int) {
		s.render(w, r, status, templates.EmailChangeConfirm(s.emailChangeConfirmView(r, f.State(), c, passwordHash != "")))
	}
	cur, _ := CurrentUser(r)
	own := cur.ID == c.UserID
	if !own {
		if passwordHash == "" {
			// A ProConnect account: only its session can confirm; the page says to sign in first.
			again(http.StatusForbidden)
			return
		}
		status, err := s.passwordProof(w, r, f, c.OldEmail, passwordHash, "Mot de passe incorrect. Saisissez le mot de passe du compte qui a demandé ce changement.")
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if status != 0 {
			again(status)
			return
		}
	}
	u, err := s.store.ConfirmEmailChange(r.Context(), hash, c.UserID)
	if errors.Is(err, apperr.ErrConflict) {
		s.render(w, r, http.StatusConflict, templates.Message(templates.MessageView{
			Page:    s.page(r, "", "Adresse déjà utilisée - "+what, "", templates.Crumb{Label: what}),
			Heading: what, Kind: "error", Title: "Adresse déjà utilisée",
			Text:  "Cette adresse est maintenant celle d’un autre compte du Campus : le changement n’a pas été appliqué.",
			Links: []templates.Crumb{{Label: "Mon compte", Href: "/compte"}, {Label: "Retour à l’accueil", Href: "/"}}}))
		return
	}
	if err != nil {
		s.linkProblem(w, r, err, what, templates.Crumb{Label: "Mon compte", Href: "/compte"})
		return
	}
	if !own {
		if err := s.signIn(r, u); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.store.RateReset(r.Context(), limitLoginAccount.key(c.OldEmail))
	}
	s.flashTo(w, r, "/compte#mon-adresse", "success", "Votre nouvelle adresse électronique "+u.Email+" est confirmée : c’est désormais celle de votre compte.")
}

// emailChangeToCancel reads the cancellation link of the request; ok false: the answer is written.
func (s *Server) emailChangeToCancel(w http.ResponseWriter, r *http.Request) ([]byte, account.EmailChange, bool) {
	const what = "Annulation du changement d’adresse"
	retry := templates.Crumb{Label: "Mot de passe oublié", Href: "/mot-de-passe-oublie"}
	hash, ok := s.linkHash(w, r, what, retry)
	if !ok {
		return nil, account.EmailChange{}, false
	}
	c, err := s.store.EmailChangeToCancel(r.Context(), hash)
	if err != nil {
		s.linkProblem(w, r, err, what, retry)
		return nil, c, false
	}
	return hash, c, true
}

func (s *Server) cancelEmailChangePage(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.emailChangeToCancel(w, r)
	if !ok {
		return
	}
	title := "Annuler le changement d’adresse"
	if !c.Pending() {
		title = "Rétablir votre adresse électronique"
	}
	s.render(w, r, http.StatusOK, templates.EmailChangeCancel(templates.EmailChangeCancelView{
		Page: s.page(r, "", title, "", templates.Crumb{Label: title}), Change: c, Action: r.URL.Path}))
}

// cancelEmailChange is the former address's "it was not me": the change is cancelled or undone, and the account
// secured (sessions ended, password removed); its owner chooses a new password at once, on a reset link issued
// to the address they just proved.
func (s *Server) cancelEmailChange(w http.ResponseWriter, r *http.Request) {
	hash, _, ok := s.emailChangeToCancel(w, r)
	if !ok {
		return
	}
	_, reset, err := s.store.CancelEmailChange(r.Context(), hash)
	if errors.Is(err, apperr.ErrConflict) {
		const what = "Annulation du changement d’adresse"
		s.render(w, r, http.StatusConflict, templates.Message(templates.MessageView{
			Page:    s.page(r, "", "Adresse déjà utilisée - "+what, "", templates.Crumb{Label: what}),
			Heading: what, Kind: "error", Title: "Votre ancienne adresse est déjà utilisée",
			Text:  "Un autre compte utilise maintenant votre ancienne adresse : l’équipe du Campus doit rétablir votre compte. Écrivez-lui en indiquant vos deux adresses.",
			Links: []templates.Crumb{{Label: "Retour à l’accueil", Href: "/"}}}))
		return
	}
	if err != nil {
		s.linkProblem(w, r, err, "Annulation du changement d’adresse", templates.Crumb{Label: "Mot de passe oublié", Href: "/mot-de-passe-oublie"})
		return
	}
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flashTo(w, r, "/reinitialisation/"+reset, "success", "Le changement d’adresse est annulé et toutes les connexions à votre compte sont fermées. Choisissez maintenant un nouveau mot de passe.")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	again := func(status int) {
		s.renderProfile(w, r, status, u, profileForms{password: f.State()})
	}
	status, err := s.reauthenticate(w, r, f, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	password := f.Password("password", true, u.Email)
	if status == 0 && !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	if status != 0 {
		again(status)
		return
	}
	hash, err := account.HashPassword(password)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	epoch, err := s.store.ChangePassword(ctx, u.ID, hash, s.sessions.Token(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessEpoch, epoch)
	s.flashTo(w, r, "/compte", "success", "Votre mot de passe est enregistré. Vos autres sessions ont été fermées.")
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	if u.Verified() {
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
		return
	}
	msg, _, err := s.throttled(r.Context(), hit{limitResetAccount, u.Email}, mailTo(limitMailRecipient, u.Email))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if msg != "" {
		s.flash(r, "error", msg)
	} else if err := s.sendVerification(r.Context(), u); err != nil {
		s.serverError(w, r, err)
		return
	} else {
		s.flash(r, "info", "Un nouveau lien de confirmation a été envoyé à "+u.Email+".")
	}
	http.Redirect(w, r, "/compte", http.StatusSeeOther)
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	if err := s.store.EndSessions(r.Context(), u.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flashTo(w, r, "/connexion", "info", "Vous êtes déconnecté de tous vos appareils et navigateurs.")
}

// exportData downloads everything the portal keeps about the user, as JSON (RGPD, right of access and
// portability).
func (s *Server) exportData(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	x, err := s.store.ExportUser(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if x.Extra, err = s.enrolmentExport(r.Context(), u.ID); err != nil { // the enrolments (mytrainings.go)
		s.fail(w, r, err)
		return
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="campus-mes-donnees.json"`)
	h.Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

func (s *Server) deleteView(r *http.Request, u account.User, f templates.FormState) templates.DeleteAccountView {
	title := "Supprimer mon compte"
	if f.Failed() {
		title = "Erreur - Supprimer mon compte"
	}
	return templates.DeleteAccountView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Mon compte", Href: "/compte"},
		templates.Crumb{Label: "Supprimer mon compte"}), User: u, Form: f}
}

func (s *Server) deleteAccountPage(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	s.render(w, r, http.StatusOK, templates.DeleteAccount(s.deleteView(r, u, templates.FormState{})))
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	confirmed := f.Checked("confirm", true, "Cochez la case pour confirmer la suppression définitive de votre compte.")
	status := http.StatusUnprocessableEntity
	if confirmed {
		var err error
		if status, err = s.reauthenticate(w, r, f, u); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if status == 0 && !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	if status != 0 {
		s.render(w, r, status, templates.DeleteAccount(s.deleteView(r, u, f.State())))
		return
	}
	if err := s.store.DeleteUser(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flashTo(w, r, "/", "success", "Votre compte et vos données ont été supprimés.")
}
