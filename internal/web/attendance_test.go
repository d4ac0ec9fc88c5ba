package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/testenv"
)

// TestAttendance_PerDayAndAbsence: an agent declares an absence from "Mes formations" (a reason is required;
// before the cut-off the enrolment is cancelled); the session's trainer marks attendance day by day, prints the
// day's sign-in sheet, and the attestation counts only the days attended.
func TestAttendance_PerDayAndAbsence(t *testing.T) {
	t.Parallel()
	store, srv := enrolPortal(t)
	ctx := t.Context()
	mod := enrolModule(t, store, "presentiel", "published", "published") // 420 minutes
	later := enrolSession(t, store, mod.id, 5, 20*24*time.Hour)
	sess := enrolSession(t, store, mod.id, 5, 10*24*time.Hour)
	a, agentA := signedIn(t, srv, store, "agent")
	_, agentB := signedIn(t, srv, store, "agent")
	c, agentC := signedIn(t, srv, store, "agent")
	tr, trainerU := signedIn(t, srv, store, "trainer")
	other, _ := signedIn(t, srv, store, "trainer")
	admin, _ := signedIn(t, srv, store, "admin")
	ids := map[int64]int64{}
	for _, u := range []int64{agentA.ID, agentB.ID} {
		out, err := store.EnrolInSession(ctx, u, sess, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[u] = out.Enrolment.ID
	}
	outC, err := store.EnrolInSession(ctx, agentC.ID, later, "")
	if err != nil {
		t.Fatal(err)
	}

	// The absence, declared with a reason before the cut-off: the enrolment is cancelled.
	absence := "/mes-formations/" + itoa(int(outC.Enrolment.ID)) + "/absence"
	if c.get("/mes-formations").doc.Find(`a[href="`+absence+`"]`).Length() != 1 {
		t.Fatal("no link to declare an absence in Mes formations")
	}
	if p := c.get(absence); p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("main")), "liste d’attente") {
		t.Fatalf("absence page: %d", p.status)
	}
	if p := a.get(absence); p.status != http.StatusNotFound {
		t.Fatalf("another agent's absence page: %d", p.status)
	}
	if p := c.post(absence, url.Values{"raison": {"  "}}); p.status != http.StatusUnprocessableEntity || fieldError(p, "raison") == "" {
		t.Fatalf("no reason: %d %q", p.status, fieldError(p, "raison"))
	}
	expectRedirect(t, c.post(absence, url.Values{"raison": {"Comité de direction exceptionnel"}}), http.StatusSeeOther, "/mes-formations")
	if e, err := store.Enrolment(ctx, outC.Enrolment.ID); err != nil || e.Status != enrolment.Cancelled || e.Reason != enrolment.ReasonAbsence {
		t.Fatalf("after the absence: %s (%s) %v", e.Status, e.Reason, err)
	}

	// The three-day session took place (the day before yesterday to today), given by the trainer.
	d := time.Now().In(catalogue.Paris)
	start := time.Date(d.Year(), d.Month(), d.Day()-2, 9, 0, 0, 0, catalogue.Paris)
	end := time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, catalogue.Paris)
	if _, err := store.Pool().Exec(ctx, `UPDATE module_sessions SET starts_at = $2, ends_at = $3, trainer_id = $4 WHERE id = $1`,
		sess, start, end, trainerU.ID); err != nil {
		t.Fatal(err)
	}
	base := "/formateur/sessions/" + itoa(int(sess))
	roster := tr.get(base)
	forms := roster.doc.Find(`form[action^="` + base + `/emargement/"]`)
	if roster.status != http.StatusOK || forms.Length() != 3 {
		t.Fatalf("trainer roster: %d, %d day forms, want 3", roster.status, forms.Length())
	}
	days := []string{}
	forms.Each(func(_ int, f *goquery.Selection) {
		days = append(days, strings.TrimPrefix(f.AttrOr("action", ""), base+"/emargement/"))
	})
	pa, pb := "presence-"+itoa(int(ids[agentA.ID])), "presence-"+itoa(int(ids[agentB.ID]))
	for i, marks := range []url.Values{{pa: {"present"}, pb: {"absent"}}, {pa: {"present"}, pb: {"absent"}}, {pa: {"absent"}, pb: {"absent"}}} {
		expectRedirect(t, tr.post(base+"/emargement/"+days[i], marks), http.StatusSeeOther, base+"#jour-"+days[i])
	}
	if p := other.post(base+"/emargement/"+days[0], url.Values{pa: {"absent"}}); p.status != http.StatusNotFound {
		t.Fatalf("another trainer's marks: %d", p.status)
	}
	if p := tr.post(base+"/emargement/2001-01-01", url.Values{pa: {"absent"}}); p.status != http.StatusNotFound {
		t.Fatalf("a day not of the session: %d", p.status)
	}
	if p := tr.post(base+"/emargement/pas-un-jour", url.Values{pa: {"absent"}}); p.status != http.StatusNotFound {
		t.Fatalf("a malformed day: %d", p.status)
	}
	for u, want := range map[int64]string{agentA.ID: enrolment.Attended, agentB.ID: enrolment.NoShow} {
		if e, err := store.Enrolment(ctx, ids[u]); err != nil || e.Status != want {
			t.Fatalf("status %s, want %s (%v)", e.Status, want, err)
		}
	}
	// The marks show again on the roster.
	if tr.get(base).doc.Find(`form[action^="`+base+`/emargement/"] input[name="`+pa+`"][value=present][checked]`).Length() != 2 {
		t.Fatal("the roster does not show the two days A attended")
	}

	// The sign-in sheet of a day: the seat holders, a cell to sign; for the session's trainer and admins only.
	sheet := tr.get(base + "/feuille/" + days[0])
	names := text(sheet.doc.Find("main table tbody"))
	if sheet.status != http.StatusOK || !strings.Contains(names, agentA.Email) && !strings.Contains(names, "Camille Martin") ||
		sheet.doc.Find("main table tbody tr").Length() != 2 || sheet.doc.Find("td.campus-sheet__sign").Length() != 2 {
		t.Fatalf("sign-in sheet: %d, rows %q", sheet.status, names)
	}
	if p := other.get(base + "/feuille/" + days[0]); p.status != http.StatusNotFound {
		t.Fatalf("another trainer's sheet: %d", p.status)
	}
	if p := admin.get("/admin/sessions/" + itoa(int(sess)) + "/emargement/" + days[1]); p.status != http.StatusOK {
		t.Fatalf("admin's sheet: %d", p.status)
	}
	// The same sheet as a PDF, linked from the page: its text has the training, the day and the two names.
	if href := sheet.doc.Find(`main a.fr-link--download`).AttrOr("href", ""); href != base+"/feuille-pdf/"+days[0] {
		t.Fatalf("the sheet's PDF link: %q", href)
	}
	pdfPage := tr.get(base + "/feuille-pdf/" + days[0])
	if pdfPage.status != http.StatusOK || pdfPage.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfPage.body, "%PDF-") {
		t.Fatalf("sheet PDF: %d %s", pdfPage.status, pdfPage.header.Get("Content-Type"))
	}
	if txt := pdfText(t, []byte(pdfPage.body)); !strings.Contains(txt, "Feuille d’émargement") || strings.Count(txt, "Camille Martin") < 1 {
		t.Errorf("sheet PDF text:\n%s", txt)
	}
	if p := other.get(base + "/feuille-pdf/" + days[0]); p.status != http.StatusNotFound {
		t.Errorf("another trainer's sheet PDF: %d", p.status)
	}
	if p := admin.get("/admin/sessions/" + itoa(int(sess)) + "/emargement-pdf/" + days[1]); p.status != http.StatusOK {
		t.Errorf("admin's sheet PDF: %d", p.status)
	}

	// The attestation counts the two days of three: 280 of 420 minutes.
	att := a.get("/mes-formations/" + itoa(int(ids[agentA.ID])) + "/attestation")
	if body := text(att.doc.Find("main")); att.status != http.StatusOK || !strings.Contains(body, foldSpace("a suivi "+catalogue.Duration(280)+" de la formation")) {
		t.Fatalf("attestation: %d %q", att.status, body)
	}
}

// pdfText is the text of a PDF as poppler's pdftotext reads it (which must parse it without a complaint).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	testenv.Command(t, "apt-get install poppler-utils", "pdftotext")
	file := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := osexec.Command("pdftotext", "-enc", "UTF-8", file, "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("pdftotext: %v\n%s", err, stderr.String())
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
