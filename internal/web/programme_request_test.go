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

// TestProgrammeRequest_Workflow: an administration asks for a tailored programme and follows it through its
// personal link; the admin studies it, proposes modules, records the acceptance of a programme restricted to
// the administration's agents, who then see it — and the agents of another administration do not.
func TestProgrammeRequest_Workflow(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	contact := newBrowser(t, srv)
	administration := "Agence de test " + strconv.FormatInt(seq.Add(1), 10)

	t.Run("Errors", func(t *testing.T) {
		p := contact.post("/programmes-sur-mesure/demande", url.Values{"administration": {administration}, "headcount": {"quarante"},
			"contact_phone": {"appelez-moi"}, "domains": {"data"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", p.status)
		}
		for _, f := range []string{"contact_name", "contact_email", "contact_phone", "need", "headcount", "timing"} {
			if fieldError(p, f) == "" {
				t.Errorf("no error on %s", f)
			}
		}
		if p.doc.Find("#audiences-group.fr-fieldset--error").Length() != 1 {
			t.Error("no error on the audiences")
		}
		if v, _ := p.doc.Find("#administration").Attr("value"); v != administration {
			t.Errorf("typed administration lost: %q", v)
		}
		if _, checked := p.doc.Find(`input[name="domains"][value="data"]`).Attr("checked"); !checked {
			t.Error("checked domain lost")
		}
	})

	email := uniqueEmail("contact")
	res := contact.post("/programmes-sur-mesure/demande", url.Values{"administration": {administration}, "contact_name": {"Alix Martin"},
		"contact_email": {email}, "contact_phone": {"01 23 45 67 89"}, "need": {"Former nos managers à la donnée."},
		"audiences": {"managers"}, "headcount": {"1 200"}, "domains": {"data"}, "timing": {"Automne"}, "consent": {"oui"}})
	// Typing an address proves nothing: the follow-up link goes to it by mail, never to the answer.
	expectRedirect(t, res, http.StatusSeeOther, "/programmes-sur-mesure/demande/envoyee")
	if sent := contact.follow(res); !strings.Contains(text(sent.doc.Find("main")), email) || strings.Contains(sent.body, "/suivi/") {
		t.Errorf("sent page: %q", text(sent.doc.Find("main")))
	}
	m, follow := lastMail(t, store, email)
	if m.Kind != "programme_request_received" || !strings.HasPrefix(follow, "/programmes-sur-mesure/suivi/") {
		t.Fatalf("acknowledgement %s with link %q", m.Kind, follow)
	}
	p := contact.get(follow)
	if !strings.Contains(text(p.doc.Find(".fr-stepper")), "Étape 1 sur 4") || !strings.Contains(text(p.doc.Find("main")), "1 200") {
		t.Errorf("follow page: %q", text(p.doc.Find(".fr-stepper")))
	}
	if p := contact.get("/programmes-sur-mesure/suivi/jeton-inconnu"); p.status != http.StatusNotFound {
		t.Errorf("unknown link: %d", p.status)
	}

	id := testdb.Int64(t, store, `SELECT id FROM programme_requests WHERE contact_email = $1`, email)
	page := "/admin/demandes-sur-mesure/" + strconv.FormatInt(id, 10)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	if p := admin.get("/admin/demandes-sur-mesure"); !strings.Contains(text(p.doc.Find("table")), administration) {
		t.Errorf("requests list: %q", text(p.doc.Find("main")))
	}
	if p := admin.post(page+"/statut", url.Values{"to": {"acceptee"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("skipping the study: %d", p.status)
	}
	expectRedirect(t, admin.post(page+"/statut", url.Values{"to": {"en_etude"}, "note": {"Voir avec la DINUM"}}), http.StatusSeeOther, page)
	p = admin.post(page+"/statut", url.Values{"to": {"proposee"}, "title": {"La donnée pour les managers"}, "proposal": {"Trois modules."}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#modules-group")), "au moins un module") ||
		fieldError(p, "message") == "" {
		t.Fatalf("proposal without modules nor message: %d %q", p.status, text(p.doc.Find("#modules-group .fr-message--error")))
	}
	if v, _ := p.doc.Find("#title").Attr("value"); v != "La donnée pour les managers" {
		t.Errorf("typed title lost: %q", v)
	}
	modules := testdb.Column[string](t, store, `SELECT m.id::text FROM modules m JOIN domains d ON d.id = m.domain_id
		WHERE d.slug = 'data' AND m.status = 'published' ORDER BY m.id LIMIT 2`)
	expectRedirect(t, admin.post(page+"/statut", url.Values{"to": {"proposee"}, "title": {"La donnée pour les managers"},
		"proposal": {"Deux modules sur un mois : l'essentiel."}, "message": {"Voici notre proposition."}, "modules": modules}), http.StatusSeeOther, page)
	// The proposal is prose the requester reads: stored typeset (Form.ProseMultiline).
	if got := testdb.String(t, store, `SELECT proposal FROM programme_requests WHERE id = $1`, id); got != "Deux modules sur un mois\u00a0: l\u2019essentiel." {
		t.Errorf("stored proposal %q", got)
	}
	m, link := lastMail(t, store, email)
	if m.Kind != "programme_request_status" || !strings.Contains(m.Body, "Voici notre proposition.") || !strings.HasPrefix(link, "/programmes-sur-mesure/suivi/") {
		t.Fatalf("proposal mail: %s %q", m.Kind, link)
	}
	// The admin orders the proposal's modules while it waits for the answer; the programme takes this order.
	firstModule := func(q string) string {
		t.Helper()
		return testdb.String(t, store, q, id)
	}
	proposalFirst := `SELECT module_id::text FROM programme_request_modules WHERE request_id = $1 ORDER BY position LIMIT 1`
	if p := admin.get(page); p.doc.Find(`form[action="`+page+`/modules/`+modules[1]+`"] button[value="monter"]`).Length() != 1 {
		t.Fatalf("no Monter button for the second module: %q", text(p.doc.Find("main")))
	}
	expectRedirect(t, admin.post(page+"/modules/"+modules[1], url.Values{"action": {"monter"}}), http.StatusSeeOther, page+"#proposition")
	if got := firstModule(proposalFirst); got != modules[1] {
		t.Errorf("first module of the proposal %s, want %s", got, modules[1])
	}
	// The reordering is in the audit log, by the admin, with the order before and after (the modules' slugs).
	slugOf := func(id string) string {
		return testdb.String(t, store, `SELECT slug FROM modules WHERE id = $1::bigint`, id)
	}
	var before, after, actor string
	testdb.Row(t, store, `SELECT before->>'modules', after->>'modules', actor_name FROM audit_log
		WHERE entity = 'programme_request' AND entity_id = $1 AND action = 'modules'`, id).Scan(&before, &after, &actor)
	if before != slugOf(modules[0])+" | "+slugOf(modules[1]) || after != slugOf(modules[1])+" | "+slugOf(modules[0]) || actor == "" {
		t.Errorf("audit of the reordering: %q → %q by %q", before, after, actor)
	}
	if p := admin.follow(admin.post(page+"/modules/"+modules[1], url.Values{"action": {"monter"}})); !strings.Contains(text(p.doc.Find(".fr-alert")), "déjà le premier") {
		t.Errorf("moving the first module up: %q", text(p.doc.Find(".fr-alert")))
	}
	// The new link and the first one both show the proposal.
	for _, l := range []string{link, follow} {
		p := contact.get(l)
		if !strings.Contains(text(p.doc.Find("#proposition").Parent()), "Deux modules sur un mois : l’essentiel.") || p.doc.Find(`section[aria-labelledby="proposition"] li`).Length() != 2 {
			t.Errorf("%s: proposal not shown: %q", l, text(p.doc.Find("main")))
		}
	}
	// The requester answers on the follow-up page: asking for changes needs a message; accepting is recorded once.
	p = contact.post(follow, url.Values{"reponse": {"modifications"}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "message") == "" ||
		p.doc.Find(`input[name="reponse"][value="modifications"][checked]`).Length() != 1 {
		t.Errorf("changes without a message: %d %q", p.status, fieldError(p, "message"))
	}
	expectRedirect(t, contact.post(follow, url.Values{"reponse": {"accepte"}, "message": {"Parfait pour nous."}}), http.StatusSeeOther, follow)
	p = contact.get(follow)
	if !strings.Contains(text(p.doc.Find(".fr-alert--info")), "Vous avez accepté la proposition") || p.doc.Find(`form input[name="reponse"]`).Length() != 0 ||
		!strings.Contains(text(p.doc.Find("#echanges").Parent()), "Proposition acceptée par le demandeur (votre réponse)") {
		t.Errorf("follow page after accepting: %q", text(p.doc.Find("main")))
	}
	expectRedirect(t, contact.post(follow, url.Values{"reponse": {"decline"}}), http.StatusSeeOther, follow)
	var status, answer string
	testdb.Row(t, store, `SELECT status, answer FROM programme_requests WHERE id = $1`, id).Scan(&status, &answer)
	if status != "proposee" || answer != "accepte" {
		t.Errorf("a second answer changed the request: %s %s", status, answer)
	}
	if p := admin.get(page); !strings.Contains(text(p.doc.Find(".fr-alert--info")), "Le demandeur a accepté la proposition") {
		t.Errorf("the admin's page does not show the acceptance: %q", text(p.doc.Find("main")))
	}
	if p := admin.post(page+"/statut", url.Values{"to": {"acceptee"}}); p.status != http.StatusUnprocessableEntity || p.doc.Find("#visibility-group.fr-fieldset--error").Length() != 1 {
		t.Errorf("accepting without a visibility: %d", p.status)
	}
	expectRedirect(t, admin.post(page+"/statut", url.Values{"to": {"acceptee"}, "visibility": {"reserve"}, "message": {"Merci !"}}), http.StatusSeeOther, page)
	if p := contact.get(follow); !strings.Contains(text(p.doc.Find(".fr-alert--success")), "La donnée pour les managers") ||
		!strings.Contains(text(p.doc.Find(".fr-stepper")), "Étape 4 sur 4") {
		t.Errorf("follow page once accepted: %q", text(p.doc.Find("main")))
	}
	if got := firstModule(`SELECT tm.module_id::text FROM track_modules tm JOIN programme_requests r ON r.track_id = tm.track_id
		WHERE r.id = $1 ORDER BY tm.position LIMIT 1`); got != modules[1] {
		t.Errorf("first module of the programme %s, want %s (the proposal's order)", got, modules[1])
	}
	if p := admin.follow(admin.post(page+"/modules/"+modules[0], url.Values{"action": {"monter"}})); !strings.Contains(text(p.doc.Find(".fr-alert")), "tant que la proposition attend") {
		t.Errorf("ordering an accepted proposal: %q", text(p.doc.Find(".fr-alert")))
	}
	if p := admin.post(page+"/statut", url.Values{"to": {"declinee"}, "message": {"x"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("changing a closed request: %d", p.status)
	}

	audited := testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'programme_request' AND entity_id = $1`, id)
	if audited != 5 {
		t.Errorf("%d audit entries for the three changes, the reordering and the requester's answer (the refused moves none)", audited)
	}
	// The programme is shown to the accounts of its access list only (restricted_test.go): the contact has no
	// account, so the list starts empty; the admin gives the administration's SIREN.
	trackID := testdb.Int64(t, store, `SELECT track_id FROM programme_requests WHERE id = $1`, id)
	edit := "/admin/parcours/" + strconv.FormatInt(trackID, 10)
	if href, _ := admin.get(page).doc.Find(`main a[href$="#acces"]`).Attr("href"); href != edit+"#acces" {
		t.Errorf("the request's page links the access list at %q", href)
	}
	form := formValues(admin.get(edit), `main form[action="`+edit+`"]`)
	if form.Get("access") != "" {
		t.Errorf("access list prefilled with %q", form.Get("access"))
	}
	form.Set("access", "130025265")
	expectRedirect(t, admin.post(edit, form), http.StatusSeeOther, edit)
	insider, u := signedIn(t, srv, store, account.RoleAgent)
	testdb.Exec(t, store, `UPDATE users SET proconnect_sub = $2, siret = '13002526500013' WHERE id = $1`, u.ID, "sub-"+u.Email)
	if p := insider.get("/programmes-sur-mesure/reserves"); !strings.Contains(text(p.doc.Find("h2")), "La donnée pour les managers") ||
		p.doc.Find(".fr-card").Length() != 2 {
		t.Errorf("insider: %q", text(p.doc.Find("main")))
	}
	outsider, o := signedIn(t, srv, store, account.RoleAgent)
	testdb.Exec(t, store, `UPDATE users SET administration = $2 WHERE id = $1`, o.ID, strings.ToUpper(administration))
	if p := outsider.get("/programmes-sur-mesure/reserves"); strings.Contains(text(p.doc.Find("main")), "La donnée pour les managers") {
		t.Error("an agent who names the administration in their profile sees the programme")
	}
	if p := newBrowser(t, srv).get("/programmes-sur-mesure"); strings.Contains(text(p.doc.Find("main")), "La donnée pour les managers") {
		t.Error("a restricted programme is in the public list")
	}
}
