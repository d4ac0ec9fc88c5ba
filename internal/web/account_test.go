package web_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/mail"
	"campus/internal/proconnect/proconnecttest"
	"campus/internal/testdb"
)

func TestProfile(t *testing.T) {
	t.Parallel()
	store, srv, b, u := signedInPortal(t, account.RoleAgent)
	other := newUser(t, store, "autre", account.RoleAgent)

	p := b.get("/compte")
	for name, want := range map[string]string{"given_name": "Camille", "usual_name": "Martin", "administration": "DINUM"} {
		if v, _ := p.doc.Find("input#" + name).Attr("value"); v != want {
			t.Errorf("profile field %s = %q, want %q", name, v, want)
		}
	}
	if !strings.Contains(text(p.doc.Find("#mon-adresse ~ p")), u.Email) || p.doc.Find(`form[action="/compte/adresse"] input#adresse-new_email`).Length() != 1 {
		t.Errorf("address section: %q", text(p.doc.Find("#mon-adresse").Parent()))
	}

	t.Run("Errors", func(t *testing.T) {
		p := b.post("/compte/informations", url.Values{"given_name": {strings.Repeat("x", 150)}, "usual_name": {"Martin"},
			"administration": {"DINUM"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "given_name"), "100 caractères") {
			t.Fatalf("overlong name: %d %q", p.status, fieldError(p, "given_name"))
		}
		if v, _ := p.doc.Find("input#usual_name").Attr("value"); v != "Martin" {
			t.Errorf("typed name lost: %q", v)
		}
	})

	t.Run("Update", func(t *testing.T) {
		// An address sent with the information form (as the old form did) changes nothing.
		p := b.post("/compte/informations", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin-Durand"},
			"administration": {"Ministère de la Culture"}, "email": {other.Email}})
		expectRedirect(t, p, http.StatusSeeOther, "/compte")
		if p = b.follow(p); !strings.Contains(text(p.doc.Find(".fr-alert--success")), "enregistrées") {
			t.Error("no confirmation")
		}
		if got := userByID(t, store, u.ID); got.UsualName != "Martin-Durand" || !got.Verified() || got.Email != u.Email {
			t.Errorf("saved: %+v", got)
		}
	})

	t.Run("ChangePassword", func(t *testing.T) {
		second := newBrowser(t, srv)
		expectRedirect(t, second.login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
		p := b.post("/compte/mot-de-passe", url.Values{"current_password": {"faux mot de passe"}, "password": {"une nouvelle phrase longue"}})
		if p.status != http.StatusUnprocessableEntity || fieldError(p, "current_password") != "Le mot de passe actuel est incorrect." {
			t.Fatalf("wrong current password: %d %q", p.status, fieldError(p, "current_password"))
		}
		if p := b.post("/compte/mot-de-passe", url.Values{"current_password": {goodPassword}, "password": {"azertyuiop123"}}); !strings.Contains(fieldError(p, "password"), "plus courants") {
			t.Errorf("weak new password accepted: %q", fieldError(p, "password"))
		}
		expectRedirect(t, b.post("/compte/mot-de-passe", url.Values{"current_password": {goodPassword}, "password": {"une nouvelle phrase longue"}}),
			http.StatusSeeOther, "/compte")
		if p := b.get("/compte"); p.status != http.StatusOK {
			t.Errorf("the session that changed the password was ended: %d", p.status)
		}
		expectRedirect(t, second.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
		if m, _ := lastMail(t, store, u.Email); m.Kind != mail.KindPasswordChanged {
			t.Errorf("last mail %s", m.Kind)
		}
	})

	// A reset link asked before a password change no longer works after it.
	t.Run("ChangePasswordVoidsResetLinks", func(t *testing.T) {
		expectRedirect(t, newBrowser(t, srv).post("/mot-de-passe-oublie", url.Values{"email": {u.Email}}),
			http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
		_, resetPath := lastMail(t, store, u.Email)
		if p := newBrowser(t, srv).get(resetPath); p.status != http.StatusOK {
			t.Fatalf("fresh reset link: %d", p.status)
		}
		expectRedirect(t, b.post("/compte/mot-de-passe", url.Values{"current_password": {"une nouvelle phrase longue"},
			"password": {"une autre phrase encore plus longue"}}), http.StatusSeeOther, "/compte")
		if p := newBrowser(t, srv).get(resetPath); p.status != http.StatusGone {
			t.Errorf("reset link after the password change: %d, want 410", p.status)
		}
		expectRedirect(t, b.post("/compte/mot-de-passe", url.Values{"current_password": {"une autre phrase encore plus longue"},
			"password": {"une nouvelle phrase longue"}}), http.StatusSeeOther, "/compte")
	})

	t.Run("SignOutEverywhere", func(t *testing.T) {
		second := newBrowser(t, srv)
		expectRedirect(t, second.login(u.Email, "une nouvelle phrase longue"), http.StatusSeeOther, "/compte")
		if p := b.get("/compte"); !strings.Contains(text(p.doc.Find("#mes-sessions ~ p")), "2 appareils") {
			t.Errorf("sessions count: %q", text(p.doc.Find("#mes-sessions ~ p")))
		}
		expectRedirect(t, second.post("/compte/deconnexion-partout", nil), http.StatusSeeOther, "/connexion")
		for _, c := range []*browser{b, second} {
			expectRedirect(t, c.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
		}
		if n, err := store.CountSessions(t.Context(), u.ID); err != nil || n != 0 {
			t.Errorf("%d sessions left (%v)", n, err)
		}
	})
}

func TestExportAndDelete(t *testing.T) {
	t.Parallel()
	store, _, b, u := signedInPortal(t, account.RoleAgent)

	p := b.get("/compte/donnees")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") ||
		!strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q %q", p.status, p.header.Get("Content-Type"), p.header.Get("Content-Disposition"))
	}
	var x account.Export
	if err := json.Unmarshal([]byte(p.body), &x); err != nil || x.Account.Email != u.Email || x.Account.GivenName != "Camille" || len(x.Mails) == 0 {
		t.Fatalf("export = %+v, %v", x, err)
	}
	if strings.Contains(p.body, "argon2") || strings.Contains(p.body, "/verification/") {
		t.Error("the export leaks the password hash or a link")
	}

	if p := b.get("/compte/suppression"); p.status != http.StatusOK || p.doc.Find(`input#confirm[type=checkbox]`).Length() != 1 {
		t.Fatalf("deletion page: %d", p.status)
	}
	p = b.post("/compte/suppression", url.Values{"current_password": {goodPassword}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "confirm"), "Cochez la case") {
		t.Fatalf("without confirmation: %d %q", p.status, fieldError(p, "confirm"))
	}
	p = b.post("/compte/suppression", url.Values{"current_password": {"mauvais"}, "confirm": {"oui"}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "current_password") == "" {
		t.Fatalf("wrong password: %d", p.status)
	}
	if c, _ := p.doc.Find("input#confirm").Attr("checked"); c != "checked" && p.doc.Find("input#confirm[checked]").Length() != 1 {
		t.Error("the ticked box is not kept")
	}
	p = b.post("/compte/suppression", url.Values{"current_password": {goodPassword}, "confirm": {"oui"}})
	expectRedirect(t, p, http.StatusSeeOther, "/")
	if p = b.follow(p); !strings.Contains(text(p.doc.Find(".fr-alert")), "supprimés") {
		t.Error("no confirmation on the home page")
	}
	if _, err := store.UserByID(t.Context(), u.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("account still there: %v", err)
	}
	expectRedirect(t, b.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	if m, _ := lastMail(t, store, u.Email); m.Kind != mail.KindAccountDeleted {
		t.Errorf("last mail %s", m.Kind)
	}
}

func TestAdminHome(t *testing.T) {
	t.Parallel()
	// A database of its own: the tiles are compared with AdminFigures, and the tests sharing the seeded
	// database create accounts meanwhile.
	store := testdb.NewSeeded(t, "admin_home", 4)
	srv := accountServer(t, store, nil)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	agent, _ := signedIn(t, srv, store, account.RoleAgent)

	expectRedirect(t, newBrowser(t, srv).get("/admin"), http.StatusSeeOther, "/connexion?suivant=%2Fadmin")
	if p := agent.get("/admin"); p.status != http.StatusForbidden || text(p.doc.Find("h1")) != "Accès refusé" {
		t.Errorf("agent: %d", p.status)
	}
	if p := agent.get("/compte"); p.doc.Find(`.fr-header__tools a[href="/admin"]`).Length() != 0 {
		t.Error("an agent sees the back-office link")
	}
	p := admin.get("/admin")
	if p.status != http.StatusOK || text(p.doc.Find("h1")) != "Administration du Campus" {
		t.Fatalf("admin: %d", p.status)
	}
	checkFrame(t, "/admin", p)
	f, err := store.AdminFigures(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tiles := map[string]string{}
	p.doc.Find(".fr-tile").Each(func(_ int, s *goquery.Selection) {
		tiles[text(s.Find(".fr-tile__desc"))] = text(s.Find(".fr-tile__title"))
	})
	for label, n := range map[string]int{"comptes au total": f.Users, "modules publiés": f.PublishedModules, "sessions à venir": f.UpcomingSessions} {
		if tiles[label] != itoa(n) {
			t.Errorf("tile %q = %q, want %d", label, tiles[label], n)
		}
	}
	if f.Admins < 1 || f.PublishedModules < 100 {
		t.Errorf("figures %+v", f)
	}
	if admin.get("/compte").doc.Find(`.fr-header__tools a[href="/admin"]`).Length() != 1 {
		t.Error("an admin does not see the back-office link")
	}
}

// TestDevMails: the outbox page (every live link in it) exists only when development is asked for explicitly,
// and never for a portal reached over https; an unconfigured portal is in production.
func TestDevMails(t *testing.T) {
	store := testdb.Seeded(t)
	dev := map[string]string{"CAMPUS_ENV": "development", "CAMPUS_BASE_URL": "http://localhost:8080"}
	srv := accountServer(t, store, dev)
	email := uniqueEmail("dev")
	b := newBrowser(t, srv)
	b.post("/inscription", url.Values{"given_name": {"Dev"}, "usual_name": {"Eloppeur"}, "administration": {"DINUM"},
		"email": {email}, "password": {goodPassword}})
	p := b.get("/dev/courriels?a=" + url.QueryEscape(email))
	if p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("main")), "Confirmez votre adresse") ||
		p.doc.Find(`main a[href^="http://localhost:8080/verification/"]`).Length() != 1 {
		t.Errorf("dev mails page: %d %q", p.status, text(p.doc.Find("main h2")))
	}
	for name, env := range map[string]map[string]string{
		"Unconfigured":     {"CAMPUS_BASE_URL": "http://localhost:8080"},
		"Production":       {"CAMPUS_ENV": "production", "CAMPUS_BASE_URL": "http://localhost:8080"},
		"DevelopmentHTTPS": {"CAMPUS_ENV": "development"},
	} {
		if p := newBrowser(t, accountServer(t, store, env)).get("/dev/courriels"); p.status != http.StatusNotFound {
			t.Errorf("%s: the dev mails page answers %d", name, p.status)
		}
	}
}

func TestProConnect(t *testing.T) {
	t.Parallel()
	store, fake, srv := proConnectPortal(t)
	email := uniqueEmail("proconnect")
	fake.SignIn(proconnecttest.Identity{Sub: "sub-" + email, Email: email, GivenName: "Jeanne", UsualName: "Durand", SIRET: "13002526500013"})

	signIn := func(b *browser) page { t.Helper(); return proConnectSignIn(t, fake, b) }

	b := newBrowser(t, srv)
	p := signIn(b)
	expectRedirect(t, p, http.StatusSeeOther, "/compte")
	p = b.follow(p)
	if p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("main")), "Jeanne Durand") || !strings.Contains(text(p.doc.Find("main")), "Compte ProConnect lié") {
		t.Fatalf("account after ProConnect: %d %q", p.status, text(p.doc.Find("main")))
	}
	u, _, err := store.UserByEmail(t.Context(), email)
	if err != nil || u.ProConnectSub != "sub-"+email || !u.Verified() || u.HasPassword || u.SIRET != "13002526500013" {
		t.Fatalf("account = %+v, %v", u, err)
	}

	// Logout goes through the provider's end-session endpoint with the ID token.
	p = b.post("/deconnexion", nil)
	loc, _ := url.Parse(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), fake.Issuer+"/session/end?") ||
		loc.Query().Get("id_token_hint") == "" || loc.Query().Get("post_logout_redirect_uri") != testBase+"/" {
		t.Fatalf("logout: %d → %q", p.status, p.header.Get("Location"))
	}
	expectRedirect(t, b.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")

	// A second sign-in finds the same account by sub.
	b = newBrowser(t, srv)
	expectRedirect(t, signIn(b), http.StatusSeeOther, "/compte")
	if again := userByEmail(t, store, email); again.ID != u.ID {
		t.Error("a second ProConnect sign-in created another account")
	}

	t.Run("LinksExistingAccount", func(t *testing.T) {
		existing := newUser(t, store, "lien", account.RoleAgent)
		fake.SignIn(proconnecttest.Identity{Sub: "sub-" + existing.Email, Email: existing.Email, GivenName: "Camille"})
		b := newBrowser(t, srv)
		expectRedirect(t, signIn(b), http.StatusSeeOther, "/compte")
		if got := userByID(t, store, existing.ID); got.ProConnectSub != "sub-"+existing.Email || got.HasPassword {
			t.Errorf("existing account not linked, or its password kept: %+v", got)
		}
	})

	for name, tamper := range map[string]func(){
		"WrongNonce":    func() { fake.Tamper = func(m map[string]any) { m["nonce"] = "rejoue" } },
		"WrongAudience": func() { fake.Tamper = func(m map[string]any) { m["aud"] = "autre-service" } },
		"Expired":       func() { fake.Tamper = func(m map[string]any) { m["exp"] = time.Now().Add(-time.Hour).Unix() } },
		"WrongIssuer":   func() { fake.Tamper = func(m map[string]any) { m["iss"] = "https://usurpateur.example" } },
		"PlainUserInfo": func() { fake.UserInfoPlainJSON = true },
	} {
		t.Run(name, func(t *testing.T) {
			tamper()
			defer func() { fake.Tamper, fake.UserInfoPlainJSON = nil, false }()
			fake.SignIn(proconnecttest.Identity{Sub: "sub-refuse-" + name, Email: uniqueEmail("refuse")})
			b := newBrowser(t, srv)
			p := signIn(b)
			if p.status != http.StatusUnauthorized || !strings.Contains(formMessage(p), "La connexion avec ProConnect a échoué") {
				t.Errorf("%d %q", p.status, formMessage(p))
			}
			expectRedirect(t, b.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
		})
	}

	t.Run("ForgedState", func(t *testing.T) {
		b := newBrowser(t, srv)
		b.post("/proconnect/connexion", nil)
		p := b.get("/proconnect/retour?code=x&state=etat-forge")
		if p.status != http.StatusBadRequest || !strings.Contains(formMessage(p), "n’a pas pu être vérifiée") {
			t.Errorf("%d %q", p.status, formMessage(p))
		}
	})

	t.Run("NotConfigured", func(t *testing.T) {
		plain := accountServer(t, store, map[string]string{"CAMPUS_ENV": "development"})
		b := newBrowser(t, plain)
		if b.get("/connexion").doc.Find(`form[action="/proconnect/connexion"]`).Length() != 0 {
			t.Error("ProConnect button shown while not configured")
		}
		if p := b.post("/proconnect/connexion", nil); p.status != http.StatusNotFound {
			t.Errorf("start while not configured: %d", p.status)
		}
	})
}
