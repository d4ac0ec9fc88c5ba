package web

import (
	"context"
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
	title := "Inscrits : " + ro.Module.Title
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
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.renderSessionRoster(w, r, id, s.rosterView)
}

// renderSessionRoster renders the roster of a session with its survey results (aggregates only, from five
// answers), in the back-office's view or the trainer's.
func (s *Server) renderSessionRoster(w http.ResponseWriter, r *http.Request, id int64, view func(*http.Request, enrolment.Roster, string) templates.RosterView) {
	ro, err := s.store.Roster(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := view(r, ro, "")
	res, err := s.store.SurveyResults(r.Context(), postgres.SurveyFilter{SessionID: id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Survey = &res
	s.render(w, r, http.StatusOK, templates.Roster(v))
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

// marksForm names the radios "prefix-<enrolment id>" = yes / no of a roster form.
type marksForm struct{ prefix, yes, no string }

var (
	attendanceMarks = marksForm{"presence", "present", "absent"}
	completionMarks = marksForm{"achevement", "termine", "en-cours"}
)

// readMarks reads the radios of the roster form.
func readMarks(f *Form, m marksForm) (map[int64]bool, string) {
	marks := map[int64]bool{}
	for name, vs := range f.values {
		rest, ok := strings.CutPrefix(name, m.prefix+"-")
		if !ok {
			continue
		}
		id := input.ID(rest)
		if id == 0 || len(vs) != 1 || (vs[0] != m.yes && vs[0] != m.no) {
			return nil, "Le formulaire envoyé n’est pas valide : rechargez la page et recommencez."
		}
		marks[id] = vs[0] == m.yes
	}
	if len(marks) == 0 {
		return nil, "Aucune case n’a été cochée : indiquez au moins une personne."
	}
	return marks, ""
}

// rosterOf is a roster page: how to read it again and how to show it (the back-office's session or online
// module, the trainer's session).
type rosterOf struct {
	load func(context.Context, int64) (enrolment.Roster, error)
	view func(*http.Request, enrolment.Roster, string) templates.RosterView
}

func (s *Server) adminSessionRoster() rosterOf { return rosterOf{s.store.Roster, s.rosterView} }
func (s *Server) adminOnlineRoster() rosterOf  { return rosterOf{s.store.OnlineRoster, s.rosterView} }
func (s *Server) trainerSessionRoster() rosterOf {
	return rosterOf{s.store.Roster, s.trainerRosterView}
}

// saveMarks reads the radios of a roster form (m) and has save record them, returning how many changed. On a
// refusal (an unreadable form, no radio, the store's enrolment.Refusal) it shows the roster of id (page) again
// with the message and 422, and ok is false, as after an error it answered.
func (s *Server) saveMarks(w http.ResponseWriter, r *http.Request, id int64, m marksForm, page rosterOf,
	save func(map[int64]bool) (int, error)) (n int, ok bool) {
	f := s.readForm(w, r)
	marks, msg := readMarks(f, m)
	if f.message != "" {
		msg = f.message
	}
	if msg == "" {
		var err error
		n, err = save(marks)
		if ref, _ := refused(err); ref != nil {
			msg, err = ref.Message, nil
		}
		if err != nil {
			s.fail(w, r, err)
			return 0, false
		}
	}
	if msg != "" {
		ro, err := page.load(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return 0, false
		}
		s.render(w, r, http.StatusUnprocessableEntity, templates.Roster(page.view(r, ro, msg)))
		return 0, false
	}
	return n, true
}

// markAttendance records present/absent for the checked agents (once the session has started).
func (s *Server) markAttendance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	n, ok := s.saveMarks(w, r, id, attendanceMarks, s.adminSessionRoster(), func(marks map[int64]bool) (int, error) {
		return s.store.MarkAttendance(r.Context(), id, marks)
	})
	if !ok {
		return
	}
	s.flashTo(w, r, fmt.Sprintf("/admin/sessions/%d", id), "success", "Présences enregistrées ("+catalogue.Plural(n, "changement", "changements")+").")
}

// markCompletions records which agents finished an online module.
func (s *Server) markCompletions(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	n, ok := s.saveMarks(w, r, id, completionMarks, s.adminOnlineRoster(), func(marks map[int64]bool) (int, error) {
		return s.store.MarkCompletions(r.Context(), id, marks)
	})
	if !ok {
		return
	}
	s.flashTo(w, r, fmt.Sprintf("/admin/modules-en-ligne/%d", id), "success", "Achèvements enregistrés ("+catalogue.Plural(n, "changement", "changements")+").")
}

func (s *Server) rosterCSV(w http.ResponseWriter, r *http.Request) {
	s.rosterCSVOf(w, r, s.store.Roster)
}

func (s *Server) onlineRosterCSV(w http.ResponseWriter, r *http.Request) {
	s.rosterCSVOf(w, r, s.store.OnlineRoster)
}

// rosterCSVOf exports the roster of the route's {id}, read by load.
func (s *Server) rosterCSVOf(w http.ResponseWriter, r *http.Request, load func(context.Context, int64) (enrolment.Roster, error)) {
	id, err := idParam(r, "id")
	if err == nil {
		var ro enrolment.Roster
		if ro, err = load(r.Context(), id); err == nil {
			writeRosterCSV(w, ro)
			return
		}
	}
	s.fail(w, r, err)
}

// writeRosterCSV exports a roster for spreadsheets (serveCSV).
// The file is named after the session's reference, or the online module's slug.
func writeRosterCSV(w http.ResponseWriter, ro enrolment.Roster) {
	filename, session := "inscrits-"+ro.Module.Slug+".csv", ""
	if ro.Session.ID != 0 {
		filename, session = "inscrits-"+ro.Session.Ref+".csv", catalogue.Span(ro.Session.StartsAt, ro.Session.EndsAt)
	}
	records := [][]string{{"Nom", "Prénom", "Adresse électronique", "Administration", "Statut", "Position en liste d’attente",
		"Inscrit le", "Module", "Session"}}
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
