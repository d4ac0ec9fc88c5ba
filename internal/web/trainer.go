package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/programme"
	"campus/internal/trainer"
	"campus/templates"
)

// The call for trainers (public), the trainers' community (public) and the trainer space (trainers).

func (s *Server) trainerRoutes(r chi.Router) {
	r.Get("/devenir-formateur", s.trainerCall)
	r.Post("/devenir-formateur", s.trainerApply)
	r.Get("/devenir-formateur/merci", s.trainerThanks)
	r.With(privateLink).Get("/devenir-formateur/precisions/{token}", s.trainerReplyPage)
	r.With(privateLink).Post("/devenir-formateur/precisions/{token}", s.trainerReply)
	r.Get("/communaute-formateurs", s.trainerCommunity)
	r.Group(func(r chi.Router) {
		r.Use(s.requireRole(account.RoleTrainer))
		r.Get("/formateur", s.trainerSpace)
		r.Post("/formateur/communaute", s.trainerCommunityOptIn)
		r.Get("/formateur/sessions/{id}", s.trainerRoster)
		r.Post("/formateur/sessions/{id}/emargement", s.trainerAttendance)
		r.Post("/formateur/sessions/{id}/emargement/{jour}", s.trainerSlotAttendance)
		r.Get("/formateur/sessions/{id}/feuille/{jour}", s.trainerSignInSheet)
		r.Get("/formateur/sessions/{id}/feuille-pdf/{jour}", s.trainerSignInSheetPDF)
		r.Get("/formateur/sessions/{id}/inscrits.csv", s.trainerRosterCSV)
	})
}

// domainOptions are the published domains, for checkbox groups.
func (s *Server) domainOptions(r *http.Request) ([]templates.Option, error) {
	ds, err := s.store.ListDomains(r.Context())
	if err != nil {
		return nil, err
	}
	var out []templates.Option
	for _, d := range ds {
		if d.Status == catalogue.StatusPublished {
			out = append(out, templates.Option{Value: d.Slug, Label: d.Title})
		}
	}
	return out, nil
}

func trainerKindOptions() []templates.Option {
	return []templates.Option{
		{Value: trainer.KindInternal, Label: "Agent public", Hint: "Formateur interne, rémunéré pour les sessions animées."},
		{Value: trainer.KindExternal, Label: "Intervenant externe", Hint: "Formateur d’intérêt général : association, entreprise, recherche, indépendant."},
	}
}

func (s *Server) renderTrainerCall(w http.ResponseWriter, r *http.Request, status int, f templates.FormState) {
	domains, err := s.domainOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.TrainersByKind(r.Context(), programme.BilanFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Devenir formateur"
	if f.Failed() {
		title = "Erreur - " + title
	}
	v := templates.TrainerCallView{Form: f, Domains: domains, Kinds: trainerKindOptions(),
		Page: s.page(r, "formateurs", title, "L’appel à formateurs du Campus du numérique public : agents publics et intervenants d’intérêt général.",
			templates.Crumb{Label: "Devenir formateur"})}
	for _, c := range counts {
		switch c.Key {
		case trainer.KindInternal:
			v.Internal = c.Values[0]
		case trainer.KindExternal:
			v.External = c.Values[0]
		}
	}
	s.render(w, r, status, templates.TrainerCall(v))
}

func (s *Server) trainerCall(w http.ResponseWriter, r *http.Request) {
	f := templates.FormState{}
	if u, ok := CurrentUser(r); ok {
		f.Values = map[string]string{"given_name": u.GivenName, "usual_name": u.UsualName, "email": u.Email, "organisation": u.Administration}
	}
	s.renderTrainerCall(w, r, http.StatusOK, f)
}

func (s *Server) trainerApply(w http.ResponseWriter, r *http.Request) {
	domains, err := s.domainOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	a := trainer.Application{
		GivenName:    f.Text("given_name", "Prénom", trainer.MaxName, true),
		UsualName:    f.Text("usual_name", "Nom", trainer.MaxName, true),
		Email:        f.Email("email"),
		Kind:         f.Choice("kind", "Vous êtes", trainerKindOptions(), true),
		Organisation: f.Text("organisation", "Administration ou organisation", trainer.MaxOrganisation, true),
		JobTitle:     f.Text("job_title", "Fonction", trainer.MaxJobTitle, false),
	}
	for _, slug := range f.Choices("domains", "Domaines d’expertise", domains, 1) {
		a.Domains = append(a.Domains, trainer.Ref{Slug: slug})
	}
	a.Expertise = f.Multiline("expertise", "Votre expérience", trainer.MaxText, false)
	a.Modules = f.Multiline("modules", "Modules que vous pourriez animer ou proposer", trainer.MaxText, true)
	a.Availability = f.Multiline("availability", "Disponibilités", trainer.MaxText, true)
	a.Community = f.Checked("community", false, "")
	f.Checked("consent", true, "Cochez cette case pour que nous puissions étudier votre candidature.")
	again := func(status int) { s.renderTrainerCall(w, r, status, f.State()) }
	if !s.admitted(w, r, f, again, hit{limitTrainerIP, s.clientIP(r)}, mailTo(limitMailRecipient, a.Email)) {
		return
	}
	// The same answer whether or not an application was already under review for the address, at the same time:
	// the application (or the mail saying there is one) is written after it (afterwards.go).
	s.afterAnswer(r, "trainer application", func(ctx context.Context) error {
		_, _, err := s.store.SubmitTrainerApplication(ctx, a)
		return err
	})
	http.Redirect(w, r, "/devenir-formateur/merci", http.StatusSeeOther)
}

func (s *Server) trainerThanks(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.Message(templates.MessageView{
		Page:    s.page(r, "formateurs", "Candidature envoyée", "", templates.Crumb{Label: "Devenir formateur", Href: "/devenir-formateur"}, templates.Crumb{Label: "Candidature envoyée"}),
		Heading: "Merci pour votre candidature", Kind: "success", Title: "Votre candidature est envoyée",
		Text:  "Un courriel de confirmation vous a été envoyé. L’équipe du Campus étudie votre candidature et vous répondra par courriel.",
		Links: []templates.Crumb{{Label: "Découvrir la communauté des formateurs", Href: "/communaute-formateurs"}, {Label: "Retour à l’accueil", Href: "/"}}}))
}

// replyApplication finds the application of a "more information" link; an unknown or used link is a 404.
func (s *Server) replyApplication(w http.ResponseWriter, r *http.Request) (trainer.Application, []byte, bool) {
	tok := chi.URLParam(r, "token")
	if !account.PlausibleToken(tok) {
		s.notFound(w, r)
		return trainer.Application{}, nil, false
	}
	hash := account.HashToken(tok)
	a, err := s.store.TrainerReplyApplication(r.Context(), hash)
	if err != nil {
		s.fail(w, r, err)
		return a, nil, false
	}
	return a, hash, true
}

func (s *Server) renderTrainerReply(w http.ResponseWriter, r *http.Request, status int, a trainer.Application, f templates.FormState) {
	question := ""
	for _, e := range a.Events {
		if e.To == trainer.StatusMoreInfo {
			question = e.Message
		}
	}
	title := "Préciser ma candidature"
	if f.Failed() {
		title = "Erreur - " + title
	}
	s.render(w, r, status, templates.TrainerReply(templates.TrainerReplyView{Application: a, Question: question, Form: f,
		Action: r.URL.Path, Page: s.page(r, "formateurs", title, "", templates.Crumb{Label: "Devenir formateur", Href: "/devenir-formateur"},
			templates.Crumb{Label: "Préciser ma candidature"})}))
}

func (s *Server) trainerReplyPage(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.replyApplication(w, r)
	if !ok {
		return
	}
	s.renderTrainerReply(w, r, http.StatusOK, a, templates.FormState{Values: map[string]string{"modules": a.Modules, "availability": a.Availability}})
}

func (s *Server) trainerReply(w http.ResponseWriter, r *http.Request) {
	a, hash, ok := s.replyApplication(w, r)
	if !ok {
		return
	}
	f := s.readForm(w, r)
	answer := f.Multiline("answer", "Votre réponse", trainer.MaxText, true)
	modules := f.Multiline("modules", "Modules que vous pourriez animer ou proposer", trainer.MaxText, true)
	availability := f.Multiline("availability", "Disponibilités", trainer.MaxText, true)
	if !f.Valid() {
		s.renderTrainerReply(w, r, http.StatusUnprocessableEntity, a, f.State())
		return
	}
	if _, err := s.store.TrainerReply(r.Context(), hash, answer, modules, availability); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/devenir-formateur/merci", "success", "Votre réponse est envoyée : l’équipe du Campus reprend l’examen de votre candidature.")
}

func (s *Server) trainerCommunity(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.TrainerCommunity(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.TrainerCommunityView{Total: c.Total,
		Page: s.page(r, "formateurs", "La communauté des formateurs", "Les formateurs du Campus du numérique public, par type et par domaine.",
			templates.Crumb{Label: "Devenir formateur", Href: "/devenir-formateur"}, templates.Crumb{Label: "La communauté des formateurs"}),
		ByKind: templates.Chart{ID: "par-type", Title: "Formateurs par type", Unit: "formateurs",
			Desc: "Formateurs internes (agents publics rémunérés) et externes (d’intérêt général)."},
		ByDomain: templates.Chart{ID: "par-domaine", Title: "Formateurs par domaine d’expertise", Unit: "formateurs",
			Desc: "Un formateur peut compter dans plusieurs domaines."},
	}
	for _, k := range c.ByKind {
		v.ByKind.Rows = append(v.ByKind.Rows, templates.ChartRow{Label: trainer.KindShortLabel(k.Key), Values: []int{k.N}})
	}
	for _, d := range c.ByDomain {
		v.ByDomain.Rows = append(v.ByDomain.Rows, templates.ChartRow{Label: d.Label, Values: []int{d.N}})
	}
	s.render(w, r, http.StatusOK, templates.TrainerCommunity(v))
}

func (s *Server) trainerSpace(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	ss, err := s.store.TrainerSessions(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.TrainerSpaceView{Page: s.page(r, "", "Mon espace formateur", "", templates.Crumb{Label: "Mon espace formateur"})}
	now := time.Now()
	for _, x := range ss {
		if x.EndsAt.Before(now) {
			v.Past = append(v.Past, x)
		} else {
			v.Upcoming = append(v.Upcoming, x)
		}
	}
	p, err := s.store.TrainerProfile(r.Context(), u.ID)
	switch {
	case err == nil:
		v.Profile = &p
	case !errors.Is(err, apperr.ErrNotFound):
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.TrainerSpace(v))
}

func (s *Server) trainerCommunityOptIn(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	f := s.readForm(w, r)
	on := f.Checked("community", false, "")
	if err := s.store.SetTrainerCommunity(r.Context(), u.ID, on); err != nil {
		s.fail(w, r, err)
		return
	}
	if on {
		s.flash(r, "success", "Vous êtes compté(e) dans la page de la communauté des formateurs.")
	} else {
		s.flash(r, "success", "Vous n’êtes plus compté(e) dans la page de la communauté des formateurs.")
	}
	http.Redirect(w, r, "/formateur#profil", http.StatusSeeOther)
}

// trainerSession checks that the signed-in trainer gives the session of the route (an admin sees any):
// another trainer's session is a 404, as if it did not exist.
func (s *Server) trainerSession(w http.ResponseWriter, r *http.Request) (int64, bool) {
	u, _ := CurrentUser(r)
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return 0, false
	}
	if u.Role != account.RoleAdmin {
		ok, err := s.store.GivesSession(r.Context(), u.ID, id)
		if err != nil {
			s.fail(w, r, err)
			return 0, false
		}
		if !ok {
			s.notFound(w, r)
			return 0, false
		}
	}
	return id, true
}

func (s *Server) trainerRosterView(r *http.Request, ro enrolment.Roster, refusal string) templates.RosterView {
	base := "/formateur/sessions/" + strconv.FormatInt(ro.Session.ID, 10)
	return templates.RosterView{Roster: ro, Error: refusal, CSVHref: base + "/inscrits.csv", Action: base + "/emargement",
		SlotAction: base + "/emargement/", SheetHref: base + "/feuille/",
		Page: s.page(r, "", "Participants : "+ro.Module.Title+", session du "+catalogue.ShortDate(ro.Session.StartsAt), "",
			templates.Crumb{Label: "Mon espace formateur", Href: "/formateur"}, templates.Crumb{Label: "Participants et émargement"})}
}

func (s *Server) trainerRoster(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.trainerSession(w, r); ok {
		s.renderSessionRoster(w, r, id, s.trainerRosterView)
	}
}

// trainerAttendance records present/absent for the session's agents, as the back-office does.
func (s *Server) trainerAttendance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	n, ok := s.saveMarks(w, r, id, attendanceMarks, s.trainerSessionRoster(), func(marks map[int64]bool) (int, error) {
		return s.store.MarkAttendance(r.Context(), id, marks)
	})
	if !ok {
		return
	}
	s.flashTo(w, r, "/formateur/sessions/"+strconv.FormatInt(id, 10), "success", "Émargement enregistré ("+strconv.Itoa(n)+" changement(s)).")
}

func (s *Server) trainerRosterCSV(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	ro, err := s.store.Roster(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeRosterCSV(w, ro)
}
