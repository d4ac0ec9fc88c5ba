package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/proconnect/proconnecttest"
	"campus/internal/testdb"
)

// TestRestrictedProgrammes_SelfDeclaredAdministration: the administration of a profile is free text that
// anyone may type; typing a ministry's name must not open its restricted programmes.
func TestRestrictedProgrammes_SelfDeclaredAdministration(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	_, title, _ := testdb.RestrictedProgramme(t, store, "Ministère de l’Intérieur", uniqueEmail("demandeur"))
	// An agent who typed the ministry's name (without its accents) as their administration.
	u := testdb.User(t, store, testdb.Account{Email: uniqueEmail("intrus"), Administration: "ministere de l interieur", Role: account.RoleAgent})
	intruder := newBrowser(t, srv)
	expectRedirect(t, intruder.login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
	if p := intruder.get("/programmes-sur-mesure/reserves"); strings.Contains(text(p.doc.Find("main")), title) {
		t.Errorf("an agent who typed the ministry's name sees its restricted programme: %q", text(p.doc.Find("main")))
	}
}

// agentAt signs in a new agent whose confirmed address is email.
func agentAt(t *testing.T, srv *httptest.Server, store *postgres.Store, email string) (*browser, account.User) {
	t.Helper()
	u := newUserAt(t, store, email, account.RoleAgent)
	b := newBrowser(t, srv)
	expectRedirect(t, b.login(email, goodPassword), http.StatusSeeOther, "/compte")
	return b, u
}

// at is a unique address of a domain.
func at(domain string) string { return "agent." + strconv.FormatInt(seq.Add(1), 10) + "@" + domain }

func reserved(b *browser) page { return b.get("/programmes-sur-mesure/reserves") }

// TestRestrictedProgrammes_Access: who sees a restricted programme on "Programmes réservés": the accounts whose
// confirmed address is of a listed domain (or a sub-domain), or whose ProConnect SIRET is listed or belongs to a
// listed SIREN — nobody else, whatever their profile says.
func TestRestrictedProgrammes_Access(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "restreints_acces", 4)
	srv := accountServer(t, store, nil)
	ctx := t.Context()
	// The contact's address is a confirmed account's: the list starts with its domain.
	_, contact := agentAt(t, srv, store, at("interieur.gouv.fr"))
	_, title, track := testdb.RestrictedProgramme(t, store, "Ministère de l’Intérieur", contact.Email)
	shows := func(p page) bool {
		return slices.ContainsFunc(p.doc.Find("main h2").Map(func(_ int, s *goquery.Selection) string { return text(s) }),
			func(h string) bool { return h == title })
	}

	t.Run("ConfirmedAddress", func(t *testing.T) {
		for _, c := range []struct {
			domain string
			want   bool
		}{
			{"interieur.gouv.fr", true},
			{"dgpn.interieur.gouv.fr", true},
			{"evilinterieur.gouv.fr", false},
			{"interieur.gouv.fr.evil.com", false},
		} {
			b, _ := agentAt(t, srv, store, at(c.domain))
			if p := reserved(b); shows(p) != c.want {
				t.Errorf("@%s sees the programme: %v, want %v: %q", c.domain, !c.want, c.want, text(p.doc.Find("main")))
			}
		}
	})

	t.Run("UnconfirmedAddress", func(t *testing.T) {
		// An agent changes their address to one of the ministry (the profile does so, the address then awaits
		// its confirmation): it opens nothing until confirmed.
		b, u := signedIn(t, srv, store, account.RoleAgent)
		email := at("interieur.gouv.fr")
		if _, err := store.Pool().Exec(ctx, `UPDATE users SET email = $2, email_verified_at = NULL WHERE id = $1`, u.ID, email); err != nil {
			t.Fatal(err)
		}
		p := reserved(b)
		if shows(p) {
			t.Error("an unconfirmed address opens the programme")
		}
		if !strings.Contains(text(p.doc.Find("#acces").Parent()), "votre adresse "+email+" n’est pas encore confirmée") {
			t.Errorf("explanation: %q", text(p.doc.Find("#acces").Parent()))
		}
	})

	t.Run("ProConnectSIRET", func(t *testing.T) {
		if _, err := store.Pool().Exec(ctx, `INSERT INTO track_access (track_id, kind, value) VALUES ($1, 'siren', '123456782')`, track.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			sub, siret string
			want       bool
		}{
			{"sub-a", "12345678200010", true},  // an establishment of the listed SIREN
			{"sub-b", "98765432100019", false}, // another administration
			{"", "12345678200010", false},      // a SIRET that no ProConnect sign-in gave
		} {
			b, u := signedIn(t, srv, store, account.RoleAgent)
			var sub any
			if c.sub != "" {
				sub = c.sub + "-" + strconv.FormatInt(u.ID, 10)
			}
			if _, err := store.Pool().Exec(ctx, `UPDATE users SET proconnect_sub = $2, siret = $3 WHERE id = $1`, u.ID, sub, c.siret); err != nil {
				t.Fatal(err)
			}
			p := reserved(b)
			if shows(p) != c.want {
				t.Errorf("SIRET %s (ProConnect %v) sees the programme: %v", c.siret, c.sub != "", !c.want)
			}
			if c.want && !strings.Contains(text(p.doc.Find("#acces").Parent()), "SIRET 123 456 782 00010") {
				t.Errorf("explanation: %q", text(p.doc.Find("#acces").Parent()))
			}
		}
	})

	t.Run("NothingListed", func(t *testing.T) {
		b, _ := signedIn(t, srv, store, account.RoleAgent)
		p := reserved(b)
		if shows(p) || !strings.Contains(text(p.doc.Find("main")), "Aucun programme réservé ne vous est ouvert") {
			t.Errorf("outsider: %q", text(p.doc.Find("main")))
		}
		how := text(p.doc.Find("#acces").Parent())
		for _, want := range []string{"ProConnect", "adresse électronique professionnelle confirmée", "non par l’administration indiquée dans leur profil"} {
			if !strings.Contains(how, want) {
				t.Errorf("the explanation does not say %q: %q", want, how)
			}
		}
		if strings.Contains(how, "pas encore connecté·e avec ProConnect") {
			t.Error("the page advises ProConnect on a portal that does not offer it")
		}
		checkFrame(t, "/programmes-sur-mesure/reserves", p)
	})

	t.Run("ProConnectSignIn", func(t *testing.T) {
		// The whole chain: the SIRET claim of a ProConnect sign-in opens the programmes of its SIREN.
		if _, err := store.Pool().Exec(ctx, `INSERT INTO track_access (track_id, kind, value) VALUES ($1, 'siren', '123456782')
			ON CONFLICT DO NOTHING`, track.ID); err != nil {
			t.Fatal(err)
		}
		fake := proconnecttest.New(t)
		pc := accountServer(t, store, proConnectEnv(fake))
		email := at("exemple.fr")
		signIn := func(siret string) *browser {
			t.Helper()
			fake.SignIn(proconnecttest.Identity{Sub: "sub-" + email, Email: email, GivenName: "Jeanne", UsualName: "Durand", SIRET: siret})
			b := newBrowser(t, pc)
			if p := b.get(proConnectStart(t, fake, b, "/programmes-sur-mesure/reserves")); p.status != http.StatusSeeOther {
				t.Fatalf("callback: %d %q", p.status, text(p.doc.Find("main")))
			}
			return b
		}
		if p := reserved(signIn("12345678200036")); !shows(p) || !strings.Contains(text(p.doc.Find("#acces").Parent()), "SIRET 123 456 782 00036") {
			t.Errorf("the ProConnect agent of the listed SIREN: %q", text(p.doc.Find("main")))
		}
		// The same account, once ProConnect gives another administration's SIRET, no longer sees it.
		if p := reserved(signIn("98765432100019")); shows(p) {
			t.Error("a SIRET of another administration still opens the programme")
		}
	})
}

// TestRestrictedProgrammes_NotPublic: a restricted programme has no public page, cannot be enrolled in as a
// track and is in no public list, even for an account its list opens it to; the back-office cannot publish it.
func TestRestrictedProgrammes_NotPublic(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "restreints_prives", 4)
	srv := accountServer(t, store, nil)
	ctx := t.Context()
	_, title, track := testdb.RestrictedProgramme(t, store, "Ministère de l’Intérieur", uniqueEmail("demandeur"))
	if _, err := store.Pool().Exec(ctx, `INSERT INTO track_access (track_id, kind, value) VALUES ($1, 'domain', 'interieur.gouv.fr')`, track.ID); err != nil {
		t.Fatal(err)
	}
	slug := testdb.String(t, store, `SELECT slug FROM tracks WHERE id = $1`, track.ID)
	insider, u := agentAt(t, srv, store, at("interieur.gouv.fr"))
	if p := reserved(insider); !strings.Contains(text(p.doc.Find("main h2")), title) {
		t.Fatalf("the insider does not see the programme: %q", text(p.doc.Find("main")))
	}
	anon := newBrowser(t, srv)
	for _, b := range []*browser{insider, anon} {
		for _, path := range []string{"/programmes-sur-mesure/" + slug, "/parcours/" + slug} {
			if p := b.get(path); p.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, p.status)
			}
		}
		for _, path := range []string{"/programmes-sur-mesure", "/parcours", "/plan-du-site", "/api/catalogue.json", "/api/catalogue.csv", "/api/lheo.xml"} {
			if p := b.get(path); p.status != http.StatusOK || strings.Contains(p.body, title) || strings.Contains(p.body, slug) {
				t.Errorf("GET %s (%d) shows the restricted programme", path, p.status)
			}
		}
		// A search for its title (which the answer repeats) finds no programme of that address.
		if p := b.get("/api/catalogue.json?q=" + url.QueryEscape(title)); p.status != http.StatusOK || strings.Contains(p.body, slug) {
			t.Errorf("the open-data search finds the restricted programme: %d", p.status)
		}
		if p := b.get("/catalogue?q=" + url.QueryEscape(title)); strings.Contains(text(p.doc.Find("main .fr-card__title")), title) {
			t.Error("the search finds the restricted programme")
		}
	}
	if p := insider.post("/parcours/"+slug+"/inscription", nil); p.status != http.StatusNotFound {
		t.Errorf("enrolling in the restricted track: %d", p.status)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE user_id = $1`, u.ID); n != 0 {
		t.Errorf("%d enrolments through the restricted track", n)
	}

	// The back-office offers no "Publier" button, and refuses the state if posted.
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	edit := "/admin/parcours/" + strconv.FormatInt(track.ID, 10)
	if p := admin.get(edit); p.doc.Find(`form[action="`+edit+`/etat"] button[value="published"]`).Length() != 0 {
		t.Error("the edit page offers to publish a restricted programme")
	}
	if p := admin.follow(admin.post(edit+"/etat", url.Values{"etat": {"published"}})); !strings.Contains(text(p.doc.Find(".fr-alert")), "réservé") {
		t.Errorf("publishing: %q", text(p.doc.Find(".fr-alert")))
	}
	if p := anon.get("/programmes-sur-mesure/" + slug); p.status != http.StatusNotFound {
		t.Errorf("after the publish attempt: %d", p.status)
	}
}

// TestRestrictedProgrammes_AdminAccessList: the access list on the programme's edit page: validated line by line
// with French messages, saved with the track in one transaction, in the audit log.
func TestRestrictedProgrammes_AdminAccessList(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	_, _, track := testdb.RestrictedProgramme(t, store, "Ministère de l’Intérieur", uniqueEmail("demandeur"))
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	edit := "/admin/parcours/" + strconv.FormatInt(track.ID, 10)
	sel := `main form[action="` + edit + `"]`

	p := admin.get(edit)
	if p.doc.Find(sel+" textarea#access").Length() != 1 || !strings.Contains(text(p.doc.Find("#access-group label")), "Accès réservé") ||
		!strings.Contains(text(p.doc.Find("#acces")), "Sa liste est vide : personne ne le voit.") {
		t.Fatalf("no access list on the restricted programme's page: %q", text(p.doc.Find(sel)))
	}
	public := testdb.Int64(t, store, `SELECT id FROM tracks WHERE NOT restricted ORDER BY id LIMIT 1`)
	if p := admin.get("/admin/parcours/" + strconv.FormatInt(public, 10)); p.doc.Find("textarea#access").Length() != 0 {
		t.Error("a public track's page has an access list")
	}

	form := formValues(p, sel)
	form.Set("access", "123456789\n@gmail.com\nagent@interieur.gouv.fr")
	bad := admin.post(edit, form)
	msg := text(bad.doc.Find("#access-group .fr-message--error"))
	if bad.status != http.StatusUnprocessableEntity || !strings.HasPrefix(msg, "Ligne 1 : « 123456789 » n’est pas un numéro SIREN valide") ||
		!strings.Contains(msg, "2 autres lignes") {
		t.Fatalf("bad list: %d %q", bad.status, msg)
	}
	if got := bad.doc.Find("textarea#access").Text(); got != "123456789\n@gmail.com\nagent@interieur.gouv.fr" {
		t.Errorf("typed list lost: %q", got)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM track_access WHERE track_id = $1`, track.ID); n != 0 {
		t.Errorf("a refused list stored %d entries", n)
	}
	for in, want := range map[string]string{
		"12345":              "5 chiffres",
		"@gouv.fr":           "toutes les administrations",
		"interieur":          "ni un SIREN, ni un SIRET, ni un domaine",
		"12345678900012":     "n’est pas un numéro SIRET valide",
		"@orange.fr":         "messagerie ouverte à tous",
		"@intérieur.gouv.fr": "ni un SIREN",
	} {
		form.Set("access", in)
		if p := admin.post(edit, form); p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "access"), want) {
			t.Errorf("%q: %d %q", in, p.status, fieldError(p, "access"))
		}
	}

	form.Set("access", "@Interieur.gouv.fr\r\n123 456 782\r\n\r\n12345678200010\r\n")
	expectRedirect(t, admin.post(edit, form), http.StatusSeeOther, edit)
	p = admin.get(edit)
	if got := p.doc.Find("textarea#access").Text(); got != "123456782\n12345678200010\n@interieur.gouv.fr" {
		t.Errorf("stored list shown as %q", got)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM track_access WHERE track_id = $1`, track.ID); n != 3 {
		t.Errorf("%d entries stored", n)
	}
	journal := text(admin.get("/admin/journal?entite=track&id=" + strconv.FormatInt(track.ID, 10)).doc.Find("main"))
	if !strings.Contains(journal, "Accès réservé") || !strings.Contains(journal, "123456782 | 12345678200010 | @interieur.gouv.fr") {
		t.Errorf("journal: %q", journal)
	}
	// An unchanged save writes nothing; emptying the list closes the programme again.
	before := testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'track' AND entity_id = $1`, track.ID)
	form = formValues(p, sel)
	expectRedirect(t, admin.post(edit, form), http.StatusSeeOther, edit)
	if after := testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'track' AND entity_id = $1`, track.ID); after != before {
		t.Errorf("an unchanged save wrote %d audit entries", after-before)
	}
	form.Set("access", "")
	expectRedirect(t, admin.post(edit, form), http.StatusSeeOther, edit)
	if n := testdb.Int(t, store, `SELECT count(*) FROM track_access WHERE track_id = $1`, track.ID); n != 0 {
		t.Errorf("%d entries left after emptying the list", n)
	}
}
