package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"campus/internal/postgres"
	"campus/internal/testdb"
)

var approvalPath = regexp.MustCompile(`https://campus\.example\.gouv\.fr(/accord/[A-Za-z0-9_-]{43})\b`)

// approvalLink is the path of the latest approval link mailed to a manager.
func approvalLink(t *testing.T, store *postgres.Store, manager string) string {
	t.Helper()
	ms := recentMails(t, store, manager, 1)
	if len(ms) == 0 {
		t.Fatalf("no mail to the manager %s", manager)
	}
	m := approvalPath.FindStringSubmatch(ms[0].Body)
	if m == nil {
		t.Fatalf("no approval link in the mail to %s:\n%s", manager, ms[0].Body)
	}
	return m[1]
}

// TestApproval_AgentManagerLoop walks the loop over HTTP, reading the mails: an agent enrols in a session that
// requires approval (the manager's address is asked, then remembered), the seat is held (tentative in the
// calendar, shown in "Mes formations"), the manager opens the link (nothing decided by opening it) and refuses
// with a message; the next agent of the waitlist gets the held seat, whose manager, having a Campus account,
// approves from "Les demandes de mon équipe".
func TestApproval_AgentManagerLoop(t *testing.T) {
	t.Parallel()
	e := newModuleSession(t, "presentiel", 1, 10*24*time.Hour)
	ctx := t.Context()
	if _, err := e.store.Pool().Exec(ctx, `UPDATE module_sessions SET approval_required = true WHERE id = $1`, e.sess); err != nil {
		t.Fatal(err)
	}
	modulePath := "/modules/" + e.m.slug
	a, agentA := signedIn(t, e.srv, e.store, "agent")
	b, agentB := signedIn(t, e.srv, e.store, "agent")
	managerA := uniqueEmail("cheffe-a")
	managerB := uniqueEmail("chef-b")
	enrol := "/modules/" + e.m.slug + "/inscription"
	sessID := itoa(int(e.sess))

	// The form asks for the manager's address; without it the enrolment is refused on that field.
	page := a.get(modulePath)
	if page.doc.Find(`input[name="responsable"][type="email"]`).Length() != 1 || !strings.Contains(text(page.doc.Find("#inscription")), "accord du responsable requis") {
		t.Fatal("the module page does not ask for the manager's address")
	}
	p := a.post(enrol, url.Values{"session": {sessID}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "responsable"), "responsable hiérarchique") {
		t.Fatalf("no manager: %d, field error %q", p.status, fieldError(p, "responsable"))
	}
	p = a.post(enrol, url.Values{"session": {sessID}, "responsable": {agentA.Email}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "responsable") == "" || p.doc.Find(`input[name="responsable"]`).AttrOr("value", "") != agentA.Email {
		t.Fatalf("own address: %d, field error %q (value kept?)", p.status, fieldError(p, "responsable"))
	}
	expectRedirect(t, a.post(enrol, url.Values{"session": {sessID}, "responsable": {managerA}}), http.StatusSeeOther, modulePath+"#inscription")
	expectRedirect(t, b.post(enrol, url.Values{"session": {sessID}, "responsable": {managerB}}), http.StatusSeeOther, modulePath+"#inscription")

	// Remembered: the next form (B, waitlisted, is offered another session) shows it again.
	other := enrolSession(t, e.store, e.m.id, 5, 20*24*time.Hour)
	if _, err := e.store.Pool().Exec(ctx, `UPDATE module_sessions SET approval_required = true WHERE id = $1`, other); err != nil {
		t.Fatal(err)
	}
	if v := b.get(modulePath).doc.Find(`input[name="responsable"]`).AttrOr("value", ""); v != managerB {
		t.Fatalf("the manager's address offered again is %q, want %q", v, managerB)
	}

	// "Mes formations" and the calendar say the seat is held.
	mine := a.get("/mes-formations")
	held := text(mine.doc.Find("section[aria-labelledby=accord]"))
	if !strings.Contains(held, e.m.title) || !strings.Contains(held, "En attente d’accord") || !strings.Contains(held, managerA) {
		t.Fatalf("Mes formations does not show the held seat: %q", held)
	}
	idA := testdb.Int64(t, e.store, `SELECT id FROM enrolments WHERE user_id = $1 AND session_id = $2`, agentA.ID, e.sess)
	if ics := a.get("/mes-formations/" + itoa(int(idA)) + "/calendrier.ics").body; !strings.Contains(ics, "STATUS:TENTATIVE") {
		t.Fatalf("the held seat's calendar event is not tentative:\n%s", ics)
	}

	// The manager's link: opening it decides nothing, and the page leaks the token nowhere.
	link := approvalLink(t, e.store, managerA)
	anon := newBrowser(t, e.srv)
	open := anon.get(link)
	if open.status != http.StatusOK || open.header.Get("Referrer-Policy") != "no-referrer" || open.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("link page: %d, Referrer-Policy %q, Cache-Control %q", open.status, open.header.Get("Referrer-Policy"), open.header.Get("Cache-Control"))
	}
	if around := repeatsToken(open, strings.TrimPrefix(link, "/accord/")); around != "" {
		t.Errorf("the page repeats its token: …%s…", around)
	}
	if open.doc.Find(`form[method=post] button[name=decision][value=accord]`).Length() != 1 || !strings.Contains(text(open.doc.Find("main")), agentA.Email) {
		t.Fatal("no decision form on the link's page")
	}
	if st := testdb.Int(t, e.store, `SELECT (status = 'held')::int FROM enrolments WHERE id = $1`, idA); st != 1 {
		t.Fatal("opening the link changed the enrolment")
	}
	// A cross-site POST is refused (CSRF), a wrong token is a 404.
	if p := anon.post(link, url.Values{"decision": {"accord"}}, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
		t.Fatalf("cross-site decision: %d", p.status)
	}
	if p := anon.get("/accord/" + strings.Repeat("A", 43)); p.status != http.StatusNotFound {
		t.Fatalf("unknown token: %d", p.status)
	}
	if p := anon.get("/accord/court"); p.status != http.StatusNotFound {
		t.Fatalf("malformed token: %d", p.status)
	}
	// Refusal with a message.
	done := anon.post(link, url.Values{"decision": {"refus"}, "message": {"Période de clôture : inscris-toi en mars."}})
	if done.status != http.StatusOK || !strings.Contains(text(done.doc.Find("main")), "Votre réponse est enregistrée") {
		t.Fatalf("refusal: %d %q", done.status, text(done.doc.Find("main")))
	}
	if again := anon.post(link, url.Values{"decision": {"accord"}}); again.status != http.StatusConflict || !strings.Contains(text(again.doc.Find("main")), "déjà été traitée") {
		t.Fatalf("second use of the link: %d %q", again.status, text(again.doc.Find("#erreurs-formulaire")))
	}
	refused, _ := lastMail(t, e.store, agentA.Email)
	if !strings.Contains(refused.Body, "Période de clôture : inscris-toi en mars.") {
		t.Fatalf("the agent's refusal mail lacks the message:\n%s", refused.Body)
	}
	if txt := text(a.get("/mes-formations").doc.Find("section[aria-labelledby=annulees]")); !strings.Contains(txt, "accord refusé") || !strings.Contains(txt, "Période de clôture") {
		t.Fatalf("Mes formations does not show the refusal: %q", txt)
	}

	// B, head of the waitlist, now holds the seat; B's manager has an account and decides from their page.
	if st := testdb.Int(t, e.store, `SELECT (status = 'held')::int FROM enrolments WHERE user_id = $1 AND session_id = $2`, agentB.ID, e.sess); st != 1 {
		t.Fatal("the head of the waitlist did not get the held seat")
	}
	approvalLink(t, e.store, managerB) // asked by mail too
	newUserAt(t, e.store, managerB, "agent")
	mgr := newBrowser(t, e.srv)
	expectRedirect(t, mgr.login(managerB, goodPassword), http.StatusSeeOther, "/compte")
	team := mgr.get("/mes-formations/equipe")
	form := team.doc.Find(`form[action^="/mes-formations/equipe/"]`)
	if team.status != http.StatusOK || form.Length() != 1 || !strings.Contains(text(team.doc.Find("main")), agentB.Email) {
		t.Fatalf("team page: %d, %d forms", team.status, form.Length())
	}
	action := form.AttrOr("action", "")
	// Someone else cannot decide on it.
	intruder, _ := signedIn(t, e.srv, e.store, "agent")
	if p := intruder.post(action, url.Values{"decision": {"accord"}}); p.status != http.StatusNotFound {
		t.Fatalf("another user's decision: %d", p.status)
	}
	expectRedirect(t, mgr.post(action, url.Values{"decision": {"accord"}}), http.StatusSeeOther, "/mes-formations/equipe")
	if st := testdb.Int(t, e.store, `SELECT (status = 'confirmed')::int FROM enrolments WHERE user_id = $1 AND session_id = $2`, agentB.ID, e.sess); st != 1 {
		t.Fatal("approval from the team page did not confirm the seat")
	}
	if txt := text(b.get("/mes-formations").doc.Find("section[aria-labelledby=a-venir]")); !strings.Contains(txt, "Accord de votre responsable") {
		t.Fatalf("Mes formations does not show the approval: %q", txt)
	}
	if n := testdb.Int(t, e.store, `SELECT count(*) FROM audit_log WHERE entity = 'enrolment' AND action IN ('approval_request', 'refuse', 'approve')`); n != 4 {
		t.Fatalf("%d audit entries, want 4 (two requests, a refusal, an approval)", n)
	}
}
