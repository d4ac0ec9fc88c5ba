package web

import (
	"bytes"
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

// slotAttendance records the marks of one slot; it answers with the roster page on a refusal.
func (s *Server) slotAttendance(w http.ResponseWriter, r *http.Request, id int64, back string, page rosterOf) {
	u, _ := CurrentUser(r)
	key, err := slotParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, ok := s.saveMarks(w, r, id, attendanceMarks, page, func(marks map[int64]bool) (int, error) {
		return s.store.MarkSlotAttendance(r.Context(), id, key, marks, u.ID)
	})
	if !ok {
		return
	}
	s.flashTo(w, r, back+"#jour-"+key, "success", "Présences du "+slotLabel(key)+" enregistrées ("+catalogue.Plural(n, "changement", "changements")+").")
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
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.slotAttendance(w, r, id, fmt.Sprintf("/admin/sessions/%d", id), s.adminSessionRoster())
}

func (s *Server) trainerSlotAttendance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	s.slotAttendance(w, r, id, "/formateur/sessions/"+strconv.FormatInt(id, 10), s.trainerSessionRoster())
}

// sheet renders the sign-in sheet of a slot of the session, as a page to print or (asPDF) as an A4 PDF.
func (s *Server) sheet(w http.ResponseWriter, r *http.Request, id int64, back, pdfBase string, asPDF bool) {
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
	font, fontErr := pdfFont()
	if asPDF {
		if fontErr != nil {
			s.fail(w, r, apperr.ErrNotFound)
			return
		}
		b, err := sheetPDFBytes(ro, slot, font)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		serveDownload(w, "application/pdf", fmt.Sprintf("emargement-%d-%s.pdf", id, key), b)
		return
	}
	v := templates.SheetView{Roster: ro, Slot: slot, Back: back,
		Page: s.page(r, "", "Feuille d’émargement : "+ro.Module.Title+", "+slot.Label(), "",
			templates.Crumb{Label: "Liste des inscrits", Href: back}, templates.Crumb{Label: "Feuille d’émargement"})}
	if fontErr == nil {
		v.PDFHref = pdfBase + key
	}
	s.render(w, r, http.StatusOK, templates.SignInSheet(v))
}

// sheetPDFBytes is the sign-in sheet of a slot as an A4 PDF: the State's brand block, the training, the slot and
// place, a row per participant with room to sign, and the trainer's signature.
func sheetPDFBytes(ro enrolment.Roster, slot enrolment.Slot, font [2][]byte) ([]byte, error) {
	title := "Feuille d’émargement – " + ro.Module.Title + ", " + slot.Label()
	pdf := newPDF(title, font, 20, true)
	pdf.SetFont("DejaVu", "B", 18)
	pdf.CellFormat(0, 10, "Feuille d’émargement", "", 1, "L", false, 0, "")
	pdf.SetFont("DejaVu", "B", 12)
	pdf.MultiCell(0, 6, ro.Module.Title, "", "L", false)
	pdf.SetFont("DejaVu", "", 11)
	pdf.MultiCell(0, 6, slot.Label()+" — session "+templates.SheetSpan(ro.Session), "", "L", false)
	pdf.MultiCell(0, 6, templates.SheetPlace(ro.Session), "", "L", false)
	pdf.Ln(4)
	widths := []float64{12, 60, 50, 48}
	header := func() {
		pdf.SetFont("DejaVu", "B", 10)
		pdf.SetFillColor(238, 238, 238)
		for i, h := range []string{"N°", "Nom", "Administration", "Signature"} {
			pdf.CellFormat(widths[i], 8, h, "1", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("DejaVu", "", 10)
	}
	header()
	for i, e := range templates.SheetPeople(ro) {
		if pdf.GetY() > 265 {
			pdf.AddPage()
			header()
		}
		name := e.Person.Name()
		if e.AbsenceDeclaredAt != nil {
			name += " (absence signalée)"
		}
		pdf.CellFormat(widths[0], 12, strconv.Itoa(i+1), "1", 0, "L", false, 0, "")
		pdf.CellFormat(widths[1], 12, name, "1", 0, "L", false, 0, "")
		pdf.CellFormat(widths[2], 12, e.Person.Administration, "1", 0, "L", false, 0, "")
		pdf.CellFormat(widths[3], 12, "", "1", 1, "L", false, 0, "")
	}
	pdf.Ln(8)
	pdf.CellFormat(0, 7, "Formateur ou formatrice (nom et signature) :", "", 1, "L", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("sign-in sheet PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *Server) signInSheet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.sheet(w, r, id, fmt.Sprintf("/admin/sessions/%d", id), fmt.Sprintf("/admin/sessions/%d/emargement-pdf/", id), false)
}

func (s *Server) signInSheetPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	s.sheet(w, r, id, "", "", true)
}

func (s *Server) trainerSignInSheet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	s.sheet(w, r, id, "/formateur/sessions/"+strconv.FormatInt(id, 10), fmt.Sprintf("/formateur/sessions/%d/feuille-pdf/", id), false)
}

func (s *Server) trainerSignInSheetPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := s.trainerSession(w, r)
	if !ok {
		return
	}
	s.sheet(w, r, id, "", "", true)
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
	id, f, ok := s.postedID(w, r)
	if !ok {
		return
	}
	reason := f.Multiline("raison", "Raison de l’absence", enrolment.MaxAbsenceReason, true)
	if f.Valid() {
		_, what, err := s.store.DeclareAbsence(r.Context(), u.ID, id, reason)
		if err == nil {
			msg := "Votre absence est enregistrée comme excusée ; votre place reste réservée."
			if what == "cancel" {
				s.invalidate("seats")
				msg = "Votre absence est enregistrée et votre inscription annulée : votre place est proposée à la liste d’attente."
			}
			s.flashTo(w, r, "/mes-formations", "success", msg)
			return
		}
		if err := f.Refuse(err); err != nil {
			s.fail(w, r, err)
			return
		}
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
