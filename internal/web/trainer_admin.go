package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/trainer"
	"campus/templates"
)

// The call for trainers, the back-office: the review queue, decisions with their mails, the sessions a trainer
// gives (chosen in the back-office's session form).

func (s *Server) trainerAdminRoutes(r chi.Router) {
	r.Get("/formateurs", s.adminTrainers)
	r.Get("/formateurs/{id}", s.adminTrainer)
	r.Post("/formateurs/{id}/decision", s.adminTrainerDecide)
}

func (s *Server) adminTrainers(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("statut")
	valid := false
	for _, x := range trainer.Statuses {
		valid = valid || x == st
	}
	if !valid {
		st = trainer.StatusReceived
	}
	as, err := s.store.TrainerApplications(r.Context(), st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.TrainerApplicationCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AdminTrainersView{Status: st, Counts: counts, Applications: as,
		Page: s.adminPage(r, "Candidatures de formateurs", templates.Crumb{Label: "Formateurs"})}
	s.render(w, r, http.StatusOK, templates.AdminTrainers(v))
}

func decisionOptions(status string) []templates.Option {
	var out []templates.Option
	for _, d := range trainer.Decisions(status) {
		out = append(out, templates.Option{Value: d, Label: trainer.DecisionLabel(d)})
	}
	return out
}

func (s *Server) renderAdminTrainer(w http.ResponseWriter, r *http.Request, status int, id int64, form templates.FormState) {
	a, err := s.store.TrainerApplication(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Candidature " + catalogue.De(a.Name())
	if form.Failed() {
		title = "Erreur - " + title
	}
	v := templates.AdminTrainerView{Application: a, Decisions: decisionOptions(a.Status), Form: form,
		Page: s.adminPage(r, title,
			templates.Crumb{Label: "Formateurs", Href: "/admin/formateurs?statut=" + a.Status}, templates.Crumb{Label: a.Name()})}
	if a.Status == trainer.StatusAccepted && a.UserID != 0 {
		if v.Sessions, err = s.store.TrainerSessions(r.Context(), a.UserID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, templates.AdminTrainer(v))
}

func (s *Server) adminTrainer(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.renderAdminTrainer(w, r, http.StatusOK, id, templates.FormState{})
}

func (s *Server) adminTrainerDecide(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	a, err := s.store.TrainerApplication(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	decision := f.Choice("decision", "Décision", decisionOptions(a.Status), true)
	message := f.Multiline("message", "Message au candidat", trainer.MaxText, false)
	note := f.Multiline("note", "Note interne", trainer.MaxText, false)
	if decision == trainer.DecisionAsk && message == "" && f.State().Errors["message"] == "" {
		f.Fail("message", "Écrivez la question posée au candidat.")
	}
	if len(decisionOptions(a.Status)) == 0 {
		f.FailForm("Cette candidature a déjà reçu une décision.")
	}
	if !f.Valid() {
		s.renderAdminTrainer(w, r, http.StatusUnprocessableEntity, id, f.State())
		return
	}
	d := postgres.TrainerDecision{Decision: decision, Message: message, Note: note, Actor: adminActor(r)}
	a, err = s.store.DecideTrainerApplication(r.Context(), id, d)
	if errors.Is(err, trainer.ErrTransition) {
		f.Refuse(err)
		s.renderAdminTrainer(w, r, http.StatusConflict, id, f.State())
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch a.Status {
	case trainer.StatusAccepted:
		s.flash(r, "success", "Candidature acceptée : "+a.Name()+" est formateur ou formatrice ; un courriel lui a été envoyé.")
	case trainer.StatusDeclined:
		s.flash(r, "success", "Candidature refusée ; un courriel a été envoyé à "+a.Email+".")
	default:
		s.flash(r, "success", "Votre question a été envoyée à "+a.Email+" avec un lien pour y répondre.")
	}
	http.Redirect(w, r, "/admin/formateurs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
