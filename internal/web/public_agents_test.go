package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/testdb"
)

// TestLicences_PublicAgentsOnly: an account with a confirmed personal address (eve@gmail.com) cannot take a
// partner licence and is told why in French; a look-alike domain does not pass for a public one; a sub-domain of a
// listed domain does; a ProConnect account does whatever its address; an admin adds a domain and its agents
// then may.
func TestLicences_PublicAgentsOnly(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "agents-publics", 4)
	srv := newServer(t, store)
	_, slug := testPool(t, store, "Lot réservé", 10)
	ask := func(email string, proconnect bool) (allocated bool, flash string) {
		t.Helper()
		u := newUserAt(t, store, email, account.RoleAgent)
		if proconnect {
			testdb.Exec(t, store, `UPDATE users SET proconnect_sub = $2 WHERE id = $1`, u.ID, "sub-"+email)
		}
		b := newBrowser(t, srv)
		expectRedirect(t, b.login(email, goodPassword), http.StatusSeeOther, "/compte")
		p := b.post("/partenaires/"+slug+"/licence", url.Values{})
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: %d", email, p.status)
		}
		next := b.follow(p)
		n := testdb.Int(t, store, `SELECT count(*) FROM licence_requests WHERE user_id = $1 AND status = 'allocated'`, u.ID)
		return n == 1, text(next.doc.Find(".fr-alert, .fr-notice"))
	}
	for _, c := range []struct {
		email      string
		proconnect bool
		want       bool
	}{
		{uniq("eve", "gmail.com"), false, false},
		{uniq("eve", "notgouv.fr"), false, false},
		{uniq("eve", "gouv.fr.example.com"), false, false},
		{uniq("camille", "finances.gouv.fr"), false, true},
		{uniq("dominique", "ac-lyon.fr"), false, true},
		{uniq("sacha", "gmail.com"), true, true},
	} {
		got, flash := ask(c.email, c.proconnect)
		if got != c.want {
			t.Errorf("%s (ProConnect %v): licence %v, want %v (%q)", c.email, c.proconnect, got, c.want, flash)
		}
		if !c.want && !strings.Contains(flash, "réservées aux agents publics") {
			t.Errorf("%s: refusal %q", c.email, flash)
		}
	}

	adm, _ := signedIn(t, srv, store, account.RoleAdmin)
	p := adm.get("/admin/domaines-publics")
	list := p.doc.Find("textarea#domaines").Text()
	if !strings.Contains(list, "\ngouv.fr\n") && !strings.HasPrefix(list, "gouv.fr\n") {
		t.Fatalf("domains page: %d", p.status)
	}
	if p := adm.post("/admin/domaines-publics", url.Values{"domaines": {list + "\npas un domaine"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, "n’est pas un domaine") {
		t.Errorf("a bad domain: %d", p.status)
	}
	expectRedirect(t, adm.post("/admin/domaines-publics", url.Values{"domaines": {list + "\n@Mairie-Exemple.FR"}}), http.StatusSeeOther, "/admin/domaines-publics")
	if got, flash := ask(uniq("alix", "mairie-exemple.fr"), false); !got {
		t.Errorf("an agent of an added domain: no licence (%q)", flash)
	}
}

// uniq is a unique address at domain.
func uniq(prefix, domain string) string {
	local, _, _ := strings.Cut(uniqueEmail(prefix), "@")
	return local + "@" + domain
}
