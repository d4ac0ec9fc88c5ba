package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/testdb"
	"campus/internal/trainer"
)

func TestTrainerCall_Form(t *testing.T) {
	// Not parallel: it adds trainer applications the shared pages count, which the parallel tests read.
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	b := newBrowser(t, srv)

	p := b.get("/devenir-formateur")
	// The community's figures are the bilan's (postgres.TrainersByKind), never written by hand.
	counts, err := store.TrainersByKind(t.Context(), programme.BilanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := "s’appuie sur des formatrices et formateurs occasionnels"
	if n := counts[0].Values[0] + counts[1].Values[0]; n > 0 {
		want = "s’appuie sur " + catalogue.Plural(n, "formatrice ou formateur occasionnel", "formatrices et formateurs occasionnels") + " : " +
			catalogue.Plural(counts[0].Values[0], "agent public", "agents publics")
	}
	if lead := text(p.doc.Find(".fr-text--lead")); p.status != http.StatusOK || !strings.Contains(lead, foldSpace(want)) {
		t.Fatalf("call page: %d %q, want %q", p.status, lead, want)
	}
	if n := p.doc.Find(`input[name="domains"]`).Length(); n != 9 {
		t.Errorf("%d domain checkboxes, want the 9 open domains", n)
	}

	t.Run("Errors", func(t *testing.T) {
		p := b.post("/devenir-formateur", url.Values{"given_name": {"Dominique"}, "email": {"pas-une-adresse"}, "kind": {"salarie"},
			"domains": {"cybersecurite", "inconnu"}, "modules": {"Atelier\r\nRGAA"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", p.status)
		}
		for _, f := range []string{"usual_name", "email", "organisation", "availability"} {
			if fieldError(p, f) == "" {
				t.Errorf("no error on %s", f)
			}
		}
		for _, f := range []string{"kind", "domains"} {
			if p.doc.Find("#"+f+"-group.fr-fieldset--error .fr-message--error").Length() != 1 {
				t.Errorf("no DSFR fieldset error on %s", f)
			}
		}
		if p.doc.Find("#consent-group.fr-checkbox-group--error").Length() != 1 {
			t.Error("no error on the consent")
		}
		if v, _ := p.doc.Find("#given_name").Attr("value"); v != "Dominique" {
			t.Errorf("typed name lost: %q", v)
		}
		if v := p.doc.Find("#modules").Text(); v != "Atelier\nRGAA" {
			t.Errorf("typed modules lost: %q", v)
		}
		if !strings.Contains(formMessage(p), "erreurs") {
			t.Errorf("error summary: %q", formMessage(p))
		}
	})

	email := uniqueEmail("candidat")
	form := url.Values{"given_name": {"Dominique"}, "usual_name": {"Formatrice"}, "email": {email}, "kind": {"externe"},
		"organisation": {"Association Accessibilité pour tous"}, "domains": {"design-et-accessibilite"},
		"modules": {"Atelier RGAA"}, "availability": {"Deux jours par trimestre"}, "community": {"oui"}, "consent": {"oui"}}
	expectRedirect(t, b.post("/devenir-formateur", form), http.StatusSeeOther, "/devenir-formateur/merci")
	if p := b.get("/devenir-formateur/merci"); p.status != http.StatusOK {
		t.Errorf("thanks page: %d", p.status)
	}
	if m, _ := lastMail(t, store, email); m.Kind != "trainer_application_received" {
		t.Errorf("mail %s", m.Kind)
	}
	// A second application for the address answers the same and says so by mail.
	expectRedirect(t, b.post("/devenir-formateur", form), http.StatusSeeOther, "/devenir-formateur/merci")
	if m, _ := lastMail(t, store, email); m.Kind != "trainer_application_duplicate" {
		t.Errorf("mail %s", m.Kind)
	}
}

// TestTrainer_ReviewAndSpace: an agent applies, the admin asks for more, the agent answers through the mail's
// link, the admin accepts: the agent is a trainer, gets a session, sees it and its roster in the trainer space.
func TestTrainer_ReviewAndSpace(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "formateur_revue", 4)
	srv := accountServer(t, store, nil)
	ctx := t.Context()
	agent, u := signedIn(t, srv, store, account.RoleAgent)
	if p := agent.get("/formateur"); p.status != http.StatusForbidden {
		t.Fatalf("trainer space for an agent: %d", p.status)
	}
	p := agent.get("/devenir-formateur")
	if v, _ := p.doc.Find("#email").Attr("value"); v != u.Email {
		t.Errorf("the form does not start from the account: %q", v)
	}
	expectRedirect(t, agent.post("/devenir-formateur", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "email": {u.Email},
		"kind": {"interne"}, "organisation": {"DINUM"}, "domains": {"data", "cybersecurite"}, "modules": {"Initiation SQL"},
		"availability": {"Un jour par mois"}, "community": {"oui"}, "consent": {"oui"}}), http.StatusSeeOther, "/devenir-formateur/merci")
	id := testdb.Int64(t, store, `SELECT id FROM trainer_applications WHERE email = $1`, u.Email)
	page := "/admin/formateurs/" + strconv.FormatInt(id, 10)

	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	if q := admin.get("/admin/formateurs"); !strings.Contains(text(q.doc.Find("table")), "Camille Martin") {
		t.Errorf("review queue: %q", text(q.doc.Find("main")))
	}
	p = admin.post(page+"/decision", url.Values{"decision": {"demander-precisions"}, "note": {"à voir"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "message"), "question") {
		t.Fatalf("asking without a question: %d %q", p.status, fieldError(p, "message"))
	}
	if v := p.doc.Find("#note").Text(); v != "à voir" {
		t.Errorf("typed note lost: %q", v)
	}
	expectRedirect(t, admin.post(page+"/decision", url.Values{"decision": {"demander-precisions"}, "message": {"Avez-vous déjà animé une formation ?"}}),
		http.StatusSeeOther, page)
	m, link := lastMail(t, store, u.Email)
	if m.Kind != "trainer_application_more_info" || !strings.HasPrefix(link, "/devenir-formateur/precisions/") {
		t.Fatalf("mail %s with link %q", m.Kind, link)
	}
	anon := newBrowser(t, srv)
	reply := anon.get(link)
	if reply.status != http.StatusOK || !strings.Contains(text(reply.doc.Find(".fr-callout")), "Avez-vous déjà animé") {
		t.Fatalf("reply page: %d %q", reply.status, text(reply.doc.Find("main")))
	}
	if p := anon.post(link, url.Values{"answer": {""}, "modules": {"Initiation SQL"}, "availability": {"x"}}); p.status != http.StatusUnprocessableEntity || fieldError(p, "answer") == "" {
		t.Errorf("empty answer: %d", p.status)
	}
	expectRedirect(t, anon.post(link, url.Values{"answer": {"Oui, trois sessions SQL en 2025."}, "modules": {"Initiation SQL, Python"},
		"availability": {"Un jour par mois"}}), http.StatusSeeOther, "/devenir-formateur/merci")
	if p := anon.get(link); p.status != http.StatusNotFound {
		t.Errorf("the link works twice: %d", p.status)
	}
	expectRedirect(t, admin.post(page+"/decision", url.Values{"decision": {"accepter"}, "message": {"Bienvenue !"}}), http.StatusSeeOther, page)
	if m, _ := lastMail(t, store, u.Email); m.Kind != "trainer_application_accepted" || !strings.Contains(m.Body, "Bienvenue !") {
		t.Errorf("acceptance mail: %s", m.Kind)
	}
	audited := testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'trainer_application' AND entity_id = $1`, id)
	if audited != 2 {
		t.Errorf("%d audit entries for the two decisions", audited)
	}
	if p := admin.post(page+"/decision", url.Values{"decision": {"refuser"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("deciding twice: %d", p.status)
	}

	// The same session of the agent now has the trainer role.
	space := agent.get("/formateur")
	if space.status != http.StatusOK || !strings.Contains(text(space.doc.Find("main")), "Aucune session à venir") {
		t.Fatalf("trainer space: %d", space.status)
	}
	sessionID := testdb.String(t, store, `SELECT id::text FROM module_sessions WHERE status = 'scheduled' AND starts_at > now() ORDER BY starts_at LIMIT 1`)
	// The back-office's session form gives the session to the trainer.
	if _, err := store.Pool().Exec(ctx, `UPDATE module_sessions SET trainer_id = $2 WHERE id = $1::bigint`, sessionID, u.ID); err != nil {
		t.Fatal(err)
	}
	if p := admin.get(page); p.doc.Find(`a[href="/admin/sessions/`+sessionID+`"]`).Length() != 1 {
		t.Errorf("the application's page does not list the session")
	}
	space = agent.get("/formateur")
	link2, ok := space.doc.Find(`a[href="/formateur/sessions/` + sessionID + `"]`).Attr("href")
	if !ok {
		t.Fatalf("the session is not in the trainer space: %q", text(space.doc.Find("main")))
	}
	if roster := agent.get(link2); roster.status != http.StatusOK || roster.doc.Find("h1").Length() != 1 {
		t.Errorf("roster: %d", roster.status)
	}
	if csv := agent.get(link2 + "/inscrits.csv"); csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Errorf("roster CSV: %d %s", csv.status, csv.header.Get("Content-Type"))
	}
	other, _ := signedIn(t, srv, store, account.RoleTrainer)
	if p := other.get(link2); p.status != http.StatusNotFound {
		t.Errorf("another trainer's roster: %d", p.status)
	}
	if p := other.post(link2+"/emargement", url.Values{"presence-1": {"present"}}); p.status != http.StatusNotFound {
		t.Errorf("another trainer's attendance: %d", p.status)
	}
	// An empty attendance form: a French message, not a 500.
	if p := agent.post(link2+"/emargement", url.Values{}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("empty attendance: %d", p.status)
	}

	// Leaving the community.
	expectRedirect(t, agent.post("/formateur/communaute", url.Values{}), http.StatusSeeOther, "/formateur#profil")
	var community bool
	testdb.Row(t, store, `SELECT community FROM trainer_profiles WHERE user_id = $1`, u.ID).Scan(&community)
	if community {
		t.Error("still in the community")
	}
}

func TestTrainerCommunity_Counts(t *testing.T) {
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	ctx := t.Context()
	// Two accepted applicants who opted in, one who did not.
	for i, c := range []struct {
		kind, domain string
		community    bool
	}{{"interne", "data", true}, {"externe", "data", true}, {"externe", "cybersecurite", false}} {
		// The role goes to an account whose address is proven.
		email := newUser(t, store, "communaute", account.RoleAgent).Email
		id, _, err := store.SubmitTrainerApplication(ctx, trainer.Application{Email: email, GivenName: "A", UsualName: strconv.Itoa(i),
			Kind: c.kind, Organisation: "O", Modules: "M", Availability: "D", Community: c.community,
			Domains: []trainer.Ref{{Slug: c.domain}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAccept}); err != nil {
			t.Fatal(err)
		}
	}
	p := newBrowser(t, srv).get("/communaute-formateurs")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	cell := func(table, label string) string {
		var got string
		p.doc.Find("#" + table + "-donnees tbody tr").Each(func(_ int, r *goquery.Selection) {
			if text(r.Find("th")) == label {
				got = text(r.Find("td"))
			}
		})
		return got
	}
	count := func(sql string, args ...any) string {
		var n int
		testdb.Row(t, store, sql, args...).Scan(&n)
		return strconv.Itoa(n)
	}
	for key, label := range map[string]string{"interne": "Internes", "externe": "Externes"} {
		want := count(`SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id
			WHERE tp.community AND u.role IN ('trainer', 'admin') AND tp.kind = $1`, key)
		if got := cell("par-type", label); got != want || want == "0" {
			t.Errorf("%s: page %q, database %s", label, got, want)
		}
	}
	want := count(`SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id
		JOIN trainer_profile_domains pd ON pd.user_id = tp.user_id JOIN domains d ON d.id = pd.domain_id
		WHERE tp.community AND u.role IN ('trainer', 'admin') AND d.slug = 'data'`)
	if got := cell("par-domaine", "Data"); got != want {
		t.Errorf("Data: page %q, database %s", got, want)
	}
	if cell("par-domaine", "Cybersécurité") != "" && count(`SELECT count(*) FROM trainer_profiles tp JOIN trainer_profile_domains pd
		ON pd.user_id = tp.user_id JOIN domains d ON d.id = pd.domain_id WHERE tp.community AND d.slug = 'cybersecurite'`) == "0" {
		t.Error("a trainer who did not opt in is counted")
	}
	if svg := p.doc.Find(`#par-type svg[role="img"]`); svg.Length() != 1 || svg.Find("title").Text() != "Formateurs par type" {
		t.Errorf("chart: %d", svg.Length())
	}
}

// TestTrainer_AcceptedWithoutAccount: an applicant without an account (here, someone else made one with the
// address but never proved it) is accepted; the mail carries a single-use link to choose a password, which proves
// the address, gives the trainer role, and voids the password set by whoever made the account.
func TestTrainer_AcceptedWithoutAccount(t *testing.T) {
	// Not parallel: it adds trainers the shared pages count, which the parallel tests read.
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	email := uniqueEmail("candidate")
	squatter := newBrowser(t, srv)
	squatter.post("/inscription", url.Values{"email": {email}, "password": {goodPassword}, "given_name": {"Eve"},
		"usual_name": {"Pirate"}, "administration": {"Aucune"}, "consent": {"oui"}})
	squatted := testdb.Int(t, store, `SELECT count(*) FROM users WHERE email = $1 AND password_hash IS NOT NULL AND email_verified_at IS NULL`, email)
	if squatted != 1 {
		t.Fatal("the unproven account was not made")
	}
	anon := newBrowser(t, srv)
	expectRedirect(t, anon.post("/devenir-formateur", url.Values{"given_name": {"Sacha"}, "usual_name": {"Durand"}, "email": {email},
		"kind": {"externe"}, "organisation": {"Inria"}, "domains": {"data"}, "modules": {"Initiation SQL"},
		"availability": {"Un jour par mois"}, "consent": {"oui"}}), http.StatusSeeOther, "/devenir-formateur/merci")
	id := testdb.Int64(t, store, `SELECT id FROM trainer_applications WHERE email = $1`, email)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	page := "/admin/formateurs/" + strconv.FormatInt(id, 10)
	expectRedirect(t, admin.post(page+"/decision", url.Values{"decision": {"accepter"}}), http.StatusSeeOther, page)
	m, _ := lastMail(t, store, email)
	link := regexp.MustCompile(`/reinitialisation/[A-Za-z0-9_-]+`).FindString(m.Body)
	if m.Kind != "trainer_application_accepted" || link == "" || strings.Contains(m.Body, "mot-de-passe-oublie") {
		t.Fatalf("acceptance mail %s without a link to choose a password:\n%s", m.Kind, m.Body)
	}
	if p := anon.get(link); p.status != http.StatusOK || p.doc.Find(`input[name="password"]`).Length() != 1 {
		t.Fatalf("password page: %d", p.status)
	}
	const chosen = "une phrase de passe bien longue"
	expectRedirect(t, anon.post(link, url.Values{"password": {chosen}}), http.StatusSeeOther, "/connexion")
	if p := anon.post(link, url.Values{"password": {chosen}}); p.status == http.StatusSeeOther {
		t.Error("the link works twice")
	}
	if p := newBrowser(t, srv).login(email, goodPassword); p.status == http.StatusSeeOther && p.header.Get("Location") == "/compte" {
		t.Error("the squatter's password still signs in")
	}
	trainerB := newBrowser(t, srv)
	expectRedirect(t, trainerB.login(email, chosen), http.StatusSeeOther, "/compte")
	if p := trainerB.get("/formateur"); p.status != http.StatusOK {
		t.Errorf("trainer space after choosing a password: %d", p.status)
	}
}

// TestTrainer_HeaderLink: a trainer's header links to the trainer space, an agent's does not, whichever of them
// asks first for a page rendered once for signed-in viewers.
func TestTrainer_HeaderLink(t *testing.T) {
	// Not parallel: it adds trainers the shared pages count, which the parallel tests read.
	store, srv, agent, _ := signedInPortal(t, account.RoleAgent)
	trainerB, _ := signedIn(t, srv, store, account.RoleTrainer)
	for range 2 {
		for _, c := range []struct {
			b    *browser
			want int
		}{{agent, 0}, {trainerB, 1}} {
			for _, path := range []string{"/", "/domaines"} {
				if n := c.b.get(path).doc.Find(`header a[href="/formateur"]`).Length(); n != c.want {
					t.Errorf("%s: %d links to the trainer space, want %d", path, n, c.want)
				}
			}
		}
	}
}
