package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/templates"
)

// Satisfaction surveys: the agent's questionnaires (from "Mes formations", and from the "à froid" mail), the
// back-office's results and moderation, the CSV export. Trainers see their sessions' aggregates on their roster
// (from five answers); the bilan shows satisfaction per domain (bilan.go).

func (s *Server) surveyRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Get("/mes-formations/{id}/avis", s.surveyPage(enrolment.SurveyHot))
		r.Post("/mes-formations/{id}/avis", s.surveyAnswer(enrolment.SurveyHot))
		r.Get("/mes-formations/{id}/avis-a-froid", s.surveyPage(enrolment.SurveyCold))
		r.Post("/mes-formations/{id}/avis-a-froid", s.surveyAnswer(enrolment.SurveyCold))
	})
}

func (s *Server) surveyAdminRoutes(r chi.Router) {
	r.Get("/avis", s.adminSurveys)
	r.Get("/avis.csv", s.adminSurveysCSV)
	r.Post("/avis/commentaires/{id}", s.adminModerate)
}

func (s *Server) surveyView(r *http.Request, e enrolment.Enrolment, kind string) templates.SurveyView {
	v := templates.SurveyView{Enrolment: e, Kind: kind, Page: s.page(r, "", "Votre avis sur "+e.Module.Title, "",
		templates.Crumb{Label: "Mes formations", Href: "/mes-formations"}, templates.Crumb{Label: "Votre avis"})}
	probe := enrolment.SurveyAnswer{Kind: kind, Satisfaction: 3, Usefulness: 3}
	if err := enrolment.CheckSurvey(e, probe, time.Now()); err != nil {
		v.Refusal = err.Error()
	}
	return v
}

func (s *Server) surveyPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := s.ownEnrolment(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, templates.Survey(s.surveyView(r, e, kind)))
	}
}

var noteOptions = []templates.Option{{Value: "1"}, {Value: "2"}, {Value: "3"}, {Value: "4"}, {Value: "5"}}

func (s *Server) surveyAnswer(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := CurrentUser(r)
		e, err := s.ownEnrolment(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := s.readForm(w, r)
		a := enrolment.SurveyAnswer{Kind: kind}
		if kind == enrolment.SurveyHot {
			a.Satisfaction, _ = strconv.Atoi(f.Choice("satisfaction", "Satisfaction", noteOptions, true))
		}
		a.Usefulness, _ = strconv.Atoi(f.Choice("utilite", "Utilité", noteOptions, true))
		if kind == enrolment.SurveyHot {
			a.Recommend = f.Choice("recommandation", "Recommandation", []templates.Option{{Value: "oui"}, {Value: "non"}}, true) == "oui"
		}
		a.Comment = f.Multiline("commentaire", "Commentaire", enrolment.MaxSurveyComment, false)
		if f.Valid() {
			err = s.store.AnswerSurvey(r.Context(), u.ID, e.ID, a)
			if err == nil {
				s.flashTo(w, r, "/mes-formations", "success", "Merci pour votre avis : il aide le Campus à améliorer ses formations.")
				return
			}
			if err := f.Refuse(err); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		v := s.surveyView(r, e, kind)
		v.Form = f.State()
		s.render(w, r, http.StatusUnprocessableEntity, templates.Survey(v))
	}
}

// surveyPeriod reads the admin's period (?du=AAAA-MM-JJ&au=AAAA-MM-JJ, the end day included).
func surveyPeriod(r *http.Request) (postgres.SurveyFilter, string, string, string) {
	var f postgres.SurveyFilter
	q := r.URL.Query()
	from, to := queryText(q, "du", 10), queryText(q, "au", 10)
	msg := ""
	if from != "" {
		t, err := time.ParseInLocation("2006-01-02", from, catalogue.Paris)
		if err != nil {
			msg = "La date de début doit être de la forme AAAA-MM-JJ."
		}
		f.From = t
	}
	if to != "" {
		t, err := time.ParseInLocation("2006-01-02", to, catalogue.Paris)
		if err != nil {
			msg = "La date de fin doit être de la forme AAAA-MM-JJ."
		} else {
			f.To = t.AddDate(0, 0, 1)
		}
	}
	if msg != "" {
		f = postgres.SurveyFilter{}
	}
	return f, from, to, msg
}

func (s *Server) adminSurveys(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, from, to, msg := surveyPeriod(r)
	v := templates.AdminSurveysView{From: from, To: to, Error: msg, CSVHref: "/admin/avis.csv?" + r.URL.RawQuery,
		Page: s.page(r, "admin", "Avis des participants", "", adminCrumbs(templates.Crumb{Label: "Avis des participants"})...)}
	var err error
	if v.ByModule, err = s.store.SurveyResultsBy(ctx, "module", f); err == nil {
		if v.BySession, err = s.store.SurveyResultsBy(ctx, "session", f); err == nil {
			if v.ByTrainer, err = s.store.SurveyResultsBy(ctx, "trainer", f); err == nil {
				if v.Pending, err = s.store.SurveyComments(ctx, enrolment.CommentPending, postgres.SurveyFilter{}); err == nil {
					v.Published, err = s.store.SurveyComments(ctx, enrolment.CommentPublished, f)
				}
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, templates.AdminSurveys(v))
}

func (s *Server) adminModerate(w http.ResponseWriter, r *http.Request) {
	id, f, ok := s.postedID(w, r)
	if !ok {
		return
	}
	decision := f.Text("decision", "Décision", 10, true)
	if decision != "publier" && decision != "ecarter" {
		s.flashTo(w, r, "/admin/avis", "error", "Choisissez « Publier » ou « Écarter ».")
		return
	}
	if err := s.store.ModerateComment(r.Context(), adminActor(r), id, decision == "publier"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/admin/avis", "success", map[bool]string{true: "Commentaire publié.", false: "Commentaire écarté."}[decision == "publier"])
}

// adminSurveysCSV exports the answers of the period without who answered, through the portal's one CSV writer
// (internal/sheet: formula injection neutralised).
func (s *Server) adminSurveysCSV(w http.ResponseWriter, r *http.Request) {
	f, _, _, _ := surveyPeriod(r)
	rows, err := s.store.SurveyExport(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	header := []string{"Module", "Session", "Date de la session", "Questionnaire", "Satisfaction", "Utilité", "Recommanderait", "Commentaire publié", "Répondu le"}
	serveCSV(w, "avis-participants.csv", append([][]string{header}, rows...)...)
}
