package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
)

// logRecord is one line the server logged, with its attributes flattened ("group.key" = value as text).
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (r logRecord) String() string {
	var b strings.Builder
	b.WriteString(r.level.String() + " " + r.msg)
	for k, v := range r.attrs {
		b.WriteString(" " + k + "=" + v)
	}
	return b.String()
}

// logCapture is a slog handler that keeps every record, for tests that check what the server logs.
type logCapture struct {
	mu      *sync.Mutex
	records *[]logRecord
	attrs   []slog.Attr
	group   string
}

func newLogCapture() *logCapture { return &logCapture{mu: &sync.Mutex{}, records: &[]logRecord{}} }

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	var add func(prefix string, a slog.Attr)
	add = func(prefix string, a slog.Attr) {
		if a.Value.Kind() == slog.KindGroup {
			for _, g := range a.Value.Group() {
				add(prefix+a.Key+".", g)
			}
			return
		}
		rec.attrs[prefix+a.Key] = a.Value.Resolve().String()
	}
	for _, a := range c.attrs {
		add(c.group, a)
	}
	r.Attrs(func(a slog.Attr) bool { add(c.group, a); return true })
	c.mu.Lock()
	*c.records = append(*c.records, rec)
	c.mu.Unlock()
	return nil
}

func (c *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	d := *c
	d.attrs = append(append([]slog.Attr{}, c.attrs...), as...)
	return &d
}

func (c *logCapture) WithGroup(name string) slog.Handler {
	d := *c
	d.group += name + "."
	return &d
}

// take returns the records logged since the last call and forgets them.
func (c *logCapture) take() []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := *c.records
	*c.records = nil
	return out
}

// loggedServer starts the portal like accountServer (plain http, the client address from X-Real-IP), with
// its logs captured.
func loggedServer(t testing.TB, store *postgres.Store, env map[string]string) (*httptest.Server, *web.Server, *logCapture) {
	t.Helper()
	logs := newLogCapture()
	srv, ws := portalServer(t, store, env, logs)
	return srv, ws, logs
}

// badBytes are what an attacker puts in a URL to make a query fail: a NUL, a byte that is not UTF-8, an
// overlong encoding of "/".
var badBytes = []string{"abc%00def", "%FF", "%C0%AF"}

// queryNames are the query-string parameters the handlers read (filters, searches, pages, redirections).
var queryNames = []string{"q", "a", "etat", "domaine", "type", "periode", "module", "formateur", "entite", "id", "auteur",
	"statut", "page", "suivant", "du", "au", "administration", "format", "niveau", "duree", "public", "partenaire", "places",
	"tri", "state", "code", "error"}

// TestBadBytes_EveryRoute walks every route and puts bytes PostgreSQL refuses (NUL, invalid UTF-8, overlong
// encodings) in each of its parameters and in every query-string parameter, as an anonymous visitor and as
// an admin, with GET and POST (same-origin): the answer is never a 5xx and the server logs nothing at error
// level (anyone could otherwise fill the alerting).
func TestBadBytes_EveryRoute(t *testing.T) {
	t.Parallel() // a database, a server and a log of its own
	store := testdb.NewSeeded(t, "badbytes", 8)
	srv, ws, logs := loggedServer(t, store, nil)

	type route struct{ method, pattern string }
	var routes []route
	chi.Walk(ws.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		pattern = strings.TrimSuffix(pattern, "/")
		if pattern == "" {
			pattern = "/"
		}
		if !strings.HasPrefix(pattern, "/static/") {
			routes = append(routes, route{method, pattern})
		}
		return nil
	})
	if len(routes) < 100 {
		t.Fatalf("the walk saw %d routes", len(routes))
	}
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	logs.take()
	// Routes that end the session are called with a fresh admin each time.
	destructive := map[string]bool{"POST /deconnexion": true, "POST /compte/deconnexion-partout": true}

	call := func(b *browser, method, path string) page {
		req, _ := http.NewRequest(method, b.base+path, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return b.do(req)
	}
	check := func(t *testing.T, key, path string, wantNotFound bool, whos ...string) {
		t.Helper()
		for _, who := range whos {
			b := newBrowser(t, srv)
			if who == "admin" {
				b = admin
				if destructive[key] {
					b, _ = signedIn(t, srv, store, account.RoleAdmin)
					logs.take()
				}
			}
			method, _, _ := strings.Cut(key, " ")
			p := call(b, method, path)
			if p.status >= 500 || (wantNotFound && p.status != http.StatusNotFound) {
				t.Errorf("%s %s as %s: %d", method, path, who, p.status)
			}
			for _, rec := range logs.take() {
				if rec.level >= slog.LevelError {
					t.Errorf("%s %s as %s logged at error level: %s", method, path, who, rec)
				}
			}
		}
	}
	for _, r := range routes {
		key := r.method + " " + r.pattern
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			// In the path: every parameter at once gets the bad value.
			if strings.Contains(r.pattern, "{") {
				for _, bad := range badBytes {
					path := param.ReplaceAllString(strings.TrimSuffix(r.pattern, "/*"), bad)
					check(t, key, path, true, "anonymous", "admin")
				}
			}
			// In the query string of a path that exists.
			for _, bad := range badBytes {
				q := make([]string, len(queryNames))
				for i, n := range queryNames {
					q[i] = n + "=" + bad
				}
				check(t, key, samplePath(t, store, r.pattern)+"?"+strings.Join(q, "&"), false, "anonymous", "admin")
			}
		})
	}
	// Beyond bytes: a slug or an id that cannot be one answers 404 before any query.
	for _, path := range []string{"/modules/%E2%80%AE", "/domaines/" + strings.Repeat("a", 5000), "/parcours/UPPER",
		"/admin/modules/99999999999999999999", "/admin/modules/-1", "/admin/modules/0x10", "/mes-formations/+1/attestation"} {
		check(t, "GET "+path, path, true, "admin")
	}
}

// TestHead_EveryGetRoute: HEAD answers like GET, without a body, health checks included (load balancers
// and uptime probes use it); it used to be a 405 everywhere but static files.
func TestHead_EveryGetRoute(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv, _, _ := loggedServer(t, store, nil)
	moduleSlug := testdb.String(t, store, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id LIMIT 1`)
	for _, path := range []string{"/healthz", "/readyz", "/", "/catalogue", "/catalogue?q=donnees", "/modules/" + moduleSlug, "/domaines/cybersecurite"} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+path, nil)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes (%v), want 200 without a body", path, res.StatusCode, len(body), err)
		}
	}
	// A route with no GET is still a 405 (the French page), not a 200.
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/deconnexion", nil)
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD /deconnexion: %v %v", res.StatusCode, err)
	}
}

// TestTrailingSlash_Redirects: a path with a trailing slash is redirected (301) to the canonical URL, query
// kept; "/" stays itself, and the redirection never leaves the site.
func TestTrailingSlash_Redirects(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	srv, _, _ := loggedServer(t, store, nil)
	b := newBrowser(t, srv)
	for path, want := range map[string]string{
		"/catalogue/?q=x":             "/catalogue?q=x",
		"/catalogue/":                 "/catalogue",
		"/domaines//":                 "/domaines",
		"/admin/":                     "/admin",
		"/healthz/":                   "/healthz",
		"//example.org/":              "/example.org",
		"/%5Cexample.org/":            "/%5Cexample.org",
		"/modules/caf%C3%A9/?a=1&b=2": "/modules/caf%C3%A9?a=1&b=2",
	} {
		p := b.get(path)
		if p.status != http.StatusMovedPermanently || p.header.Get("Location") != want {
			t.Errorf("GET %s: %d → %q, want 301 → %q", path, p.status, p.header.Get("Location"), want)
		}
	}
	if p := b.get("/"); p.status != http.StatusOK {
		t.Errorf("GET /: %d", p.status)
	}
	if p := b.follow(b.get("/catalogue/?q=x")); p.status != http.StatusOK {
		t.Errorf("the redirection target: %d", p.status)
	}
	// A form posted to a trailing slash keeps its method (308), and a cross-origin one is refused first.
	if p := b.post("/connexion/", url.Values{}); p.status != http.StatusPermanentRedirect || p.header.Get("Location") != "/connexion" {
		t.Errorf("POST /connexion/: %d → %q", p.status, p.header.Get("Location"))
	}
}

// repeatsToken is what comes before a token where a page repeats it, but in its forms' action (which posts to the
// link itself), or "".
func repeatsToken(p page, tokens ...string) string {
	doc := goquery.CloneDocument(p.doc)
	doc.Find("form").RemoveAttr("action")
	html, _ := doc.Html()
	for _, tok := range tokens {
		if i := strings.Index(html, tok); i >= 0 {
			return html[max(0, i-120):i]
		}
	}
	return ""
}

// TestLogs_NoSecrets follows the links whose token is a credential (the private calendar feed, the address
// confirmation, the password reset, the trainer's "more information" reply, the tailored-programme follow-up):
// no log line carries a token; the access log names the route pattern, the client's address and the request
// id, which the response returns in X-Request-Id.
func TestLogs_NoSecrets(t *testing.T) {
	// Not parallel: it adds trainer applications the shared pages count, which the parallel tests read.
	store := testdb.Seeded(t)
	srv, _, logs := loggedServer(t, store, nil)
	type visit struct {
		path, pattern string
		b             *browser
		p             page
	}
	var visits []visit
	var tokens []string
	follow := func(b *browser, path, pattern string) page {
		t.Helper()
		tok := tokenOf(path, pattern)
		if len(tok) < 20 {
			t.Fatalf("no token in %q for %s", path, pattern)
		}
		tokens = append(tokens, tok)
		p := b.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("GET %s: %d", pattern, p.status)
		}
		visits = append(visits, visit{path, pattern, b, p})
		return p
	}

	// The private calendar feed.
	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	link, _ := agent.follow(agent.post("/mes-formations/calendrier", url.Values{})).doc.Find("#lien-agenda").Attr("value")
	follow(newBrowser(t, srv), strings.TrimPrefix(link, testBase), "/calendrier/{token}.ics")

	// Address confirmation.
	email := uniqueEmail("journal")
	b := newBrowser(t, srv)
	expectRedirect(t, b.post("/inscription", url.Values{"given_name": {"Camille"}, "usual_name": {"Martin"}, "administration": {"DINUM"},
		"email": {email}, "password": {goodPassword}}), http.StatusSeeOther, "/inscription/courriel-envoye")
	_, verify := lastMail(t, store, email)
	tokens = append(tokens, tokenOf(verify, "/verification/{token}"))
	visits = append(visits, visit{verify, "/verification/{token}", b, b.get(verify)})

	// Password reset.
	u := newUser(t, store, "journal", account.RoleAgent)
	expectRedirect(t, b.post("/mot-de-passe-oublie", url.Values{"email": {u.Email}}), http.StatusSeeOther, "/mot-de-passe-oublie/courriel-envoye")
	_, reset := lastMail(t, store, u.Email)
	follow(b, reset, "/reinitialisation/{token}")

	// The tailored-programme follow-up.
	contact := uniqueEmail("contact")
	expectRedirect(t, b.post("/programmes-sur-mesure/demande", url.Values{"administration": {"Agence du journal"}, "contact_name": {"Alix Martin"},
		"contact_email": {contact}, "contact_phone": {"01 23 45 67 89"}, "need": {"Former nos managers à la donnée."},
		"audiences": {"managers"}, "headcount": {"12"}, "domains": {"data"}, "timing": {"Automne"}, "consent": {"oui"}}),
		http.StatusSeeOther, "/programmes-sur-mesure/demande/envoyee")
	_, followUp := lastMail(t, store, contact)
	follow(b, followUp, "/programmes-sur-mesure/suivi/{token}")

	// The trainer's reply link.
	applicant := uniqueEmail("candidat")
	expectRedirect(t, b.post("/devenir-formateur", url.Values{"given_name": {"Dominique"}, "usual_name": {"Formatrice"}, "email": {applicant},
		"kind": {"externe"}, "organisation": {"Association"}, "domains": {"data"}, "modules": {"Atelier"}, "availability": {"Un jour par mois"},
		"consent": {"oui"}}), http.StatusSeeOther, "/devenir-formateur/merci")
	application := testdb.Int64(t, store, `SELECT id FROM trainer_applications WHERE email = $1`, applicant)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	admin.post("/admin/formateurs/"+id64(application)+"/decision", url.Values{"decision": {"demander-precisions"}, "message": {"Quelles formations ?"}})
	_, reply := lastMail(t, store, applicant)
	follow(b, reply, "/devenir-formateur/precisions/{token}")

	records := logs.take()
	for _, rec := range records {
		for _, tok := range tokens {
			if strings.Contains(rec.String(), tok) {
				t.Errorf("a log line carries a token: %s", rec)
			}
		}
	}
	for _, v := range visits {
		id := v.p.header.Get("X-Request-Id")
		found := false
		for _, rec := range records {
			if rec.msg == "request" && rec.attrs["id"] == id {
				found = true
				if rec.attrs["route"] != v.pattern || rec.attrs["client"] != v.b.ip || rec.attrs["method"] != "GET" ||
					rec.attrs["status"] != strconv.Itoa(v.p.status) {
					t.Errorf("access log of %s: %s", v.pattern, rec)
				}
			}
		}
		if id == "" || !found {
			t.Errorf("%s: X-Request-Id %q is not the id of an access log line", v.pattern, id)
		}
	}
	for _, rec := range records {
		if _, ok := rec.attrs["path"]; ok {
			t.Errorf("a log line has a path: %s", rec)
		}
	}
	// Nor does the page repeat it (a canonical link, a link preview, the breadcrumb and its JSON-LD) anywhere but in
	// its own form's action; and the answer is neither stored nor indexed, and sends no referrer.
	for _, v := range visits {
		h := v.p.header
		if h.Get("Cache-Control") != "no-store" && h.Get("Cache-Control") != "private, no-store" || h.Get("X-Robots-Tag") != "noindex, nofollow" ||
			h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Cache-Control %q, X-Robots-Tag %q, Referrer-Policy %q", v.pattern, h.Get("Cache-Control"), h.Get("X-Robots-Tag"),
				h.Get("Referrer-Policy"))
		}
		if strings.HasSuffix(v.pattern, ".ics") {
			continue
		}
		if around := repeatsToken(v.p, tokens...); around != "" {
			t.Errorf("%s: the page repeats its token: …%s…", v.pattern, around)
		}
	}

	// A request id from the proxy in front is kept when it is plausible, replaced otherwise.
	for sent, kept := range map[string]bool{"f00d-1234.abc_DEF": true, "x y": false, "id\u00e9": false, strings.Repeat("a", 65): false} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", sent)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("X-Request-Id")
		if (got == sent) != kept || got == "" {
			t.Errorf("X-Request-Id %q sent, %q answered", sent, got)
		}
	}
}

// tokenOf is what stands for {token} of pattern in path.
func tokenOf(path, pattern string) string {
	before, after, _ := strings.Cut(pattern, "{token}")
	if !strings.HasPrefix(path, before) || !strings.HasSuffix(path, after) || len(path) < len(before)+len(after) {
		return ""
	}
	return path[len(before) : len(path)-len(after)]
}

// TestDatabaseDown_ServiceUnavailable cuts the database from under a running portal (its connections are
// terminated and it no longer exists): signed-in visitors (their session cannot be read), anonymous pages and
// forms all get the French DSFR page with 503 and Retry-After, as HTML with the security headers, never scs's
// plain-text "Internal Server Error"; /readyz says so and /healthz stays up.
func TestDatabaseDown_ServiceUnavailable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := testdb.NewMigrated(t, "panne", 4)
	srv, _, logs := loggedServer(t, store, nil)
	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	if p := agent.get("/mes-formations"); p.status != http.StatusOK {
		t.Fatalf("before the failure: %d", p.status)
	}

	// The session cannot be saved at the end of a request (the server shuts down meanwhile) when the handler has
	// begun its answer (here a page, after the flash message left by signing out was read): the 503 page alone
	// is sent, not followed by the handler's page.
	u := newUser(t, store, "panne", account.RoleAgent)
	b := newBrowser(t, srv)
	expectRedirect(t, b.login(u.Email, goodPassword), http.StatusSeeOther, "/compte")
	expectRedirect(t, b.post("/deconnexion", url.Values{}), http.StatusSeeOther, "/")
	testdb.Exec(t, store, `CREATE FUNCTION refuse_sessions() RETURNS trigger LANGUAGE plpgsql AS
		$$BEGIN RAISE EXCEPTION 'arrêt du serveur' USING ERRCODE = 'admin_shutdown'; END$$`)
	testdb.Exec(t, store, `CREATE TRIGGER refuse_sessions BEFORE INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse_sessions()`)
	for _, p := range []page{b.get("/"), newBrowser(t, srv).login(u.Email, goodPassword)} {
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") != "30" || p.header.Get("Location") != "" ||
			strings.Count(p.body, "<html") != 1 || text(p.doc.Find("h1")) != "Service momentanément indisponible" {
			t.Errorf("session not saved: %d → %q, %d documents, h1 %q", p.status, p.header.Get("Location"), strings.Count(p.body, "<html"),
				text(p.doc.Find("h1")))
		}
	}
	testdb.Exec(t, store, `DROP TRIGGER refuse_sessions ON sessions`)

	// The database goes away.
	name := testdb.String(t, store, `SELECT current_database()`)
	admin, err := pgx.Connect(ctx, testdb.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	logs.take()

	anonymous := newBrowser(t, srv)
	for _, c := range []struct {
		who  string
		b    *browser
		post bool
		path string
	}{
		// Twice each: the first requests meet the pool's dead connections, the next ones fail to connect.
		{"agent", agent, false, "/mes-formations"}, {"agent", agent, false, "/mes-formations"}, {"agent", agent, false, "/"},
		{"agent", agent, true, "/compte/informations"},
		{"anonymous", anonymous, false, "/catalogue"}, {"anonymous", anonymous, false, "/modules/un-module"},
		{"anonymous", anonymous, true, "/connexion"}, {"anonymous", anonymous, false, "/"},
	} {
		var p page
		if c.post {
			p = c.b.post(c.path, url.Values{"email": {"a@b.fr"}, "password": {"x"}}, "Sec-Fetch-Site", "same-origin")
		} else {
			p = c.b.get(c.path)
		}
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") != "30" ||
			!strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || text(p.doc.Find("h1")) != "Service momentanément indisponible" ||
			p.header.Get("Content-Security-Policy") == "" || strings.Contains(p.body, "Internal Server Error") {
			t.Errorf("%s %s: %d, Retry-After %q, %q, h1 %q", c.who, c.path, p.status, p.header.Get("Retry-After"),
				p.header.Get("Content-Type"), text(p.doc.Find("h1")))
		}
		if n := strings.Count(p.body, "<html"); n != 1 {
			t.Errorf("%s %s: %d documents in the body", c.who, c.path, n)
		}
	}
	if p := anonymous.get("/readyz"); p.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d", p.status)
	}
	if p := anonymous.get("/healthz"); p.status != http.StatusOK {
		t.Errorf("/healthz: %d", p.status)
	}
	for _, rec := range logs.take() {
		if rec.level >= slog.LevelError && rec.msg != "database unavailable" && rec.msg != "request" {
			t.Errorf("logged: %s", rec)
		}
	}
}
