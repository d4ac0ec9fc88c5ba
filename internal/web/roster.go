package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/input"
	"campus/internal/postgres"
	"campus/templates"
)

// rosterRoutes registers the admin pages of enrolments, inside /admin (admins only): a session's roster with
// the attendance form and the CSV export, and the same for a self-paced online module with completion.
func (s *Server) rosterRoutes(r chi.Router) {
	r.Get("/sessions/{id}", s.roster)
	r.Post("/sessions/{id}/presences", s.markAttendance)
	r.Post("/sessions/{id}/presences/{jour}", s.markSlotAttendance)
	r.Get("/sessions/{id}/emargement/{jour}", s.signInSheet)
	r.Get("/sessions/{id}/emargement-pdf/{jour}", s.signInSheetPDF)
	r.Get("/sessions/{id}/inscrits.csv", s.rosterCSV)
	r.Get("/modules-en-ligne/{id}", s.onlineRoster)
	r.Post("/modules-en-ligne/{id}/achevements", s.markCompletions)
	r.Get("/modules-en-ligne/{id}/inscrits.csv", s.onlineRosterCSV)
}

func (s *Server) rosterView(r *http.Request, ro enrolment.Roster, refusal string) templates.RosterView {
	title := "Inscrits : " + ro.Module.Title
	base := fmt.Sprintf("/admin/sessions/%d", ro.Session.ID)
	action := base + "/presences"
	if ro.Session.ID == 0 {
		base = fmt.Sprintf("/admin/modules-en-ligne/%d", ro.Module.ID)
		action = base + "/achevements"
	} else {
		title += ", session du " + catalogue.ShortDate(ro.Session.StartsAt)
	}
	return templates.RosterView{Roster: ro, Error: refusal, CSVHref: base + "/inscrits.csv", Action: action,
		SlotAction: base + "/presences/", SheetHref: base + "/emargement/",
		Page: s.page(r, "", title, "", adminCrumbs(templates.Crumb{Label: "Liste des inscrits"})...)}
}

// roster lists a session's agents: seat holders, then the waitlist in order, then cancellations.
func (s *Server) roster(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err == nil {
		var ro enrolment.Roster
		if ro, err = s.store.Roster(r.Context(), id); err == nil {
			v := s.rosterView(r, ro, "")
			var res enrolment.Results
			if res, err = s.store.SurveyResults(r.Context(), postgres.SurveyFilter{SessionID: id}); err == nil {
				v.Survey = &res
				s.render(w, r, http.StatusOK, templates.Roster(v))
				return
			}
		}
	}
	s.fail(w, r, err)
}

func (s *Server) onlineRoster(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err == nil {
		var ro enrolment.Roster
		if ro, err = s.store.OnlineRoster(r.Context(), id); err == nil {
			s.render(w, r, http.StatusOK, templates.Roster(s.rosterView(r, ro, "")))
			return
		}
	}
	s.fail(w, r, err)
}

// readMarks reads the radios "prefix-<enrolment id>" = yes / no of the roster form.
func readMarks(f *Form, prefix, yes, no string) (map[int64]bool, string) {
	marks := map[int64]bool{}
	for name, vs := range f.values {
		rest, ok := strings.CutPrefix(name, prefix+"-")
		if !ok {
			continue
		}
		id := input.ID(rest)
		if id == 0 || len(vs) != 1 || (vs[0] != yes && vs[0] != no) {
			return nil, "Le formulaire envoyé n’est pas valide : rechargez la page et recommencez."
		}
		marks[id] = vs[0] == yes
	}
	if len(marks) == 0 {
		return nil, "Aucune case n’a été cochée : indiquez au moins une personne."
	}
	return marks, ""
}

// markAttendance records present/absent for the checked agents (once the session has started).
func (s *Server) markAttendance(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	marks, msg := readMarks(f, "presence", "present", "absent")
	if f.message != "" {
		msg = f.message
	}
	var n int
	if msg == "" {
		n, err = s.store.MarkAttendance(r.Context(), id, marks)
		if ref, ok := enrolment.AsRefusal(err); ok {
			msg, err = ref.Message, nil
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if msg != "" {
		ro, err := s.store.Roster(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, templates.Roster(s.rosterView(r, ro, msg)))
		return
	}
	s.flash(r, "success", "Présences enregistrées ("+catalogue.Plural(n, "changement", "changements")+").")
	http.Redirect(w, r, fmt.Sprintf("/admin/sessions/%d", id), http.StatusSeeOther)
}

// markCompletions records which agents finished an online module.
func (s *Server) markCompletions(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	marks, msg := readMarks(f, "achevement", "termine", "en-cours")
	if f.message != "" {
		msg = f.message
	}
	var n int
	if msg == "" {
		n, err = s.store.MarkCompletions(r.Context(), id, marks)
		if ref, ok := enrolment.AsRefusal(err); ok {
			msg, err = ref.Message, nil
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if msg != "" {
		ro, err := s.store.OnlineRoster(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, templates.Roster(s.rosterView(r, ro, msg)))
		return
	}
	s.flash(r, "success", "Achèvements enregistrés ("+catalogue.Plural(n, "changement", "changements")+").")
	http.Redirect(w, r, fmt.Sprintf("/admin/modules-en-ligne/%d", id), http.StatusSeeOther)
}

func (s *Server) rosterCSV(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err == nil {
		var ro enrolment.Roster
		if ro, err = s.store.Roster(r.Context(), id); err == nil {
			writeRosterCSV(w, ro, "inscrits-"+ro.Session.Ref+".csv")
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) onlineRosterCSV(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err == nil {
		var ro enrolment.Roster
		if ro, err = s.store.OnlineRoster(r.Context(), id); err == nil {
			writeRosterCSV(w, ro, "inscrits-"+ro.Module.Slug+".csv")
			return
		}
	}
	s.fail(w, r, err)
}

// writeRosterCSV exports a roster for spreadsheets (serveCSV).
func writeRosterCSV(w http.ResponseWriter, ro enrolment.Roster, filename string) {
	records := [][]string{{"Nom", "Prénom", "Adresse électronique", "Administration", "Statut", "Position en liste d’attente",
		"Inscrit le", "Module", "Session"}}
	session := ""
	if ro.Session.ID != 0 {
		session = catalogue.Span(ro.Session.StartsAt, ro.Session.EndsAt)
	}
	for _, e := range ro.Entries {
		pos := ""
		if e.Status == enrolment.Waitlisted {
			pos = strconv.Itoa(e.Position)
		}
		records = append(records, []string{e.Person.UsualName, e.Person.GivenName, e.Person.Email, e.Person.Administration,
			enrolment.StatusLabel(e.Status), pos, e.CreatedAt.In(catalogue.Paris).Format("02/01/2006 15:04"), ro.Module.Title, session})
	}
	serveCSV(w, filename, records...)
}
