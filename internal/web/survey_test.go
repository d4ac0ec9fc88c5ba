package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
)

// TestSurvey_PrivacyAndModeration: agents answer "à chaud" from "Mes formations"; the trainer sees nothing
// below five answers, then only aggregates; the public bilan hides a domain under five answers; comments wait
// for an admin, the CSV export has no names and neutralises formulas; "à froid" opens 60 days later.
func TestSurvey_PrivacyAndModeration(t *testing.T) {
	t.Parallel()
	e := newModuleSession(t, "presentiel", 10, 10*24*time.Hour)
	ctx := t.Context()
	tr, trainerU := signedIn(t, e.srv, e.store, "trainer")
	admin, _ := signedIn(t, e.srv, e.store, "admin")
	agents := make([]*browser, 5)
	users := make([]account.User, 5)
	marks := map[int64]bool{}
	ids := make([]int64, 5)
	for i := range agents {
		agents[i], users[i] = signedIn(t, e.srv, e.store, "agent")
		out, err := e.store.EnrolInSession(ctx, users[i].ID, e.sess, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i], marks[out.Enrolment.ID] = out.Enrolment.ID, true
	}
	if _, err := e.store.Pool().Exec(ctx, `UPDATE module_sessions SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour',
		trainer_id = $2 WHERE id = $1`, e.sess, trainerU.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.MarkAttendance(ctx, e.sess, marks); err != nil {
		t.Fatal(err)
	}
	answer := func(i int, comment string) page {
		return agents[i].post("/mes-formations/"+itoa(int(ids[i]))+"/avis", url.Values{"satisfaction": {"5"}, "utilite": {"4"},
			"recommandation": {"oui"}, "commentaire": {comment}})
	}
	if agents[0].get("/mes-formations").doc.Find(`a[href="/mes-formations/`+itoa(int(ids[0]))+`/avis"]`).Length() != 1 {
		t.Fatal("no link to the survey in Mes formations")
	}
	if p := agents[0].post("/mes-formations/"+itoa(int(ids[0]))+"/avis", url.Values{"utilite": {"4"}}); p.status != http.StatusUnprocessableEntity || p.doc.Find("#satisfaction-group.fr-fieldset--error #satisfaction-error").Length() != 1 {
		t.Fatalf("incomplete answer: %d", p.status)
	}
	expectRedirect(t, answer(0, "=HYPERLINK(\"http://malveillant.example\")"), http.StatusSeeOther, "/mes-formations")
	for i := 1; i < 4; i++ {
		expectRedirect(t, answer(i, ""), http.StatusSeeOther, "/mes-formations")
	}
	if p := answer(0, ""); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("a second answer: %d", p.status)
	}
	if p := agents[1].post("/mes-formations/"+itoa(int(ids[0]))+"/avis", url.Values{"satisfaction": {"1"}, "utilite": {"1"}, "recommandation": {"non"}}); p.status != http.StatusNotFound {
		t.Fatalf("answering for another agent: %d", p.status)
	}
	base := "/formateur/sessions/" + itoa(int(e.sess))
	box := text(tr.get(base).doc.Find("section[aria-labelledby=avis-participants]"))
	if !strings.Contains(box, "à partir de cinq réponses") || strings.Contains(box, "Satisfaction moyenne") {
		t.Fatalf("four answers shown to the trainer: %q", box)
	}
	if row := text(newBrowser(t, e.srv).get("/bilan").doc.Find("section[aria-labelledby=satisfaction] tbody")); !strings.Contains(row, "moins de 5") {
		t.Fatalf("bilan with four answers: %q", row)
	}
	expectRedirect(t, answer(4, ""), http.StatusSeeOther, "/mes-formations")
	box = text(tr.get(base).doc.Find("section[aria-labelledby=avis-participants]"))
	if !strings.Contains(box, "Satisfaction moyenne : 5,0 sur 5") || strings.Contains(box, users[0].Email) || strings.Contains(box, "HYPERLINK") {
		t.Fatalf("five answers for the trainer: %q", box)
	}

	// The admin moderates the comment; the export has no names, and the formula is neutralised.
	page := admin.get("/admin/avis")
	form := page.doc.Find(`form[action^="/admin/avis/commentaires/"]`)
	if page.status != http.StatusOK || form.Length() != 1 {
		t.Fatalf("admin results: %d, %d comments to moderate", page.status, form.Length())
	}
	expectRedirect(t, admin.post(form.AttrOr("action", ""), url.Values{"decision": {"publier"}}), http.StatusSeeOther, "/admin/avis")
	csv := admin.get("/admin/avis.csv")
	if csv.status != http.StatusOK || !strings.Contains(csv.body, "'=HYPERLINK") || strings.Contains(csv.body, users[0].Email) || strings.Count(csv.body, "\n") != 6 {
		t.Fatalf("export: %d\n%s", csv.status, csv.body)
	}
	if p := admin.get("/admin/avis?du=hier"); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad period: %d", p.status)
	}

	// "À froid": not before 60 days.
	cold := "/mes-formations/" + itoa(int(ids[0])) + "/avis-a-froid"
	if p := agents[0].get(cold); !strings.Contains(text(p.doc.Find("main")), "60 jours") {
		t.Fatalf("cold survey too early: %q", text(p.doc.Find("main")))
	}
	if _, err := e.store.Pool().Exec(ctx, `UPDATE enrolments SET attendance_at = now() - interval '61 days' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, agents[0].post(cold, url.Values{"utilite": {"5"}}), http.StatusSeeOther, "/mes-formations")
}
