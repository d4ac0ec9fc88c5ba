package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"campus/internal/account"
	"campus/internal/mail"
	"campus/internal/postgres"
	"campus/internal/proconnect/proconnecttest"
	"campus/internal/testdb"
	"campus/internal/web"
	"campus/internal/web/webtest"
)

const testBase = "https://campus.example.gouv.fr"

// accountServer starts the portal for account tests: plain http (cookies not Secure), the client address
// taken from X-Real-IP so that each test client counts as its own address for the rate limits.
func accountServer(t testing.TB, store *postgres.Store, env map[string]string) *httptest.Server {
	t.Helper()
	srv, _ := portalServer(t, store, env, slog.NewTextHandler(io.Discard, nil))
	return srv
}

// portalServer is accountServer with the logs going to logs, and the portal's Server.
func portalServer(t testing.TB, store *postgres.Store, env map[string]string, logs slog.Handler) (*httptest.Server, *web.Server) {
	t.Helper()
	vars := map[string]string{"CAMPUS_BASE_URL": testBase, "CAMPUS_COOKIE_SECURE": "false", "CAMPUS_CLIENT_IP_HEADER": "X-Real-IP"}
	for k, v := range env {
		vars[k] = v
	}
	return webtest.Start(t, store, vars, logs)
}

var seq atomic.Int64

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s.%d.%d@exemple.gouv.fr", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

// browser is a scripted client with a cookie jar; it does not follow redirects, so that tests see them.
type browser struct {
	t    testing.TB
	base string
	ip   string
	c    *http.Client
}

func newBrowser(t testing.TB, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	n := seq.Add(1)
	return &browser{t: t, base: srv.URL, ip: fmt.Sprintf("192.0.%d.%d", n/250%250, n%250+1), c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// on returns a browser that talks to another server with the same cookies (another instance).
func (b *browser) on(srv *httptest.Server) *browser {
	other := *b
	other.base = srv.URL
	jar, _ := cookiejar.New(nil)
	from, _ := url.Parse(b.base)
	to, _ := url.Parse(srv.URL)
	jar.SetCookies(to, b.c.Jar.Cookies(from))
	other.c = &http.Client{Jar: jar, CheckRedirect: b.c.CheckRedirect}
	return &other
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	req.Header.Set("X-Real-IP", b.ip)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return readPage(b.t, res)
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// follow GETs the Location of a redirect.
func (b *browser) follow(p page) page {
	b.t.Helper()
	loc := p.header.Get("Location")
	if p.status < 300 || p.status > 399 || loc == "" {
		b.t.Fatalf("not a redirect: %d %q", p.status, loc)
	}
	return b.get(loc)
}

func (b *browser) cookie() *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == web.SessionCookieName(false) || c.Name == web.SessionCookieName(true) {
			return c
		}
	}
	return nil
}

func (b *browser) login(email, password string) page {
	b.t.Helper()
	return b.post("/connexion", url.Values{"email": {email}, "password": {password}})
}

func expectRedirect(t testing.TB, p page, status int, location string) {
	t.Helper()
	if p.status != status || p.header.Get("Location") != location {
		t.Fatalf("got %d → %q, want %d → %q (body %.300s)", p.status, p.header.Get("Location"), status, location, text(p.doc.Find("main")))
	}
}

// fieldError is the DSFR error shown on a field: the group in error state and its message in the field's
// DSFR 1.15 message group (announced: aria-live), which the field names in its aria-describedby.
func fieldError(p page, name string) string {
	g := p.doc.Find("#" + name + "-group.fr-input-group--error, #" + name + "-group.fr-checkbox-group--error")
	if g.Length() == 0 {
		return ""
	}
	msg := g.Find(`.fr-messages-group[aria-live="polite"] > p.fr-message.fr-message--error`)
	if msg.Length() != 1 || !strings.Contains(g.Find("#"+name).AttrOr("aria-describedby", ""), msg.AttrOr("id", "?")) {
		return "(the error is not in the field's message group, or the field is not described by it)"
	}
	return text(msg)
}

func formMessage(p page) string { return text(p.doc.Find("#erreurs-formulaire")) }

const goodPassword = testdb.Password

// newUser creates a verified account with goodPassword directly in the store.
func newUser(t testing.TB, store *postgres.Store, prefix, role string) account.User {
	t.Helper()
	return newUserAt(t, store, uniqueEmail(prefix), role)
}

// newUserAt is newUser with the account's address.
func newUserAt(t testing.TB, store *postgres.Store, email, role string) account.User {
	t.Helper()
	return testdb.User(t, store, testdb.Account{Email: email, Role: role})
}

// signedIn returns a browser signed in as a new user of the role.
func signedIn(t testing.TB, srv *httptest.Server, store *postgres.Store, role string) (*browser, account.User) {
	t.Helper()
	u := newUser(t, store, role, role)
	b := newBrowser(t, srv)
	expectRedirect(t, b.login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
	return b, u
}

// signedInPortal is the package's shared seeded database, the portal on it (accountServer) and a browser
// signed in as a new user of the role (signedIn).
func signedInPortal(t testing.TB, role string) (*postgres.Store, *httptest.Server, *browser, account.User) {
	t.Helper()
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	b, u := signedIn(t, srv, store, role)
	return store, srv, b, u
}

// proConnectEnv configures the portal for the fake provider (plain http: development only).
func proConnectEnv(fake *proconnecttest.Provider) map[string]string {
	return map[string]string{"CAMPUS_ENV": "development", "CAMPUS_PROCONNECT_ISSUER": fake.Issuer,
		"CAMPUS_PROCONNECT_CLIENT_ID": fake.ClientID, "CAMPUS_PROCONNECT_CLIENT_SECRET": fake.ClientSecret}
}

// proConnectPortal is the package's shared seeded database, a fake ProConnect provider and a portal
// configured for it (accountServer's settings).
func proConnectPortal(t testing.TB) (*postgres.Store, *proconnecttest.Provider, *httptest.Server) {
	t.Helper()
	store := testdb.Seeded(t)
	fake := proconnecttest.New(t)
	return store, fake, accountServer(t, store, proConnectEnv(fake))
}

// proConnectStart clicks a ProConnect button of the portal (next: where to go afterwards) and follows the
// browser to the fake provider, which consents at once: it returns the callback URI the provider sent the
// browser back to, not yet opened.
func proConnectStart(t testing.TB, fake *proconnecttest.Provider, b *browser, next string) string {
	t.Helper()
	p := b.post("/proconnect/connexion", url.Values{"suivant": {next}})
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, fake.Issuer+"/authorize?") {
		t.Fatalf("ProConnect start: %d → %q", p.status, loc)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	if back == nil || back.Path != "/proconnect/retour" {
		t.Fatalf("provider redirected to %q", res.Header.Get("Location"))
	}
	return back.RequestURI()
}

// proConnectSignIn runs the whole ProConnect sign-in in the browser: the button on the sign-in page, the
// provider, the callback.
func proConnectSignIn(t testing.TB, fake *proconnecttest.Provider, b *browser) page {
	t.Helper()
	// The DSFR's official button (fr-connect--pro) and its help link right after it.
	login := b.get("/connexion").doc
	if login.Find(`form[action="/proconnect/connexion"] .fr-connect-group button[type=submit].fr-connect.fr-connect--pro`).Length() != 1 ||
		text(login.Find(".fr-connect__login"))+" "+text(login.Find(".fr-connect__brand")) != "S’identifier avec ProConnect" ||
		text(login.Find(`.fr-connect-group .fr-connect + p a[href="https://www.proconnect.gouv.fr/"]`)) != "Qu’est-ce que ProConnect ?" {
		t.Fatal("no official ProConnect button with its help link on the sign-in page")
	}
	return b.get(proConnectStart(t, fake, b, "/compte"))
}

// userByID reads an account as the store has it now, failing the test if it cannot: a check on a zero
// account read in error would pass for the wrong reason.
func userByID(t testing.TB, store *postgres.Store, id int64) account.User {
	t.Helper()
	u, err := store.UserByID(t.Context(), id)
	if err != nil {
		t.Fatalf("account %d: %v", id, err)
	}
	return u
}

// userByEmail is userByID by address.
func userByEmail(t testing.TB, store *postgres.Store, email string) account.User {
	t.Helper()
	u, _, err := store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("account %s: %v", email, err)
	}
	return u
}

// recentMails returns the latest outbox mails to an address (at most limit, newest first), failing the test
// if they cannot be read.
func recentMails(t testing.TB, store *postgres.Store, to string, limit int) []postgres.OutboxMail {
	t.Helper()
	ms, err := store.RecentMails(t.Context(), to, limit)
	if err != nil {
		t.Fatalf("mails to %s: %v", to, err)
	}
	return ms
}

// lastMail returns the latest outbox mail to an address, and the path of its link.
func lastMail(t *testing.T, store *postgres.Store, to string) (postgres.OutboxMail, string) {
	t.Helper()
	ms := recentMails(t, store, to, 1)
	if len(ms) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	link := mail.Link(ms[0].Body)
	if link == "" {
		return ms[0], ""
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, testBase+"/") {
		t.Fatalf("mail link %q is not an absolute link to the portal", link)
	}
	return ms[0], u.Path
}
