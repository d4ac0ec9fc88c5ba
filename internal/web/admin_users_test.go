package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/testdb"
)

// TestAdmin_UsersAndRoles: an admin finds an account by a part of its name or address (LIKE wildcards typed are
// taken literally), gives it a role that applies at once, takes it away (which ends the account's sessions), each
// change in the journal with its author; an admin cannot take their own admin role away; a bad value is refused
// with a French message.
func TestAdmin_UsersAndRoles(t *testing.T) {
	store := testdb.Seeded(t)
	srv := newServer(t, store)
	ctx := t.Context()
	adm, me := signedIn(t, srv, store, account.RoleAdmin)
	agentBrowser, agent := signedIn(t, srv, store, account.RoleAgent)
	userURL := "/admin/utilisateurs/" + strconv.FormatInt(agent.ID, 10)

	local, _, _ := strings.Cut(agent.Email, "@")
	list := adm.get("/admin/utilisateurs?q=" + url.QueryEscape(strings.ToUpper(local)))
	if list.status != http.StatusOK || !strings.Contains(list.body, agent.Email) || list.doc.Find("tbody tr").Length() != 1 {
		t.Fatalf("search by address: %d, %d rows", list.status, list.doc.Find("tbody tr").Length())
	}
	if p := adm.get("/admin/utilisateurs?q=%25"); p.doc.Find("tbody tr").Length() != 0 {
		t.Errorf("q=%%: %d rows, want none (the wildcard is a character)", p.doc.Find("tbody tr").Length())
	}
	if p := adm.get("/admin/utilisateurs?role=admin&q=" + url.QueryEscape(local)); p.doc.Find("tbody tr").Length() != 0 {
		t.Error("the role filter lets an agent through")
	}
	if p := adm.get(userURL); p.status != http.StatusOK || !strings.Contains(p.body, agent.Email) ||
		p.doc.Find(`input[name="role"][value="agent"][checked]`).Length() != 1 {
		t.Fatalf("user page: %d", p.status)
	}
	// The page of an account whose name starts with a vowel: "Compte d’Alix …", and its role buttons are reached
	// by their labels (the heading above them once took the first radio's id).
	alix := testdb.User(t, store, testdb.Account{Email: uniqueEmail("alix"), GivenName: "Alix", UsualName: "Ambre"})
	alixURL := "/admin/utilisateurs/" + strconv.FormatInt(alix.ID, 10)
	if p := adm.get(alixURL); p.status != http.StatusOK || text(p.doc.Find("h1")) != "Compte d’Alix Ambre" ||
		!strings.HasPrefix(p.doc.Find("title").Text(), "Compte d’Alix Ambre") {
		t.Errorf("user page: %d, h1 %q, title %q", p.status, text(p.doc.Find("h1")), p.doc.Find("title").Text())
	} else {
		checkFrame(t, alixURL, p)
	}
	if p := agentBrowser.get("/admin"); p.status == http.StatusOK {
		t.Fatal("an agent reaches /admin")
	}

	// Promoted: applies at once, the session stays.
	expectRedirect(t, adm.post(userURL+"/role", url.Values{"role": {"admin"}}), http.StatusSeeOther, userURL)
	if p := agentBrowser.get("/admin"); p.status != http.StatusOK {
		t.Fatalf("after promotion /admin answers %d", p.status)
	}
	// Demoted: the account's sessions end.
	expectRedirect(t, adm.post(userURL+"/role", url.Values{"role": {"agent"}}), http.StatusSeeOther, userURL)
	if p := agentBrowser.get("/mes-formations"); p.status == http.StatusOK {
		t.Error("after demotion the old session still works")
	}
	// The same role again: nothing happens, nothing is written.
	expectRedirect(t, adm.post(userURL+"/role", url.Values{"role": {"agent"}}), http.StatusSeeOther, userURL)
	entries, total, err := store.AuditLog(ctx, admin.AuditFilter{Entity: admin.EntityUser, EntityID: agent.ID}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || entries[0].ActorID != me.ID || entries[0].After["Rôle"] != "Agent" || entries[1].After["Rôle"] != account.RoleLabel(account.RoleAdmin) {
		t.Errorf("journal: %d entries %+v", total, entries)
	}
	if p := adm.get("/admin/journal?entite=user&id=" + strconv.FormatInt(agent.ID, 10)); !strings.Contains(p.body, "Changement de rôle") {
		t.Error("the journal does not show the role changes")
	}

	// Bad value, and one's own admin role.
	p := adm.post(userURL+"/role", url.Values{"role": {"superadmin"}})
	if msg := text(p.doc.Find("#role-group.fr-fieldset--error .fr-message--error")); p.status != http.StatusUnprocessableEntity || msg == "" {
		t.Errorf("unknown role: %d %q", p.status, msg)
	}
	self := "/admin/utilisateurs/" + strconv.FormatInt(me.ID, 10)
	p = adm.post(self+"/role", url.Values{"role": {"agent"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "votre propre rôle") {
		t.Errorf("self demotion: %d %q", p.status, formMessage(p))
	}
	if u := userByID(t, store, me.ID); u.Role != account.RoleAdmin {
		t.Errorf("the admin lost their role: %s", u.Role)
	}
	if p := adm.get("/admin/utilisateurs/999999999"); p.status != http.StatusNotFound {
		t.Errorf("unknown account: %d", p.status)
	}
}
