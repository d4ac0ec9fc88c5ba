package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/testdb"
)

// TestAdmin_SearchSynonyms: the back-office lists the synonyms one group per line; a line with a single
// expression is refused with a French message and the text kept; a new group applies to the public search at
// once (the search's cache dropped), with its journal entry.
func TestAdmin_SearchSynonyms(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "synonymes", 4)
	srv := newServer(t, store)
	adm, _ := signedIn(t, srv, store, account.RoleAdmin)
	p := adm.get("/admin/synonymes")
	current := p.doc.Find("textarea#synonymes").Text()
	if p.status != http.StatusOK || !strings.Contains(current, "IA = intelligence artificielle") {
		t.Fatalf("synonyms page: %d %q", p.status, current)
	}
	anon := newBrowser(t, srv)
	if n := anon.get("/catalogue?q=zorglub").doc.Find(`main a[href^="/modules/"]`).Length(); n != 0 {
		t.Fatalf("zorglub finds %d modules before it is a synonym", n)
	}

	bad := current + "\nzorglub"
	p = adm.post("/admin/synonymes", url.Values{"synonymes": {bad}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "au moins deux expressions") ||
		p.doc.Find("textarea#synonymes").Text() != bad {
		t.Fatalf("a one-expression line: %d", p.status)
	}
	expectRedirect(t, adm.post("/admin/synonymes", url.Values{"synonymes": {current + "\nzorglub = hameçonnage"}}), http.StatusSeeOther, "/admin/synonymes")
	if n := anon.get("/catalogue?q=zorglub").doc.Find(`main a[href^="/modules/"]`).Length(); n == 0 {
		t.Error("the new synonym does not reach the search")
	}
	entries, total, err := store.AuditLog(t.Context(), admin.AuditFilter{Entity: admin.EntitySynonyms}, 5, 0)
	if err != nil || total != 1 || !strings.Contains(entries[0].After["synonymes"], "zorglub = hameçonnage") {
		t.Errorf("journal: %d entries %v (%v)", total, entries, err)
	}
}
