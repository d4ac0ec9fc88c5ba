package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/mail"
	"campus/templates"
)

// profileView builds the account page; info and password are the states of its two forms.
func (s *Server) profileView(r *http.Request, u account.User, info, password templates.FormState) (templates.ProfileView, error) {
	if info.Values == nil {
		info.Values = map[string]string{"given_name": u.GivenName, "usual_name": u.UsualName,
			"administration": u.Administration, "email": u.Email}
	}
	title := "Mon compte"
	if info.Failed() || password.Failed() {
		title = "Erreur - Mon compte"
	}
	n, err := s.store.CountSessions(r.Context(), u.ID)
	return templates.ProfileView{Page: s.page(r, "", title, "", templates.Crumb{Label: "Mon compte"}),
		User: u, Info: info, Password: password, Sessions: n}, err
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, u account.User, info, password templates.FormState) {
	v, err := s.profileView(r, u, info, password)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, templates.Profile(v))
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	s.renderProfile(w, r, http.StatusOK, u, templates.FormState{}, templates.FormState{})
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	p := account.Profile{
		GivenName:      f.Text("given_name", "Prénom", account.MaxName, true),
		UsualName:      f.Text("usual_name", "Nom", account.MaxName, true),
		Administration: f.Text("administration", "Administration ou organisme", account.MaxAdministration, false),
		Email:          f.Email("email"),
	}
	if !f.Valid() {
		s.renderProfile(w, r, http.StatusUnprocessableEntity, u, f.State(), templates.FormState{})
		return
	}
	tok, hash := account.NewToken()
	changed, err := s.store.UpdateProfile(r.Context(), u.ID, p, hash, mail.VerifyEmail(p.Email, p.GivenName, s.link("/verification/"+tok)))
	if errors.Is(err, apperr.ErrConflict) {
		f.Fail("email", "Cette adresse électronique est déjà utilisée par un autre compte.")
		s.renderProfile(w, r, http.StatusUnprocessableEntity, u, f.State(), templates.FormState{})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed {
		s.flash(r, "info", "Vos informations sont enregistrées. Un lien de confirmation a été envoyé à "+p.Email+" : ouvrez-le pour confirmer votre nouvelle adresse.")
	} else {
		s.flash(r, "success", "Vos informations sont enregistrées.")
	}
	http.Redirect(w, r, "/compte", http.StatusSeeOther)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	var current string
	if u.HasPassword {
		current = f.Password("current_password", false, "")
	}
	password := f.Password("password", true, u.Email)
	again := func(status int) {
		s.renderProfile(w, r, status, u, templates.FormState{}, f.State())
	}
	if !f.Valid() {
		again(http.StatusUnprocessableEntity)
		return
	}
	if u.HasPassword {
		// The current password is guessable here too: the sign-in limits apply.
		msg, wait, err := s.throttled(r.Context(), hit{limitLoginIP, s.clientIP(r)}, hit{limitLoginAccount, u.Email})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if msg != "" {
			s.tooMany(w, wait)
			f.FailForm(msg)
			again(http.StatusTooManyRequests)
			return
		}
		_, hash, err := s.store.UserByEmail(r.Context(), u.Email)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !account.VerifyPassword(hash, current) {
			f.Fail("current_password", "Le mot de passe actuel est incorrect.")
			again(http.StatusUnprocessableEntity)
			return
		}
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
	epoch, err := s.store.ChangePassword(ctx, u.ID, hash, s.sessions.Token(ctx),
		mail.PasswordChanged(u.Email, u.GivenName, s.link("/mot-de-passe-oublie")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessEpoch, epoch)
	s.flash(r, "success", "Votre mot de passe est changé. Vos autres sessions ont été fermées.")
	http.Redirect(w, r, "/compte", http.StatusSeeOther)
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	if u.Verified() {
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
		return
	}
	msg, _, err := s.throttled(r.Context(), hit{limitResetAccount, u.Email})
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
	s.flash(r, "info", "Vous êtes déconnecté de tous vos appareils et navigateurs.")
	http.Redirect(w, r, "/connexion", http.StatusSeeOther)
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
	var current string
	if u.HasPassword {
		current = f.Password("current_password", false, "")
	}
	f.Checked("confirm", true, "Cochez la case pour confirmer la suppression définitive de votre compte.")
	if f.Valid() && u.HasPassword {
		msg, wait, err := s.throttled(r.Context(), hit{limitLoginIP, s.clientIP(r)}, hit{limitLoginAccount, u.Email})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if msg != "" {
			s.tooMany(w, wait)
			f.FailForm(msg)
			s.render(w, r, http.StatusTooManyRequests, templates.DeleteAccount(s.deleteView(r, u, f.State())))
			return
		}
		_, hash, err := s.store.UserByEmail(r.Context(), u.Email)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !account.VerifyPassword(hash, current) {
			f.Fail("current_password", "Le mot de passe actuel est incorrect.")
		}
	}
	if !f.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, templates.DeleteAccount(s.deleteView(r, u, f.State())))
		return
	}
	if err := s.store.DeleteUser(r.Context(), u.ID, mail.AccountDeleted(u.Email, u.GivenName)); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.signOut(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", "Votre compte et vos données ont été supprimés.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
