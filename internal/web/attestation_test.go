package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/web"
)

// TestAttestation: a followed training has a printable attestation and a PDF, for its agent and admins only;
// a training not followed has none.
func TestAttestation(t *testing.T) {
	store := enrolStore(t)
	srv := accountServer(t, store, nil)
	m := enrolModule(t, store, "presentiel", "published", "published")
	sess := enrolSession(t, store, m.id, 10, 4*24*time.Hour)
	b, u := signedIn(t, srv, store, account.RoleAgent)
	b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(sess)}})
	id := dbIDs(t, store, `SELECT id FROM enrolments WHERE user_id = $1`, u.ID)[0]
	page := fmt.Sprintf("/mes-formations/%d/attestation", id)

	if p := b.get(page); p.status != http.StatusNotFound {
		t.Fatalf("attestation before the training: %d", p.status)
	}
	exec(t, store, `UPDATE module_sessions SET starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '7 hours' WHERE id = $1`, sess)
	if _, err := store.MarkAttendance(t.Context(), sess, map[int64]bool{id: true}); err != nil {
		t.Fatal(err)
	}

	p := b.get(page)
	if p.status != http.StatusOK || text(p.doc.Find("main h1")) != "Attestation de formation" {
		t.Fatalf("attestation: %d %q", p.status, text(p.doc.Find("main h1")))
	}
	checkFrame(t, page, p)
	body := text(p.doc.Find("article"))
	for _, want := range []string{"Camille Martin (DINUM)", "« " + m.title + " »", "7 h", "Station F, Paris", "Fait à Paris, le", fmt.Sprintf("-%06d", id)} {
		if !strings.Contains(body, want) {
			t.Errorf("attestation lacks %q: %s", want, body)
		}
	}
	other, _ := signedIn(t, srv, store, account.RoleAgent)
	if p := other.get(page); p.status != http.StatusNotFound {
		t.Fatalf("another agent: %d", p.status)
	}
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	if p := admin.get(page); p.status != http.StatusOK {
		t.Fatalf("admin: %d", p.status)
	}

	t.Run("PDF", func(t *testing.T) {
		if !web.PDFAvailable() {
			if os.Getenv("CI") == "true" {
				t.Fatal("DejaVu Sans is not installed and CI=true: the PDF test may not skip (apt-get install fonts-dejavu-core)")
			}
			t.Skip("SKIPPED: DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")
		}
		p := b.get(page + ".pdf")
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
	})
}
