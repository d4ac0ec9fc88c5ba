package web

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/templates"
)

// Attestations de formation: for a followed training (attended session or completed online module), a printable
// page and a PDF, for the agent who followed it or an admin.

// pdfFontPaths are where Debian (fonts-dejavu-core), Fedora and Arch put DejaVu Sans, the font of the PDF: a
// TrueType font is needed for accented letters.
var pdfFontPaths = [][2]string{
	{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"},
	{"/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"},
	{"/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"},
}

var pdfFont = sync.OnceValues(func() ([2][]byte, error) {
	for _, p := range pdfFontPaths {
		regular, err1 := os.ReadFile(p[0])
		bold, err2 := os.ReadFile(p[1])
		if err1 == nil && err2 == nil {
			return [2][]byte{regular, bold}, nil
		}
	}
	return [2][]byte{}, fmt.Errorf("DejaVu Sans not found (apt-get install fonts-dejavu-core)")
})

// PDFAvailable reports whether attestations can be made as PDF here (the font is installed).
func PDFAvailable() bool {
	_, err := pdfFont()
	return err == nil
}

// followedEnrolment is the route's enrolment when it has an attestation (followed), for its owner or an admin.
func (s *Server) followedEnrolment(r *http.Request) (enrolment.Enrolment, error) {
	e, err := s.ownEnrolment(r)
	if err == nil && !e.Followed() {
		err = apperr.ErrNotFound
	}
	if err == nil && e.HasSession() {
		// Only the hours of the days (or half-days) attended count.
		var marks map[string]bool
		if marks, err = s.store.EnrolmentMarks(r.Context(), e.ID); err == nil {
			e.WithMarks(marks)
		}
	}
	return e, err
}

func attestationNumber(e enrolment.Enrolment) string {
	return fmt.Sprintf("CNP-%d-%06d", attestationDate(e).In(catalogue.Paris).Year(), e.ID)
}

// attestationDate is when the training was recorded as followed.
func attestationDate(e enrolment.Enrolment) time.Time {
	switch {
	case e.CompletedAt != nil:
		return *e.CompletedAt
	case e.AttendanceAt != nil:
		return *e.AttendanceAt
	}
	return e.UpdatedAt
}

// attestation is the printable page.
func (s *Server) attestation(w http.ResponseWriter, r *http.Request) {
	e, err := s.followedEnrolment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AttestationView{Enrolment: e, Number: attestationNumber(e), IssuedAt: attestationDate(e),
		PDFHref: fmt.Sprintf("/mes-formations/%d/attestation.pdf", e.ID), PDFReady: PDFAvailable(),
		Page: s.page(r, "", "Attestation de formation : "+e.Module.Title, "",
			templates.Crumb{Label: "Mes formations", Href: "/mes-formations"}, templates.Crumb{Label: "Attestation de formation"})}
	s.render(w, r, http.StatusOK, templates.Attestation(v))
}

// attestationPDF is the same attestation as a PDF (A4).
func (s *Server) attestationPDF(w http.ResponseWriter, r *http.Request) {
	e, err := s.followedEnrolment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	font, err := pdfFont()
	if err != nil {
		s.log.Warn("attestation PDF unavailable", "err", err)
		s.render(w, r, http.StatusServiceUnavailable, templates.Message(templates.MessageView{
			Page:    s.page(r, "", "Attestation PDF indisponible", "", templates.Crumb{Label: "Attestation PDF indisponible"}),
			Heading: "Attestation PDF indisponible", Kind: "warning", Title: "Le PDF ne peut pas être produit pour le moment",
			Text:  "Utilisez la version imprimable de l’attestation : elle contient les mêmes informations.",
			Links: []templates.Crumb{{Label: "Version imprimable", Href: fmt.Sprintf("/mes-formations/%d/attestation", e.ID)}}}))
		return
	}
	b, err := attestationPDFBytes(e, font)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="attestation-%s.pdf"`, attestationNumber(e)))
	h.Set("Cache-Control", "private, no-store")
	w.Write(b)
}

func attestationPDFBytes(e enrolment.Enrolment, font [2][]byte) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Attestation de formation – "+e.Module.Title, true)
	pdf.SetAuthor(templates.SiteName, true)
	pdf.SetCreator(templates.SiteName, true)
	pdf.SetLang("fr-FR")
	pdf.AddUTF8FontFromBytes("DejaVu", "", font[0])
	pdf.AddUTF8FontFromBytes("DejaVu", "B", font[1])
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(true, 25)
	pdf.AddPage()

	pdf.SetFont("DejaVu", "B", 12)
	pdf.MultiCell(0, 6, "RÉPUBLIQUE\nFRANÇAISE", "", "L", false)
	pdf.Ln(8)
	pdf.SetFont("DejaVu", "B", 11)
	pdf.CellFormat(0, 6, templates.SiteName, "", 1, "L", false, 0, "")
	pdf.SetFont("DejaVu", "", 10)
	pdf.CellFormat(0, 5, "Direction interministérielle du numérique (DINUM)", "", 1, "L", false, 0, "")
	pdf.Ln(25)
	pdf.SetFont("DejaVu", "B", 22)
	pdf.CellFormat(0, 12, "Attestation de formation", "", 1, "C", false, 0, "")
	pdf.SetFont("DejaVu", "", 10)
	pdf.CellFormat(0, 6, "N° "+attestationNumber(e), "", 1, "C", false, 0, "")
	pdf.Ln(15)
	pdf.SetFont("DejaVu", "", 12)
	for _, l := range templates.AttestationText(e) {
		pdf.MultiCell(0, 7, l, "", "J", false)
		pdf.Ln(3)
	}
	pdf.Ln(15)
	pdf.CellFormat(0, 7, "Fait à Paris, le "+catalogue.ShortDate(attestationDate(e))+".", "", 1, "L", false, 0, "")
	pdf.Ln(6)
	pdf.MultiCell(0, 7, "Pour le Campus du numérique public,\nl’équipe pédagogique", "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("attestation PDF: %w", err)
	}
	return buf.Bytes(), nil
}
