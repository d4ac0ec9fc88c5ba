package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/templates"
)

// Attendance per day or half-day (the roster's forms, for admins and the session's trainer), the printable
// sign-in sheets, and the absence an agent declares from "Mes formations".

var slotKeyPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-matin|-apres-midi)?$`)

// slotParam is the route's slot key ({jour}); anything else is a 404.
func slotParam(r *http.Request) (string, error) {
	k := chi.URLParam(r, "jour")
	if !slotKeyPattern.MatchString(k) {
		return "", apperr.ErrNotFound
	}
	return k, nil
}

// slotAttendance records the marks of one slot; it answers with the roster page (view) on a refusal.
func (s *Server) slotAttendance(w http.ResponseWriter, r *http.Request, id int64, back string, view func(enrolment.Roster, string) templates.RosterView) {
	u, _ := CurrentUser(r)
	key, err := slotParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	marks, msg := readMarks(f, "presence", "present", "absent")
	if f.message != "" {
		msg = f.message
	}
	n := 0
	if msg == "" {
		n, err = s.store.MarkSlotAttendance(r.Context(), id, key, marks, u.ID)
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
		s.render(w, r, http.StatusUnprocessableEntity, templates.Roster(view(ro, msg)))
		return
	}
	s.flash(r, "success", "Présences du "+slotLabel(key)+" enregistrées ("+catalogue.Plural(n, "changement", "changements")+").")
	http.Redirect(w, r, back+"#jour-"+key, http.StatusSeeOther)
}

// slotLabel is the French label of a slot key already checked by the store.
func slotLabel(key string) string {
	sl := enrolment.Slot{}
	day := key
	for _, half := range []string{enrolment.Morning, enrolment.Afternoon} {
		if d, ok := strings.CutSuffix(key, "-"+half); ok {
			day, sl.Half = d, half
		}
	}
	sl.Day, _ = time.ParseInLocation("2006-01-02", day, catalogue.Paris)
	return sl.Label()
}

func (s *Server) markSlotAttendance(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.slotAttendance(w, r, id, fmt.Sprintf("/admin/sessions/%d", id), func(ro enrolment.Roster, msg string) templates.RosterView {
		return s.rosterView(r, ro, msg)
	})
}

func (s *Server) trainerSlotAttendance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	s.slotAttendance(w, r, id, "/formateur/sessions/"+strconv.FormatInt(id, 10), func(ro enrolment.Roster, msg string) templates.RosterView {
		return s.trainerRosterView(r, ro, msg)
	})
}

// sheet renders the sign-in sheet of a slot of the session.
func (s *Server) sheet(w http.ResponseWriter, r *http.Request, id int64, back string) {
	key, err := slotParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ro, err := s.store.Roster(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slot, ok := enrolment.FindSlot(enrolment.Slots(ro.Session), key)
	if !ok {
		s.fail(w, r, apperr.ErrNotFound)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, templates.SignInSheet(templates.SheetView{Roster: ro, Slot: slot, Back: back,
		Page: s.page(r, "", "Feuille d’émargement : "+ro.Module.Title+", "+slot.Label(), "",
			templates.Crumb{Label: "Liste des inscrits", Href: back}, templates.Crumb{Label: "Feuille d’émargement"})}))
}

func (s *Server) signInSheet(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sheet(w, r, id, fmt.Sprintf("/admin/sessions/%d", id))
}

func (s *Server) trainerSignInSheet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	s.sheet(w, r, id, "/formateur/sessions/"+strconv.FormatInt(id, 10))
}

func (s *Server) absenceView(r *http.Request, e enrolment.Enrolment) templates.AbsenceView {
	v := templates.AbsenceView{Enrolment: e, Page: s.page(r, "", "Signaler une absence à "+e.Module.Title, "",
		templates.Crumb{Label: "Mes formations", Href: "/mes-formations"}, templates.Crumb{Label: "Signaler une absence"})}
	what, err := enrolment.AbsenceOutcome(e, time.Now())
	if err != nil {
		v.Refusal = err.Error()
	}
	v.Outcome = what
	return v
}

// absencePage asks the agent for the reason of their absence, saying what it will do (or why it cannot).
func (s *Server) absencePage(w http.ResponseWriter, r *http.Request) {
	e, err := s.ownEnrolment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.DeclareAbsence(s.absenceView(r, e)))
}

// declareAbsence records it: cancelled before the cut-off (the seat to the waitlist), excused after.
func (s *Server) declareAbsence(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := s.readForm(w, r)
	reason := f.Multiline("raison", "Raison de l’absence", enrolment.MaxAbsenceReason, true)
	if f.Valid() {
		var what string
		_, what, err = s.store.DeclareAbsence(r.Context(), u.ID, id, reason, s.mailer())
		if err == nil {
			msg := "Votre absence est enregistrée comme excusée ; votre place reste réservée."
			if what == "cancel" {
				s.invalidate("seats")
				msg = "Votre absence est enregistrée et votre inscription annulée : votre place est proposée à la liste d’attente."
			}
			s.flash(r, "success", msg)
			http.Redirect(w, r, "/mes-formations", http.StatusSeeOther)
			return
		}
		ref, ok := enrolment.AsRefusal(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		f.FailForm(ref.Message)
	}
	e, err := s.store.Enrolment(r.Context(), id)
	if err == nil && e.UserID != u.ID {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.absenceView(r, e)
	v.Form = f.State()
	s.render(w, r, http.StatusUnprocessableEntity, templates.DeclareAbsence(v))
}
