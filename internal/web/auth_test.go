package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/mail"
	"campus/internal/testdb"
	"campus/internal/web"
)

// TestAccount_Journey: sign-up → verification mail in the outbox → verify → sign-in → cookie attributes →
// the session works on a second instance over the same database → logout invalidates it everywhere.
func TestAccount_Journey(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	b := newBrowser(t, srv)
	email := uniqueEmail("parcours")

	p := b.get("/inscription")
	if p.status != http.StatusOK || p.doc.Find(`form[method=post][action="/inscription"]`).Length() != 1 {
		t.Fatalf("sign-up page: %d", p.status)
	}
	for _, name := range []string{"given_name", "usual_name", "administration", "email", "password"} {
		if p.doc.Find(`label[for="`+name+`"]`).Length() != 1 || p.doc.Find("input#"+name).Length() != 1 {
			t.Errorf("sign-up field %s has no label or input", name)
		}
	}
	p = b.post("/inscription", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "administration": {"DINUM"},
		"email": {"  " + strings.ToUpper(email) + " "}, "password": {goodPassword}})
	expectRedirect(t, p, http.StatusSeeOther, "/inscription/courriel-envoye")
	p = b.follow(p)
	if !strings.Contains(text(p.doc.Find("main")), "Nous avons envoyé un courriel à "+email) {
		t.Errorf("confirmation page: %s", text(p.doc.Find("main")))
	}

	m, verifyPath := lastMail(t, store, email)
	if m.Kind != mail.KindVerifyEmail || !strings.Contains(m.Subject, "Confirmez votre adresse") || !strings.HasPrefix(verifyPath, "/verification/") {
		t.Fatalf("verification mail = %+v", m)
	}
	// The address is not proven yet: the mail repeats nothing typed in the form (anyone could have typed it).
	if strings.Contains(m.Body, "Camille") || !strings.HasPrefix(m.Body, "Bonjour,") || !strings.Contains(m.Body, "48 heures") {
		t.Errorf("mail body: %q", m.Body)
	}

	// Before verification: no sign-in, with the answer of a wrong password (which tells what to do after a
	// sign-up), and a new link is sent.
	firstLink := verifyPath
	p = b.login(email, goodPassword)
	if p.status != http.StatusUnprocessableEntity || formMessage(p) != foldSpace(signInRefused) {
		t.Fatalf("sign-in before verification: %d %q", p.status, formMessage(p))
	}
	if _, verifyPath = lastMail(t, store, email); verifyPath == firstLink || !strings.HasPrefix(verifyPath, "/verification/") {
		t.Fatalf("no new confirmation link after the sign-in: %q", verifyPath)
	}

	// The link asks for the account's password: opening it alone (a mail scanner, or someone who did not
	// create the account) confirms nothing.
	p = b.get(verifyPath)
	if p.status != http.StatusOK || p.doc.Find(`form[method=post][action="`+verifyPath+`"] input#password[type=password]`).Length() != 1 ||
		!strings.Contains(text(p.doc.Find("main")), email) {
		t.Fatalf("verification page: %d %q", p.status, text(p.doc.Find("main")))
	}
	p = b.post(verifyPath, url.Values{"password": {"pas le bon mot de passe"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "password"), "Mot de passe incorrect") {
		t.Fatalf("wrong password: %d %q", p.status, fieldError(p, "password"))
	}
	if u := userByEmail(t, store, email); u.Verified() {
		t.Fatal("the address was confirmed without the password")
	}
	if p = b.get("/verification/nimportequoi"); p.status != http.StatusNotFound {
		t.Errorf("garbage link: %d", p.status)
	}

	anonymousCookie := b.cookie()
	p = b.post(verifyPath, url.Values{"password": {goodPassword}})
	expectRedirect(t, p, http.StatusSeeOther, "/compte")
	var set *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == web.SessionCookieName(false) {
			set = c
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/" || set.Secure {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/ (not Secure with CAMPUS_COOKIE_SECURE=false)", set)
	}
	if anonymousCookie != nil && anonymousCookie.Value == set.Value {
		t.Error("the session token was not renewed at sign-in")
	}
	p = b.follow(p)
	if p.status != http.StatusOK || text(p.doc.Find("h1")) != "Mon compte" || !strings.Contains(text(p.doc.Find("main")), "Camille Martin") {
		t.Fatalf("account page: %d %q", p.status, text(p.doc.Find("h1")))
	}
	if !strings.Contains(text(p.doc.Find(".fr-alert--success")), "est confirmée et vous êtes connecté") {
		t.Errorf("no welcome flash: %q", text(p.doc.Find(".fr-alert--success")))
	}
	if p.doc.Find(`.fr-header__tools form[method=post][action="/deconnexion"] button`).Length() != 1 ||
		p.doc.Find(`.fr-header__tools a[href="/compte"]`).Length() != 1 || p.doc.Find(`.fr-header__tools a[href="/connexion"]`).Length() != 0 {
		t.Error("the header does not show the account link and the sign-out POST form")
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("account page Cache-Control = %q", p.header.Get("Cache-Control"))
	}
	checkFrame(t, "/compte", p)
	if p := b.get(verifyPath); p.status != http.StatusGone || !strings.Contains(text(p.doc.Find("main")), "expiré ou a déjà servi") {
		t.Errorf("second use of the link: %d", p.status)
	}

	// A second instance of the portal on the same database knows the session.
	srv2 := accountServer(t, store, nil)
	b2 := b.on(srv2)
	if p := b2.get("/compte"); p.status != http.StatusOK || text(p.doc.Find("h1")) != "Mon compte" {
		t.Fatalf("second instance: %d", p.status)
	}
	// Logout on the second instance ends the session for both.
	stolen := b2.cookie().Value
	p = b2.post("/deconnexion", nil)
	expectRedirect(t, p, http.StatusSeeOther, "/")
	if c := b2.cookie(); c != nil && c.Value == stolen {
		t.Error("the session token was not renewed at logout")
	}
	if p = b2.follow(p); !strings.Contains(text(p.doc.Find(".fr-alert")), "Vous êtes déconnecté") ||
		p.doc.Find(`.fr-header__tools a[href="/connexion"]`).Length() != 1 {
		t.Error("after logout the home page does not say so or still shows the account")
	}
	old := newBrowser(t, srv)
	u, _ := url.Parse(srv.URL)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookieName(false), Value: stolen}})
	expectRedirect(t, old.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	n := testdb.Int(t, store, `SELECT count(*) FROM sessions WHERE token = $1`, stolen)
	if n != 0 {
		t.Error("the old session is still stored after logout")
	}
	// Confirmed, the address signs in with its password.
	expectRedirect(t, newBrowser(t, srv).login(email, goodPassword), http.StatusSeeOther, "/compte")
}

func TestSessionCookie_Secure(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, map[string]string{"CAMPUS_COOKIE_SECURE": "true"})
	u := newUser(t, store, "securise", account.RoleAgent)
	p := newBrowser(t, srv).login(u.Email, goodPassword)
	expectRedirect(t, p, http.StatusSeeOther, "/compte")
	// Secure cookies take the __Host- prefix: browsers then refuse the cookie unless it is Secure, for Path=/
	// and without Domain, so a neighbouring subdomain can neither set nor override it. So does the session
	// variant cookie, which every state-changing request renews.
	var session, variant string
	for _, c := range p.header.Values("Set-Cookie") {
		switch {
		case strings.HasPrefix(c, "__Host-campus_session="):
			session = c
		case strings.HasPrefix(c, "__Host-campus_session_v="):
			variant = c
		}
	}
	if session == "" || variant == "" || web.SessionCookieName(true) != "__Host-campus_session" || web.SessionVariantCookieName(true) != "__Host-campus_session_v" {
		t.Errorf("Set-Cookie %q, want the __Host-campus_session and __Host-campus_session_v cookies", p.header.Values("Set-Cookie"))
	}
	for _, sc := range []string{session, variant} {
		checkHostCookie(t, sc)
	}
	// Static files and health checks carry no session.
	for _, path := range []string{"/healthz", "/favicon.ico"} {
		if p := newBrowser(t, srv).get(path); p.header.Get("Set-Cookie") != "" || strings.Contains(p.header.Get("Vary"), "Cookie") {
			t.Errorf("%s goes through the session middleware", path)
		}
	}
}

func checkHostCookie(t *testing.T, sc string) {
	t.Helper()
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(strings.ToLower(sc), "domain=") {
		t.Errorf("Set-Cookie %q has a Domain: a __Host- cookie may not", sc)
	}
	if strings.Contains(sc, "Expires") || strings.Contains(sc, "Max-Age") {
		t.Errorf("Set-Cookie %q is persistent; the session ends with the browser and the server lifetimes", sc)
	}
}

func TestSessionLifetimes(t *testing.T) {
	store := testdb.Seeded(t)
	srv := accountServer(t, store, map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "1m", "CAMPUS_SESSION_LIFETIME": "2m"})
	b, _ := signedIn(t, srv, store, account.RoleAgent)
	var expiry time.Time
	testdb.Row(t, store, `SELECT expiry FROM sessions WHERE token = $1`, b.cookie().Value).Scan(&expiry)
	if d := time.Until(expiry); d <= 0 || d > time.Minute+5*time.Second {
		t.Errorf("session expires in %v, want the 1m idle timeout", d)
	}
	// An expired session is not accepted.
	testdb.Exec(t, store, `UPDATE sessions SET expiry = now() - interval '1 second' WHERE token = $1`, b.cookie().Value)
	expectRedirect(t, b.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
}

func TestSignUp_BadInput(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	valid := func() url.Values {
		return url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "administration": {"DINUM"},
			"email": {uniqueEmail("erreurs")}, "password": {goodPassword}}
	}
	for name, c := range map[string]struct {
		edit  func(url.Values)
		field string
		want  string
	}{
		"Empty":            {func(v url.Values) { v.Set("given_name", "  ") }, "given_name", "Renseignez le champ « Prénom »"},
		"NoEmail":          {func(v url.Values) { v.Set("email", "") }, "email", "Saisissez votre adresse électronique"},
		"InvalidEmail":     {func(v url.Values) { v.Set("email", "camille.martin@") }, "email", "adresse électronique valide"},
		"EmailWithoutAt":   {func(v url.Values) { v.Set("email", "camille.martin") }, "email", "caractère @"},
		"OverlongEmail":    {func(v url.Values) { v.Set("email", strings.Repeat("a", 250)+"@x.fr") }, "email", "254 caractères"},
		"OverlongName":     {func(v url.Values) { v.Set("usual_name", strings.Repeat("é", 101)) }, "usual_name", "ne doit pas dépasser 100 caractères"},
		"OverlongAdmin":    {func(v url.Values) { v.Set("administration", strings.Repeat("x", 201)) }, "administration", "200 caractères"},
		"InvalidUTF8":      {func(v url.Values) { v.Set("given_name", "Cam\xff\xfeille") }, "given_name", "caractères non valides"},
		"InvalidUTF8Email": {func(v url.Values) { v.Set("email", "cam\xffille@x.fr") }, "email", "non valides"},
		"ControlChar":      {func(v url.Values) { v.Set("given_name", "Cam\x00ille") }, "given_name", "non autorisés"},
		"ShortPassword":    {func(v url.Values) { v.Set("password", "court") }, "password", "au moins 12 caractères"},
		"CommonPassword":   {func(v url.Values) { v.Set("password", "motdepasse2024!") }, "password", "plus courants"},
		"PasswordIsEmail":  {func(v url.Values) { v.Set("email", "camille.dupont@x.fr"); v.Set("password", "camille.dupont99") }, "password", "adresse électronique"},
	} {
		t.Run(name, func(t *testing.T) {
			v := valid()
			c.edit(v)
			p := newBrowser(t, srv).post("/inscription", v)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", p.status)
			}
			if got := fieldError(p, c.field); !strings.Contains(got, c.want) {
				t.Errorf("error on %s = %q, want %q", c.field, got, c.want)
			}
			if !strings.Contains(formMessage(p), "Le formulaire contient") || p.doc.Find(`#erreurs-formulaire a[href="#`+c.field+`"]`).Length() != 1 {
				t.Errorf("no error summary linking to #%s: %q", c.field, formMessage(p))
			}
			if input := p.doc.Find("input#" + c.field); c.field != "password" {
				if aria, _ := input.Attr("aria-describedby"); !strings.Contains(aria, c.field+"-error") {
					t.Errorf("input not linked to its error: aria-describedby=%q", aria)
				}
			}
			if !strings.HasPrefix(p.doc.Find("title").Text(), "Erreur - ") {
				t.Errorf("title %q does not announce the error", p.doc.Find("title").Text())
			}
			// What was typed comes back (valid UTF-8), except the password.
			for _, f := range []string{"given_name", "usual_name", "administration"} {
				got, _ := p.doc.Find("input#" + f).Attr("value")
				if want := strings.TrimSpace(strings.ToValidUTF8(v.Get(f), "\uFFFD")); got != want && !strings.Contains(name, "Control") {
					t.Errorf("%s shown again as %q, want %q", f, got, want)
				}
			}
			if val, has := p.doc.Find("input#password").Attr("value"); has && val != "" {
				t.Error("the password is sent back to the browser")
			}
			if strings.Contains(p.body, goodPassword) {
				t.Error("the password appears in the page")
			}
		})
	}

	t.Run("TooLarge", func(t *testing.T) {
		v := valid()
		v.Set("administration", strings.Repeat("x", 70<<10))
		p := newBrowser(t, srv).post("/inscription", v)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(formMessage(p), "trop volumineux") {
			t.Errorf("%d %q", p.status, formMessage(p))
		}
	})

	t.Run("DuplicateEmail", func(t *testing.T) {
		u := newUser(t, store, "doublon", account.RoleAgent)
		v := valid()
		v.Set("email", strings.ToUpper(u.Email))
		v.Set("password", "une toute autre phrase secrete")
		b := newBrowser(t, srv)
		p := b.post("/inscription", v)
		// The same answer as a new address: the form does not tell who has an account…
		expectRedirect(t, p, http.StatusSeeOther, "/inscription/courriel-envoye")
		// …the owner of the address is told, clearly, in French.
		m, _ := lastMail(t, store, u.Email)
		if m.Kind != mail.KindAlreadyRegistered || !strings.Contains(m.Body, "Un compte existe déjà pour cette adresse") {
			t.Errorf("mail to the owner = %+v", m)
		}
		if p := b.login(u.Email, "une toute autre phrase secrete"); p.status != http.StatusUnprocessableEntity {
			t.Error("a duplicate sign-up changed the password")
		}
	})
}

func TestLogin_NoEnumeration(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	u := newUser(t, store, "enum", account.RoleAgent)
	unknown := newBrowser(t, srv).login(uniqueEmail("personne"), goodPassword)
	wrong := newBrowser(t, srv).login(u.Email, "pas le bon mot de passe")
	if unknown.status != wrong.status || formMessage(unknown) != formMessage(wrong) ||
		!strings.Contains(formMessage(wrong), "Adresse électronique ou mot de passe incorrect") {
		t.Errorf("unknown account: %d %q; wrong password: %d %q", unknown.status, formMessage(unknown), wrong.status, formMessage(wrong))
	}
	// The same for the reset request: same redirect, a mail only for the real account.
	for _, email := range []string{u.Email, uniqueEmail("personne")} {
		expectRedirect(t, newBrowser(t, srv).post("/mot-de-passe-oublie", url.Values{"email": {email}}),
			http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
	}
	if m, _ := lastMail(t, store, u.Email); m.Kind != mail.KindResetPassword {
		t.Errorf("no reset mail to the real account (last: %s)", m.Kind)
	}
	// Invalid input is refused before anything else, with a French message.
	p := newBrowser(t, srv).post("/connexion", url.Values{"email": {"pas-une-adresse"}, "password": {""}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "email") == "" || fieldError(p, "password") != "Saisissez votre mot de passe." {
		t.Errorf("bad login input: %d %q %q", p.status, fieldError(p, "email"), fieldError(p, "password"))
	}
	if v, _ := p.doc.Find("input#email").Attr("value"); v != "pas-une-adresse" {
		t.Errorf("email shown again as %q", v)
	}
	if p := newBrowser(t, srv).post("/connexion", url.Values{"email": {u.Email}, "password": {"x"}, "suivant": {"https://malveillant.example/"}}); strings.Contains(p.body, "malveillant") {
		t.Error("an external next URL is kept")
	}
}

// TestLogin_RateLimited: 20 wrong passwords on one account are throttled, across two instances of the
// portal and from changing addresses; the right password is refused while the limit holds.
func TestLogin_RateLimited(t *testing.T) {
	store := testdb.Seeded(t)
	srv1, srv2 := accountServer(t, store, nil), accountServer(t, store, nil)
	u := newUser(t, store, "force-brute", account.RoleAgent)
	var statuses []int
	for i := 0; i < 20; i++ {
		srv := srv1
		if i%2 == 1 {
			srv = srv2
		}
		p := newBrowser(t, srv).login(u.Email, "essai numero "+string(rune('a'+i)))
		statuses = append(statuses, p.status)
		if p.status == http.StatusTooManyRequests {
			if !strings.Contains(formMessage(p), "Trop de tentatives") || p.header.Get("Retry-After") == "" {
				t.Errorf("throttled answer: %q, Retry-After %q", formMessage(p), p.header.Get("Retry-After"))
			}
		}
	}
	throttled := 0
	for _, s := range statuses {
		if s == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled != 10 || statuses[9] != http.StatusUnprocessableEntity || statuses[10] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want 10 refusals then throttling", statuses)
	}
	if p := newBrowser(t, srv1).login(u.Email, goodPassword); p.status != http.StatusTooManyRequests {
		t.Errorf("the right password got %d while throttled", p.status)
	}

	t.Run("PerAddress", func(t *testing.T) {
		b := newBrowser(t, srv1)
		var last page
		for i := 0; i < 11; i++ {
			last = b.post("/inscription", url.Values{"given_name": {"A"}, "usual_name": {"B"}, "administration": {"C"},
				"email": {uniqueEmail("ip")}, "password": {goodPassword}})
		}
		if last.status != http.StatusTooManyRequests || !strings.Contains(formMessage(last), "Trop de tentatives") {
			t.Errorf("11th sign-up from one address: %d", last.status)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	u := newUser(t, store, "oubli", account.RoleAgent)
	other, _ := func() (*browser, account.User) {
		b := newBrowser(t, srv)
		expectRedirect(t, b.login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
		return b, u
	}()

	b := newBrowser(t, srv)
	if p := b.post("/mot-de-passe-oublie", url.Values{"email": {"pas@une"}}); p.status != http.StatusUnprocessableEntity || fieldError(p, "email") == "" {
		t.Errorf("invalid address: %d", p.status)
	}
	p := b.post("/mot-de-passe-oublie", url.Values{"email": {u.Email}})
	expectRedirect(t, p, http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
	m, path := lastMail(t, store, u.Email)
	if m.Kind != mail.KindResetPassword || !strings.HasPrefix(path, "/reinitialisation/") || !strings.Contains(m.Body, "1 heure") {
		t.Fatalf("reset mail %+v", m)
	}
	if p := b.get(path); p.status != http.StatusOK || p.doc.Find(`input#password[type=password][autocomplete=new-password]`).Length() != 1 {
		t.Fatalf("reset page: %d", p.status)
	}
	if p := b.post(path, url.Values{"password": {"123456789012"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "password"), "plus courants") {
		t.Errorf("weak new password: %d %q", p.status, fieldError(p, "password"))
	}
	newPassword := "trois souris vertes dansent"
	expectRedirect(t, b.post(path, url.Values{"password": {newPassword}}), http.StatusSeeOther, "/connexion")
	if p := b.get(path); p.status != http.StatusGone {
		t.Errorf("reset link reused: %d", p.status)
	}
	if p := b.post(path, url.Values{"password": {"encore une autre phrase"}}); p.status != http.StatusGone {
		t.Errorf("reset link reused by POST: %d", p.status)
	}
	// Every session of the account ended.
	expectRedirect(t, other.get("/compte"), http.StatusSeeOther, "/connexion?suivant=%2Fcompte")
	if p := b.login(u.Email, goodPassword); p.status != http.StatusUnprocessableEntity {
		t.Errorf("old password still accepted: %d", p.status)
	}
	expectRedirect(t, b.login(u.Email, newPassword), http.StatusSeeOther, "/compte")
	if m, _ := lastMail(t, store, u.Email); m.Kind != mail.KindPasswordChanged {
		t.Errorf("no notice of the change (last mail %s)", m.Kind)
	}
}

// TestCrossOriginPostsRefused: forged cross-origin POSTs on every account form are refused by
// http.CrossOriginProtection before reaching the handler.
func TestCrossOriginPostsRefused(t *testing.T) {
	t.Parallel()
	store, _, b, u := signedInPortal(t, account.RoleAgent)
	forms := []string{"/connexion", "/inscription", "/deconnexion", "/mot-de-passe-oublie", "/compte/informations",
		"/compte/mot-de-passe", "/compte/deconnexion-partout", "/compte/suppression", "/compte/verification", "/proconnect/connexion"}
	for _, path := range forms {
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://malveillant.example"}} {
			p := b.post(path, url.Values{"email": {u.Email}, "password": {goodPassword}, "confirm": {"oui"},
				"given_name": {"Pirate"}, "usual_name": {"Pirate"}}, h...)
			if p.status != http.StatusForbidden {
				t.Errorf("POST %s with %s: %d, want 403", path, h[0], p.status)
			}
		}
	}
	if got := userByID(t, store, u.ID); got.GivenName != "Camille" {
		t.Errorf("a forged request changed the profile: %q", got.GivenName)
	}
	if p := b.get("/compte"); p.status != http.StatusOK {
		t.Errorf("a forged request signed the user out or deleted the account: %d", p.status)
	}
	// The same form from the portal's own pages goes through.
	p := b.post("/compte/informations", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "email": {u.Email}},
		"Sec-Fetch-Site", "same-origin")
	expectRedirect(t, p, http.StatusSeeOther, "/compte")
}
