package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/testdb"
)

// TestSignedInPages_NeverAnotherUsersData: signed-in pages come from copies rendered once (the header's name
// filled in per request, the user's own parts per user and data version), and no viewer ever gets another's:
// two agents and an admin take turns on the same pages of one instance with the cache on.
func TestSignedInPages_NeverAnotherUsersData(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "signedin_isolation", 8)
	srv := watchedAccountServer(t, store)
	var slug, title string
	testdb.Row(t, store, `SELECT slug, title FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&slug, &title)
	alice, ua := signedIn(t, srv, store, "agent")
	bob, ub := signedIn(t, srv, store, "agent")
	admin, uadm := signedIn(t, srv, store, "admin")
	testdb.Exec(t, store, `UPDATE users SET given_name = 'Alice', usual_name = 'Martin<b>' WHERE id = $1`, ua.ID)
	testdb.Exec(t, store, `UPDATE users SET given_name = 'Bob', usual_name = 'Durand' WHERE id = $1`, ub.ID)
	names := map[*browser]string{alice: "Alice Martin<b>", bob: "Bob Durand"}
	time.Sleep(200 * time.Millisecond) // the notifications of the renames
	if p := alice.post("/modules/"+slug+"/inscription", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("enrolment: %d", p.status)
	}
	paths := []string{"/", "/domaines", "/modules/" + slug, "/catalogue?q=donnees", "/mes-formations"}
	for round := range 3 {
		for _, path := range paths {
			for _, br := range []*browser{alice, bob, admin} {
				p := br.get(path)
				if p.status != 200 {
					t.Fatalf("round %d, %s: %d", round, path, p.status)
				}
				account, _ := p.doc.Find(`a[href="/compte"]`).Attr("title")
				adminLink := p.doc.Find(`header a[href="/admin"]`).Length() > 0
				main := text(p.doc.Find("main"))
				switch br {
				case admin:
					if !adminLink || !strings.Contains(account, uadm.DisplayName()) {
						t.Errorf("round %d, %s: the admin sees account %q, admin link %v", round, path, account, adminLink)
					}
				default:
					if adminLink || account != "Mon compte - "+names[br] {
						t.Errorf("round %d, %s: %s sees account %q, admin link %v", round, path, names[br], account, adminLink)
					}
				}
				if strings.Contains(p.body, "campus-viewer-name") {
					t.Errorf("round %d, %s: the name's mark is left in the page", round, path)
				}
				enrolled := strings.Contains(main, "Vous êtes inscrit·e à ce module en ligne")
				if path == "/modules/"+slug && enrolled != (br == alice) {
					t.Errorf("round %d, %s: %s shown enrolled: %v", round, path, names[br], enrolled)
				}
				if path == "/mes-formations" && strings.Contains(main, foldSpace(title)) != (br == alice) {
					t.Errorf("round %d: Mes formations of %s lists Alice's module: %v", round, names[br], strings.Contains(main, foldSpace(title)))
				}
			}
		}
	}
	// The anonymous copy is apart.
	p := newBrowser(t, srv).get("/modules/" + slug)
	if h := p.doc.Find("header").Text(); strings.Contains(h, "Mon compte") || !strings.Contains(h, "Se connecter") {
		t.Errorf("the anonymous page shows an account: %s", p.doc.Find("header").Text())
	}
}

// TestSignedInPages_OwnActionAtOnce: the page after a user's own action shows it at once, whichever instance
// serves it (the browser's session variant changes with the action, so no copy read before it is used);
// changes made elsewhere (a sign-out of the same session, a role given by SQL) hold on every instance as soon
// as the database announces them.
func TestSignedInPages_OwnActionAtOnce(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "signedin_own_action", 8)
	a, b := watchedAccountServer(t, store), watchedAccountServer(t, store)
	var slug string
	var sessionID int64
	testdb.Row(t, store, `SELECT m.slug, ms.id FROM module_sessions ms JOIN modules m ON m.id = ms.module_id
		WHERE ms.starts_at > now() + interval '10 days' AND ms.status = 'scheduled' AND m.status = 'published'
		AND ms.seats_taken < ms.capacity ORDER BY ms.starts_at LIMIT 1`).Scan(&slug, &sessionID)
	agent, u := signedIn(t, a, store, "agent")
	module := "/modules/" + slug
	state := func(br *browser) string {
		t.Helper()
		p := br.get(module)
		if p.status != 200 {
			t.Fatalf("%s: %d", module, p.status)
		}
		return text(p.doc.Find("main"))
	}
	for range 2 { // cached on both instances
		for _, br := range []*browser{agent, agent.on(b)} {
			if strings.Contains(state(br), "Vous êtes inscrit·e") {
				t.Fatal("enrolled before enrolling")
			}
			br.get("/mes-formations")
		}
	}
	// Enrol on A; the next page, on B, shows it (no waiting for a notification).
	if p := agent.post(module+"/inscription", url.Values{"session": {strconv.FormatInt(sessionID, 10)}}); p.status != http.StatusSeeOther {
		t.Fatalf("enrolment: %d", p.status)
	}
	onB := agent.on(b)
	if !strings.Contains(state(onB), "Vous êtes inscrit·e") {
		t.Error("B shows the module page from before the agent's enrolment")
	}
	if p := onB.get("/mes-formations"); !strings.Contains(text(p.doc.Find("main")), "Annuler") && !strings.Contains(p.body, "/annulation") {
		t.Error("B shows Mes formations from before the agent's enrolment")
	}
	if !strings.Contains(state(agent), "Vous êtes inscrit·e") {
		t.Error("A shows the module page from before the agent's enrolment")
	}

	// A role given straight in SQL shows on both instances once announced.
	testdb.Exec(t, store, `UPDATE users SET role = 'admin' WHERE id = $1`, u.ID)
	eventually(t, time.Second, func() string {
		for _, br := range []*browser{agent, onB} {
			if br.get("/").doc.Find(`header a[href="/admin"]`).Length() == 0 {
				return "the new admin has no back-office link"
			}
		}
		return ""
	})

	// Signing out on A: the same session cookie, replayed on B, is signed out too.
	stolen := agent.on(b)
	if p := agent.post("/deconnexion", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	eventually(t, time.Second, func() string {
		if p := stolen.get("/mes-formations"); p.status != http.StatusSeeOther {
			return "B still serves the signed-out session: " + strconv.Itoa(p.status)
		}
		if h := stolen.get("/").doc.Find("header").Text(); strings.Contains(h, "Mon compte") || !strings.Contains(h, "Se connecter") {
			return "B's home page still shows the account of a signed-out session"
		}
		return ""
	})
}

// TestSearchCache_SpellingsShareOneEntry: the spellings of one query (case, accents, ligatures, spaces) take
// one entry of the cache for the results and one for the page, whoever asks; each page still shows the text
// as typed.
func TestSearchCache_SpellingsShareOneEntry(t *testing.T) {
	store := testdb.Seeded(t)
	srv, portal := newWatchedServer(t, store)
	br := newBrowser(t, srv)
	signed, _ := signedIn(t, srv, store, "agent")
	first := br.get("/catalogue?q=" + url.QueryEscape("données"))
	entries, _ := portal.CacheSize()
	for _, typed := range []string{"Données", "DONNÉES", "  donnees ", "DoNnÉeS", "données"} {
		for _, b := range []*browser{br, br} {
			p := b.get("/catalogue?q=" + url.QueryEscape(typed))
			if p.status != 200 {
				t.Fatalf("%q: %d", typed, p.status)
			}
			if got, _ := p.doc.Find(`main input[name="q"]`).Attr("value"); got != strings.Join(strings.Fields(typed), " ") {
				t.Errorf("%q: the search box shows %q", typed, got)
			}
			if p.doc.Find("main h2, main h3").Length() != first.doc.Find("main h2, main h3").Length() {
				t.Errorf("%q: not the same results as « données »", typed)
			}
		}
	}
	if after, _ := portal.CacheSize(); after != entries {
		t.Errorf("%d cache entries after 5 spellings of one query, %d after the first", after, entries)
	}
	// Signed in: one more entry (the page for signed-in viewers), whatever the spelling.
	signed.get("/compte")              // the sign-in's flash message,
	time.Sleep(300 * time.Millisecond) // and the notification of the session written without it
	signed.get("/catalogue?q=Donn%C3%A9es")
	withSigned, _ := portal.CacheSize()
	for _, typed := range []string{"DONNÉES", "donnees"} {
		signed.get("/catalogue?q=" + url.QueryEscape(typed))
	}
	if after, _ := portal.CacheSize(); after != withSigned {
		t.Errorf("%d cache entries after signed-in spellings, %d after the first", after, withSigned)
	}
}

// TestBenchCeiling_Anonymous: the bench's ceiling page (/_plafond, CAMPUS_BENCH_CEILING) is the home page as an
// anonymous visitor sees it, even when a signed-in agent asks for it first (it is rendered once, then served to
// everyone).
func TestBenchCeiling_Anonymous(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, map[string]string{"CAMPUS_BENCH_CEILING": "true"})
	agent, u := signedIn(t, srv, store, account.RoleAgent)
	first := agent.get("/_plafond")
	anon := newBrowser(t, srv).get("/_plafond")
	if first.status != http.StatusOK || anon.status != http.StatusOK || first.body != anon.body {
		t.Fatalf("/_plafond: %d then %d, the same page: %v", first.status, anon.status, first.body == anon.body)
	}
	if strings.Contains(anon.body, u.DisplayName()) || anon.doc.Find(`form[action="/deconnexion"]`).Length() != 0 {
		t.Error("the ceiling page shows the first visitor's account")
	}
}
