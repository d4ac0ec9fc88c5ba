package web

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-chi/chi/v5"

	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/postgres"
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
	verify, mods, err := s.attestationVerification(r, e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AttestationView{Enrolment: e, Number: attestationNumber(e), IssuedAt: attestationDate(e),
		PDFHref: fmt.Sprintf("/mes-formations/%d/attestation.pdf", e.ID), PDFReady: PDFAvailable(),
		VerifyURL: verify, QRPath: qrSVGPath(mods), QRSize: len(mods),
		Page: s.page(r, "", "Attestation de formation : "+e.Module.Title, "",
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
			Text:  "Utilisez la version imprimable de l’attestation : elle contient les mêmes informations.",
			Links: []templates.Crumb{{Label: "Version imprimable", Href: fmt.Sprintf("/mes-formations/%d/attestation", e.ID)}}}))
		return
	}
	verify, mods, err := s.attestationVerification(r, e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := attestationPDFBytes(e, font, verify, mods)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	serveDownload(w, "application/pdf", "attestation-"+attestationNumber(e)+".pdf", b)
}

// limitAttestationCheckIP bounds the verification page per client address: enough for an employer checking a
// pile of attestations, not for walking the codes.
var limitAttestationCheckIP = limit{"verification-attestation:adresse", 60, 10 * time.Minute}

// attestationCheck is the public verification page of an attestation (/attestations/verifier/{code}): what
// the attestation states (holder, training, date, hours, issuer) and nothing more; 404 for an unknown code, 410
// when the attestation was withdrawn (its training is no longer recorded as followed), 429 over the rate limit.
// Not indexed by search engines (robots.txt, X-Robots-Tag).
func (s *Server) attestationCheck(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Cache-Control", "private, no-store")
	crumb := templates.Crumb{Label: "Vérification d’une attestation"}
	notAttestation := func(status int, title, text string) {
		s.render(w, r, status, templates.Message(templates.MessageView{Page: s.page(r, "", title, "", crumb),
			Heading: "Vérification d’une attestation de formation", Kind: "error", Title: title, Text: text}))
	}
	msg, wait, err := s.throttled(r.Context(), hit{limitAttestationCheckIP, s.clientIP(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if msg != "" {
		s.tooMany(w, wait)
		s.render(w, r, http.StatusTooManyRequests, templates.Message(templates.MessageView{
			Page:    s.page(r, "", "Trop de vérifications", "", crumb),
			Heading: "Vérification d’une attestation de formation", Kind: "warning", Title: "Trop de vérifications depuis votre connexion",
			Text: "Pour protéger les attestations, les vérifications sont limitées. Réessayez dans " + catalogue.Wait(max(wait, time.Minute)) + "."}))
		return
	}
	code := chi.URLParam(r, "code")
	var e enrolment.Enrolment
	if postgres.PlausibleAttestationCode(code) {
		e, err = s.store.AttestationByCode(r.Context(), code)
	} else {
		err = apperr.ErrNotFound
	}
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		notAttestation(http.StatusNotFound, "Attestation inconnue",
			"Aucune attestation du Campus du numérique public ne correspond à cette adresse. Vérifiez qu’elle a été recopiée "+
				"sans erreur (24 lettres et chiffres après « verifier/ ») : un document qui renvoie à une adresse inconnue n’est pas une attestation authentique.")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case !e.Followed():
		notAttestation(http.StatusGone, "Attestation retirée",
			"Cette attestation a été délivrée par le Campus du numérique public, puis retirée : la formation n’est plus "+
				"enregistrée comme suivie. Elle ne vaut plus attestation de formation.")
		return
	}
	date := "module en ligne terminé le " + catalogue.ShortDate(attestationDate(e))
	if e.Declared {
		date += " (achèvement déclaré par l’agent)"
	}
	if e.HasSession() {
		date = catalogue.Span(e.Session.StartsAt, e.Session.EndsAt)
	}
	s.render(w, r, http.StatusOK, templates.AttestationCheck(templates.AttestationCheckView{
		Page:   s.page(r, "", "Vérification d’une attestation de formation", "", crumb),
		Holder: e.Person.Name(), Module: e.Module.Title, Date: date, Hours: catalogue.Duration(e.Minutes()),
		Issuer: templates.SiteName + " – Direction interministérielle du numérique (DINUM)"}))
}

// attestationVerification is the public verification address of a followed training's attestation (its code
// made on first use) and the QR code of that address.
func (s *Server) attestationVerification(r *http.Request, e enrolment.Enrolment) (string, [][]bool, error) {
	code, err := s.store.AttestationCode(r.Context(), e.ID)
	if err != nil {
		return "", nil, err
	}
	u := s.link("/attestations/verifier/" + code)
	mods, err := qrModules(u)
	return u, mods, err
}

// attestationPDFBytes writes the attestation as a PDF (A4) with codeberg.org/go-pdf/fpdf: the State's brand
// block, the text of the page, the verification address and its QR code; its title (shown as the window's
// title: DisplayDocTitle), its language (/Lang fr-FR) and XMP metadata (title, author, language, dates). fpdf
// cannot tag a PDF: the accessible version is the HTML page, linked beside every PDF link (RGAA allows it).
func attestationPDFBytes(e enrolment.Enrolment, font [2][]byte, verify string, qr [][]bool) ([]byte, error) {
	title := "Attestation de formation – " + e.Module.Title
	issued := attestationDate(e)
	pdf := newPDF(title, font, 25, false)
	pdf.SetSubject("Attestation de formation n° "+attestationNumber(e)+", vérifiable à l’adresse "+verify, true)
	pdf.SetProducer("codeberg.org/go-pdf/fpdf", false)
	pdf.SetKeywords("attestation de formation, Campus du numérique public, DINUM", true)
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetXmpMetadata(attestationXMP(title, issued, verify))
	pdf.SetFont("DejaVu", "B", 11)
	pdf.CellFormat(0, 6, templates.SiteName, "", 1, "L", false, 0, "")
	pdf.SetFont("DejaVu", "", 10)
	pdf.CellFormat(0, 5, "Direction interministérielle du numérique (DINUM)", "", 1, "L", false, 0, "")
	pdf.Ln(18)
	pdf.SetFont("DejaVu", "B", 22)
	pdf.CellFormat(0, 12, "Attestation de formation", "", 1, "C", false, 0, "")
	pdf.SetFont("DejaVu", "", 10)
	pdf.CellFormat(0, 6, "N° "+attestationNumber(e), "", 1, "C", false, 0, "")
	pdf.Ln(12)
	pdf.SetFont("DejaVu", "", 12)
	for _, l := range templates.AttestationText(e) {
		pdf.MultiCell(0, 7, l, "", "J", false)
		pdf.Ln(3)
	}
	pdf.Ln(10)
	pdf.CellFormat(0, 7, "Fait à Paris, le "+catalogue.ShortDate(issued)+".", "", 1, "L", false, 0, "")
	pdf.Ln(4)
	pdf.MultiCell(0, 7, "Pour le Campus du numérique public,\nl’équipe pédagogique", "", "L", false)

	// At the foot: the verification address and its QR code (vector modules, 32 mm wide).
	const qrSize, footY = 32.0, 240.0
	pdf.SetDrawColor(221, 221, 221)
	pdf.Line(25, footY-4, 185, footY-4)
	pdf.SetXY(25, footY)
	pdf.SetFont("DejaVu", "B", 10)
	pdf.MultiCell(160-qrSize-6, 5, "Vérifier cette attestation", "", "L", false)
	pdf.SetX(25)
	pdf.SetFont("DejaVu", "", 9)
	pdf.MultiCell(160-qrSize-6, 4.5, "Toute personne peut vérifier son authenticité en lisant le code QR ci-contre ou à l’adresse ci-dessous.", "", "L", false)
	pdf.SetXY(25, footY+qrSize+1)
	pdf.CellFormat(160, 5, verify, "", 1, "L", false, 0, verify)
	if n := len(qr); n > 0 {
		m := qrSize / float64(n)
		pdf.SetFillColor(0, 0, 0)
		for _, r := range qrRuns(qr) {
			pdf.Rect(185-qrSize+float64(r.x)*m, footY-2+float64(r.y)*m, float64(r.n)*m, m, "F")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("attestation PDF: %w", err)
	}
	return finishPDF(buf.Bytes())
}

// newPDF starts an A4 PDF of the Campus in French (/Lang fr-FR): its title, author and creator, the DejaVu fonts
// (regular and bold), margin on the left and right (20 mm at the top and bottom, with or without automatic page
// breaks), and its first page headed by the State's brand block, as the DSFR's fr-logo ("République française"
// in capitals, the motto below), the cursor under it.
func newPDF(title string, font [2][]byte, margin float64, autoBreak bool) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetAuthor(templates.SiteName, true)
	pdf.SetCreator(templates.SiteName, true)
	pdf.SetLang("fr-FR")
	pdf.AddUTF8FontFromBytes("DejaVu", "", font[0])
	pdf.AddUTF8FontFromBytes("DejaVu", "B", font[1])
	pdf.SetMargins(margin, 20, margin)
	pdf.SetAutoPageBreak(autoBreak, 20)
	pdf.AddPage()
	brandBlock(pdf, margin, 20)
	pdf.SetXY(margin, 52)
	return pdf
}

// brandBlock draws the State's brand block at (x, y) as the DSFR's logo lays it out: the Marianne, "RÉPUBLIQUE
// FRANÇAISE" in bold capitals on two lines, and the motto "Liberté Égalité Fraternité" on three.
func brandBlock(pdf *fpdf.Fpdf, x, y float64) {
	drawMarianne(pdf, x, y, 13)
	pdf.SetXY(x, y+6)
	pdf.SetFont("DejaVu", "B", 11)
	pdf.MultiCell(60, 5, "RÉPUBLIQUE\nFRANÇAISE", "", "L", false)
	pdf.SetX(x)
	pdf.SetFont("DejaVu", "", 7)
	pdf.MultiCell(60, 3.2, "Liberté\nÉgalité\nFraternité", "", "L", false)
}

// attestationXMP is the XMP packet of the attestation: Dublin Core title, creator, language and description,
// the PDF's dates and producer, in the same values as the document information dictionary.
func attestationXMP(title string, issued time.Time, verify string) []byte {
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	date := issued.UTC().Format(time.RFC3339)
	return []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + esc(title) + `</rdf:li><rdf:li xml:lang="fr-FR">` + esc(title) + `</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>` + esc(templates.SiteName) + `</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">` + esc("Attestation de formation vérifiable à l’adresse "+verify) + `</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>fr-FR</rdf:li></rdf:Bag></dc:language>
<dc:publisher><rdf:Bag><rdf:li>Direction interministérielle du numérique (DINUM)</rdf:li></rdf:Bag></dc:publisher>
<xmp:CreateDate>` + date + `</xmp:CreateDate>
<xmp:ModifyDate>` + date + `</xmp:ModifyDate>
<xmp:MetadataDate>` + date + `</xmp:MetadataDate>
<xmp:CreatorTool>` + esc(templates.SiteName) + `</xmp:CreatorTool>
<pdf:Keywords>attestation de formation, Campus du numérique public, DINUM</pdf:Keywords>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
}

// finishPDF adds /ViewerPreferences << /DisplayDocTitle true >> to the catalog of a PDF written by fpdf, which
// has no setting for it: readers then show the document's title, not its file name (RGAA 13.3, PDF/UA); and
// declares PDF 1.4 in the header (the version of DisplayDocTitle and XMP metadata; fpdf says 1.3 unless it
// uses a 1.4 feature itself). fpdf writes the catalog as the last object before the cross-reference table, so
// only the table's own offset (startxref) moves; the header keeps its length.
func finishPDF(pdf []byte) ([]byte, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		return nil, fmt.Errorf("attestation PDF: no PDF header")
	}
	if pdf[7] < '4' {
		pdf[7] = '4'
	}
	const catalog = "/Type /Catalog\n"
	i := bytes.LastIndex(pdf, []byte(catalog))
	j := bytes.LastIndex(pdf, []byte("\nxref\n"))
	k := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 || j < i || k < j {
		return nil, fmt.Errorf("attestation PDF: catalog or cross-reference table not where fpdf writes them")
	}
	add := []byte("/ViewerPreferences << /DisplayDocTitle true >>\n")
	var off int
	if _, err := fmt.Sscanf(string(pdf[k+len("startxref\n"):]), "%d", &off); err != nil || off != j+1 {
		return nil, fmt.Errorf("attestation PDF: startxref %d does not point at the table (%d): %v", off, j+1, err)
	}
	var out bytes.Buffer
	out.Grow(len(pdf) + len(add))
	out.Write(pdf[:i+len(catalog)])
	out.Write(add)
	out.Write(pdf[i+len(catalog) : k])
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", off+len(add))
	return out.Bytes(), nil
}
