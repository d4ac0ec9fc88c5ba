package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/testdb"
	"campus/internal/testenv"
	"campus/internal/web"
)

// TestAttestation: a followed training has a printable attestation and a PDF, for its agent and admins only;
// a training not followed has none.
func TestAttestation(t *testing.T) {
	t.Parallel()
	e := newEnrolled(t, "presentiel", 4*24*time.Hour)
	page := fmt.Sprintf("/mes-formations/%d/attestation", e.id)

	if p := e.b.get(page); p.status != http.StatusNotFound {
		t.Fatalf("attestation before the training: %d", p.status)
	}
	testdb.Exec(t, e.store, `UPDATE module_sessions SET starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '7 hours' WHERE id = $1`, e.sess)
	if _, err := e.store.MarkAttendance(t.Context(), e.sess, map[int64]bool{e.id: true}); err != nil {
		t.Fatal(err)
	}

	p := e.b.get(page)
	if p.status != http.StatusOK || text(p.doc.Find("main h1")) != "Attestation de formation" {
		t.Fatalf("attestation: %d %q", p.status, text(p.doc.Find("main h1")))
	}
	checkFrame(t, page, p)
	body := text(p.doc.Find("article"))
	for _, want := range []string{"atteste que Camille Martin, DINUM, a suivi la formation", "« " + e.m.title + " »", "7 h", "Station F, Paris", "Fait à Paris, le", fmt.Sprintf("-%06d", e.id)} {
		if !strings.Contains(body, want) {
			t.Errorf("attestation lacks %q: %s", want, body)
		}
	}
	other, _ := signedIn(t, e.srv, e.store, account.RoleAgent)
	if p := other.get(page); p.status != http.StatusNotFound {
		t.Fatalf("another agent: %d", p.status)
	}
	admin, _ := signedIn(t, e.srv, e.store, account.RoleAdmin)
	if p := admin.get(page); p.status != http.StatusOK {
		t.Fatalf("admin: %d", p.status)
	}

	t.Run("PDF", func(t *testing.T) {
		testenv.Require(t, web.PDFAvailable(), "DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")
		p := e.b.get(page + ".pdf")
		if p.status != http.StatusOK || p.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF: %d %s", p.status, p.header.Get("Content-Type"))
		}
		pdf := []byte(p.body)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%%EOF")) || len(pdf) < 5000 {
			t.Fatalf("not a PDF (%d bytes)", len(pdf))
		}
		// The font is embedded (accents need it) and the title names the module.
		if !bytes.Contains(pdf, []byte("/FontFile2")) || !bytes.Contains(pdf, []byte("/FontName /utf8dejavu")) {
			t.Fatal("no embedded TrueType font")
		}
		if p := other.get(page + ".pdf"); p.status != http.StatusNotFound {
			t.Fatalf("another agent's PDF: %d", p.status)
		}
		checkAttestationPDF(t, pdf, e.m.title, verifyURL(t, e.b.get(page)))
	})

	t.Run("Verification", func(t *testing.T) {
		verify := verifyURL(t, e.b.get(page))
		code := strings.TrimPrefix(verify, testBase+"/attestations/verifier/")
		if len(code) != 24 || strings.Contains(code, fmt.Sprint(e.id)) {
			t.Fatalf("verification code %q: want 24 random letters and digits", code)
		}
		if again := verifyURL(t, admin.get(page)); again != verify {
			t.Fatalf("the code changed: %s then %s", verify, again)
		}
		if p := e.b.get(page); p.doc.Find(`article svg[role="img"][aria-label] path[d^="M"]`).Length() != 1 {
			t.Fatal("no QR code on the attestation page")
		}
		anonymous := newBrowser(t, e.srv)
		p := anonymous.get(strings.TrimPrefix(verify, testBase))
		if p.status != http.StatusOK || text(p.doc.Find("main h1")) != "Vérification d’une attestation de formation" {
			t.Fatalf("verification page: %d %q", p.status, text(p.doc.Find("main h1")))
		}
		checkFrame(t, "/attestations/verifier/{code}", p)
		if p.header.Get("X-Robots-Tag") != "noindex, nofollow" {
			t.Errorf("X-Robots-Tag %q", p.header.Get("X-Robots-Tag"))
		}
		var got []string
		p.doc.Find("main dl dt").Each(func(i int, dt *goquery.Selection) {
			got = append(got, text(dt)+" : "+text(dt.Next()))
		})
		var startsAt, endsAt time.Time
		testdb.Row(t, e.store, `SELECT starts_at, ends_at FROM module_sessions WHERE id = $1`, e.sess).Scan(&startsAt, &endsAt)
		want := []string{"Titulaire : Camille Martin", "Formation : " + e.m.title, "Date : " + foldSpace(catalogue.Span(startsAt, endsAt)),
			"Durée : 7 h", "Délivrée par : Campus du numérique public – Direction interministérielle du numérique (DINUM)"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("the page states:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Nothing more: not the address, the administration, the enrolment's number.
		for _, secret := range []string{e.u.Email, "(DINUM)\n", "Martin, DINUM", attestationNumberOf(e.id)} {
			if strings.Contains(text(p.doc.Find("main")), secret) {
				t.Errorf("the public page shows %q", secret)
			}
		}

		for path, want := range map[string]int{
			"/attestations/verifier/" + strings.Repeat("a", 24): http.StatusNotFound,
			"/attestations/verifier/pas-un-code":                http.StatusNotFound,
			"/attestations/verifier/" + fmt.Sprint(e.id):        http.StatusNotFound,
		} {
			p := anonymous.get(path)
			if p.status != want || !strings.Contains(text(p.doc.Find("main")), "Attestation inconnue") {
				t.Errorf("%s: %d %q", path, p.status, text(p.doc.Find("main .fr-alert")))
			}
		}

		// Withdrawn: the attendance is corrected to absent.
		if _, err := e.store.MarkAttendance(t.Context(), e.sess, map[int64]bool{e.id: false}); err != nil {
			t.Fatal(err)
		}
		p = anonymous.get(strings.TrimPrefix(verify, testBase))
		if p.status != http.StatusGone || !strings.Contains(text(p.doc.Find("main .fr-alert")), "Attestation retirée") ||
			strings.Contains(p.body, "Camille Martin") {
			t.Fatalf("withdrawn attestation: %d %q", p.status, text(p.doc.Find("main .fr-alert")))
		}
		checkFrame(t, "/attestations/verifier/{code} (retirée)", p)
		if _, err := e.store.MarkAttendance(t.Context(), e.sess, map[int64]bool{e.id: true}); err != nil {
			t.Fatal(err)
		}

		// Rate limited per client address: 60 checks per 10 minutes, then 429 with Retry-After.
		walker := newBrowser(t, e.srv)
		for i := range 60 {
			if p := walker.get("/attestations/verifier/" + strings.Repeat("b", 23) + "a"); p.status != http.StatusNotFound {
				t.Fatalf("check %d: %d", i+1, p.status)
			}
		}
		p = walker.get(strings.TrimPrefix(verify, testBase))
		if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
			t.Fatalf("61st check: %d, Retry-After %q", p.status, p.header.Get("Retry-After"))
		}
		if p := anonymous.get(strings.TrimPrefix(verify, testBase)); p.status != http.StatusOK {
			t.Fatalf("another address is limited too: %d", p.status)
		}
	})
}

// verifyURL reads the verification address printed on an attestation page.
func verifyURL(t *testing.T, p page) string {
	t.Helper()
	href, _ := p.doc.Find(`article a[href*="/attestations/verifier/"]`).Attr("href")
	if !strings.HasPrefix(href, testBase+"/attestations/verifier/") {
		t.Fatalf("no verification address on the attestation (%d)", p.status)
	}
	return href
}

func attestationNumberOf(id int64) string { return fmt.Sprintf("-%06d", id) }

// checkAttestationPDF reads the PDF with poppler (pdfinfo, pdftotext): it parses without error; its title is
// the attestation's and is shown as the window's title; its language is French; it carries XMP metadata; its
// text has the State's brand block, the module and the verification address.
func checkAttestationPDF(t *testing.T, pdf []byte, module, verify string) {
	t.Helper()
	testenv.Command(t, "apt-get install poppler-utils", "pdfinfo")
	file := filepath.Join(t.TempDir(), "attestation.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := osexec.Command(name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
		}
		return string(out)
	}
	info := run("pdfinfo", file)
	for _, want := range []string{"Title:           Attestation de formation – " + module, "Author:          Campus du numérique public",
		"Page size:       595.28 x 841.89 pts (A4)", "Pages:           1", "PDF version:     1.4", "Metadata Stream: yes"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	if xmp := run("pdfinfo", "-meta", file); !strings.Contains(xmp, "<dc:title>") || !strings.Contains(xmp, module) || !strings.Contains(xmp, "<dc:language>") {
		t.Errorf("XMP metadata:\n%s", xmp)
	}
	for _, want := range [][]byte{[]byte("/Lang (fr-FR)"), []byte("/ViewerPreferences << /DisplayDocTitle true >>"), []byte("/Type /Metadata /Subtype /XML")} {
		if !bytes.Contains(pdf, want) {
			t.Errorf("the PDF's catalog lacks %s", want)
		}
	}
	txt := strings.Join(strings.Fields(run("pdftotext", "-enc", "UTF-8", file, "-")), " ")
	for _, want := range []string{"RÉPUBLIQUE FRANÇAISE", "Liberté Égalité Fraternité", "Attestation de formation", module, verify} {
		if !strings.Contains(txt, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, txt)
		}
	}
}
