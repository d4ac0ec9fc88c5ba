package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/testdb"
)

// TestMyTrainings_DeclareOnlineCompletion: an agent says they finished an online module: it moves to the
// trainings followed, marked "déclaré par vous", its attestation says it was declared; another agent cannot
// declare it; an admin's mark replaces the declaration.
func TestMyTrainings_DeclareOnlineCompletion(t *testing.T) {
	// Not parallel: it enrols in the shared catalogue, which the parallel tests read.
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	ctx := t.Context()
	agent, u := signedIn(t, srv, store, account.RoleAgent)
	const slug = "bien-utiliser-tchap"
	expectRedirect(t, agent.post("/modules/"+slug+"/inscription", url.Values{}), http.StatusSeeOther, "/modules/"+slug+"#inscription")
	var id, moduleID int64
	testdb.Row(t, store, `SELECT e.id, m.id FROM enrolments e JOIN modules m ON m.id = e.module_id
		WHERE e.user_id = $1 AND m.slug = $2`, u.ID, slug).Scan(&id, &moduleID)
	action := "/mes-formations/" + strconv.FormatInt(id, 10) + "/termine"
	if p := agent.get("/mes-formations"); p.doc.Find(`form[action="`+action+`"] button`).Length() != 1 {
		t.Fatal("no « J’ai terminé ce module » button")
	}
	other, _ := signedIn(t, srv, store, account.RoleAgent)
	if p := other.post(action, url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("another agent declares it: %d", p.status)
	}
	expectRedirect(t, agent.post(action, url.Values{}), http.StatusSeeOther, "/mes-formations")
	p := agent.get("/mes-formations")
	if done := text(p.doc.Find("#terminees").Parent()); !strings.Contains(done, "déclaré par vous") || !strings.Contains(done, "Bien utiliser Tchap") {
		t.Errorf("followed trainings: %q", done)
	}
	if att := agent.get("/mes-formations/" + strconv.FormatInt(id, 10) + "/attestation"); att.status != http.StatusOK ||
		!strings.Contains(att.body, "achèvement déclaré par l’agent") {
		t.Errorf("attestation: %d", att.status)
	}
	if _, err := store.MarkCompletions(ctx, moduleID, map[int64]bool{id: true}); err != nil {
		t.Fatal(err)
	}
	var declared bool
	testdb.Row(t, store, `SELECT completion_declared FROM enrolments WHERE id = $1`, id).Scan(&declared)
	if declared {
		t.Error("an admin's mark keeps the declaration")
	}
}
