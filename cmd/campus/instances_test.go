package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/htmlform"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
	"campus/migrations"
)

// TestTwoInstances (issue 9) runs two portals through the real `run` entry point on one database that starts
// empty: both `serve` at once, so both migrate at once, and the migrations run once; a session made on one
// instance is valid on the other and a sign-out on either ends it on both; an admin edit made through the
// back-office of one instance shows on the other's cached public page within a second.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	started := time.Now()
	dbURL := testdb.NewDatabase(t, "instances")
	ctx := t.Context()
	store, err := postgres.Open(ctx, dbURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var migrated bool
	if err := store.Pool().QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&migrated); err != nil || migrated {
		t.Fatalf("the database is not empty before the instances start (goose_db_version exists: %v, %v)", migrated, err)
	}

	// 1. Two `campus serve` started at the same moment on the empty database: each applies pending migrations
	// first (CAMPUS_AUTO_MIGRATE defaults to true), under goose's lock.
	vars := env(map[string]string{"DATABASE_URL": dbURL, "CAMPUS_ADDR": "127.0.0.1:0", "CAMPUS_COOKIE_SECURE": "false",
		"CAMPUS_LOG_LEVEL": "info", "CAMPUS_DB_MAX_CONNS": "8", "CAMPUS_SHUTDOWN_TIMEOUT": "5s", "CAMPUS_DRAIN": "0s"})
	a, b := &tiInstance{name: "A"}, &tiInstance{name: "B"}
	gate := make(chan struct{})
	for _, in := range []*tiInstance{a, b} {
		in.start(t, vars, gate)
	}
	opened := time.Now()
	close(gate)
	for _, in := range []*tiInstance{a, b} {
		in.waitReady(t, opened, 90*time.Second)
	}
	t.Logf("instances ready: A after %v, B after %v (the later one waited for goose's lock)", a.readyAfter.Round(time.Millisecond), b.readyAfter.Round(time.Millisecond))

	versions := embeddedVersions(t)
	applied := map[string]int{}
	for _, in := range []*tiInstance{a, b} {
		applied[in.name] = strings.Count(in.log.String(), "migration applied")
	}
	if applied["A"]+applied["B"] != len(versions) {
		t.Errorf("the instances applied %d + %d migrations, want %d in all (each once)", applied["A"], applied["B"], len(versions))
	}
	t.Logf("migrations applied: %d by A, %d by B, %d embedded", applied["A"], applied["B"], len(versions))
	rows, err := store.Pool().Query(ctx, `SELECT version_id, count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied GROUP BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[int64]int{}
	for rows.Next() {
		var v int64
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		recorded[v] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		if recorded[v] != 1 {
			t.Errorf("goose_db_version has %d rows for version %d, want 1", recorded[v], v)
		}
	}
	if len(recorded) != len(versions) {
		t.Errorf("goose_db_version records versions %v, want exactly %v", recorded, versions)
	}
	for _, in := range []*tiInstance{a, b} {
		for _, path := range []string{"/healthz", "/readyz"} {
			if p := in.get(t, path, nil); p.status != http.StatusOK {
				t.Fatalf("%s %s: %d %q", in.name, path, p.status, p.body)
			}
		}
	}
	if err := run(ctx, []string{"seed"}, vars, io.Discard, io.Discard); err != nil {
		t.Fatalf("campus seed: %v", err)
	}

	// 2. A session made on A is valid on B; signing out on B ends it on A too.
	agent := tiUser(t, store, "ondine.lefebvre", "Ondine", "Lefebvre")
	session := a.signIn(t, agent)
	for _, in := range []*tiInstance{a, b} {
		for _, path := range []string{"/compte", "/mes-formations"} {
			p := in.get(t, path, session)
			if p.status != http.StatusOK {
				t.Fatalf("%s GET %s with the session made on A: %d → %q", in.name, path, p.status, p.header.Get("Location"))
			}
			if path == "/compte" && !strings.Contains(p.text("main"), "Ondine Lefebvre") {
				t.Errorf("%s /compte does not name the user: %.200q", in.name, p.text("main"))
			}
		}
	}
	p := b.post(t, "/deconnexion", nil, session)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		t.Fatalf("sign-out on B: %d → %q", p.status, p.header.Get("Location"))
	}
	// B at once; A as soon as the database's notification of the user's change reaches it (A keeps sessions in
	// memory, dropped by that notification: milliseconds, the same path as the catalogue's edits below).
	for _, in := range []*tiInstance{b, a} {
		deadline := time.Now().Add(2 * time.Second)
		for {
			p := in.get(t, "/compte", session)
			if p.status == http.StatusSeeOther && p.header.Get("Location") == "/connexion?suivant=%2Fcompte" {
				break
			}
			if in == b || time.Now().After(deadline) {
				t.Errorf("%s still accepts the session signed out on B: %d → %q", in.name, p.status, p.header.Get("Location"))
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stored := testdb.Int(t, store, `SELECT count(*) FROM sessions WHERE token = $1`, session.Value)
	if stored != 0 {
		t.Error("the session signed out on B is still stored")
	}

	// 3. An admin edit through A's back-office shows on B's cached public page within a second.
	adminUser := tiUser(t, store, "bastien.roux", "Bastien", "Roux")
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "grant", "admin", adminUser.Email}, vars, &out, io.Discard); err != nil {
		t.Fatalf("campus user grant admin: %v", err)
	}
	adminSession := a.signIn(t, adminUser)

	var domainID int64
	var slug, title string
	if err := store.Pool().QueryRow(ctx, `SELECT id, slug, title FROM domains WHERE status = 'published' ORDER BY position, id LIMIT 1`).
		Scan(&domainID, &slug, &title); err != nil {
		t.Fatal(err)
	}
	public := "/domaines/" + slug
	for i := 0; i < 2; i++ { // the first visit fills B's cache, the second is served from it
		if p := b.get(t, public, nil); p.status != http.StatusOK || p.text("h1") != title {
			t.Fatalf("B %s: %d, h1 %q, want %q", public, p.status, p.text("h1"), title)
		}
	}
	// Proof that B serves the page from its cache: a change written without notification (the trigger off,
	// within the transaction only) does not show there.
	silent := title + " (sans notification)"
	tiSilentTitle(t, store, domainID, silent)
	if got := b.get(t, public, nil).text("h1"); got != title {
		t.Fatalf("B does not serve %s from its cache (h1 %q after a change made without notification): the change feed is not listening", public, got)
	}

	edit := fmt.Sprintf("/admin/domaines/%d", domainID)
	p = a.get(t, edit, adminSession)
	if p.status != http.StatusOK {
		t.Fatalf("A GET %s as admin: %d", edit, p.status)
	}
	form := tiFormValues(p, `main form[action="`+edit+`"]`)
	if form.Get("version") == "" || form.Get("title") != silent {
		t.Fatalf("the edit form lacks its version or the stored title: %v", form)
	}
	renamed := title + " — édité sur l’instance A"
	form.Set("title", renamed)
	sent := time.Now()
	p = a.post(t, edit, form, adminSession)
	saved := time.Now()
	if p.status != http.StatusSeeOther || p.header.Get("Location") != edit {
		t.Fatalf("admin save on A: %d → %q (%s)", p.status, p.header.Get("Location"), p.text("#erreurs-formulaire"))
	}
	if got := a.get(t, public, nil).text("h1"); got != renamed {
		t.Errorf("A shows %q after its own save, want %q", got, renamed)
	}

	var seen time.Duration
	var last string
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := saved.Add(time.Second)
	for {
		last = b.get(t, public, nil).text("h1")
		if last == renamed {
			seen = time.Since(saved)
			break
		}
		if time.Now().After(deadline) {
			break
		}
		<-tick.C
	}
	if seen == 0 {
		t.Errorf("B still shows %q %v after the save on A (POST took %v), want %q within 1s",
			last, time.Since(saved).Round(time.Millisecond), saved.Sub(sent).Round(time.Millisecond), renamed)
	} else {
		t.Logf("propagation: B showed the new title %v after A answered the save (%v after the POST was sent)",
			seen.Round(time.Millisecond), (seen + saved.Sub(sent)).Round(time.Millisecond))
	}
	t.Logf("run time (database, two instances, sign-ins, edit): %v", time.Since(started).Round(time.Millisecond))
}

// tiInstance is one `campus serve` run in the test process through runReady.
type tiInstance struct {
	name       string
	log        tiLockedBuffer
	addr       string
	readyAfter time.Duration
	ready      chan tiReady
	done       chan error
}

// tiReady is the listening address of an instance and when it started serving.
type tiReady struct {
	addr string
	at   time.Time
}

func (in *tiInstance) start(t *testing.T, vars func(string) string, gate <-chan struct{}) {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	in.ready, in.done = make(chan tiReady, 1), make(chan error, 1)
	listening := make(chan string, 1)
	go func() {
		<-gate
		in.done <- runReady(ctx, []string{"serve"}, vars, io.Discard, &in.log, listening)
	}()
	go func() {
		select {
		case addr := <-listening:
			in.ready <- tiReady{addr, time.Now()}
		case <-ctx.Done():
		}
	}()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-in.done:
			if err != nil {
				t.Errorf("instance %s: %v", in.name, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("instance %s did not stop", in.name)
		}
	})
}

func (in *tiInstance) waitReady(t *testing.T, since time.Time, within time.Duration) {
	t.Helper()
	select {
	case r := <-in.ready:
		in.addr, in.readyAfter = r.addr, r.at.Sub(since)
	case err := <-in.done:
		in.done <- err
		t.Fatalf("instance %s stopped before serving: %v\n%s", in.name, err, in.log.String())
	case <-time.After(within):
		t.Fatalf("instance %s not ready after %v\n%s", in.name, within, in.log.String())
	}
}

// tiPage is an answer of an instance, parsed.
type tiPage struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p tiPage) text(selector string) string {
	return strings.Join(strings.Fields(p.doc.Find(selector).First().Text()), " ")
}

var tiClient = &http.Client{Timeout: 15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (in *tiInstance) do(t *testing.T, method, path string, form url.Values, session *http.Cookie) tiPage {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+in.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://"+in.addr) // same origin, as the portal's own form
	}
	if session != nil {
		req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
	}
	res, err := tiClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", in.name, method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return tiPage{status: res.StatusCode, header: res.Header, body: string(raw), doc: doc}
}

func (in *tiInstance) get(t *testing.T, path string, session *http.Cookie) tiPage {
	t.Helper()
	return in.do(t, http.MethodGet, path, nil, session)
}

func (in *tiInstance) post(t *testing.T, path string, form url.Values, session *http.Cookie) tiPage {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return in.do(t, http.MethodPost, path, form, session)
}

const tiPassword = testdb.Password

// signIn posts the sign-in form and returns the session cookie the instance set.
func (in *tiInstance) signIn(t *testing.T, u account.User) *http.Cookie {
	t.Helper()
	p := in.post(t, "/connexion", url.Values{"email": {u.Email}, "password": {tiPassword}}, nil)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/compte" {
		t.Fatalf("sign-in on %s: %d → %q (%s)", in.name, p.status, p.header.Get("Location"), p.text("#erreurs-formulaire"))
	}
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == web.SessionCookieName(false) && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign-in on %s set no session cookie", in.name)
	return nil
}

// tiUser creates a verified account with tiPassword, as the sign-up and its confirmation link would.
func tiUser(t *testing.T, store *postgres.Store, local, given, usual string) account.User {
	t.Helper()
	return testdb.User(t, store, testdb.Account{Email: local + "@numerique.gouv.fr", GivenName: given, UsualName: usual})
}

// tiSilentTitle renames a domain without announcing it: its notification trigger is off within the
// transaction only (other connections wait on the table's lock and never see it off).
func tiSilentTitle(t *testing.T, store *postgres.Store, id int64, title string) {
	t.Helper()
	ctx := t.Context()
	tx, err := store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{`ALTER TABLE domains DISABLE TRIGGER domains_changed`,
		`UPDATE domains SET title = $1 WHERE id = $2`, `ALTER TABLE domains ENABLE TRIGGER domains_changed`} {
		var args []any
		if strings.HasPrefix(q, "UPDATE") {
			args = []any{title, id}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// tiFormValues reads a form as a browser would submit it (htmlform).
func tiFormValues(p tiPage, selector string) url.Values { return htmlform.Values(p.doc.Find(selector)) }

// embeddedVersions are the versions of the migrations built into the binary (goose's NNNNN_name.sql).
func embeddedVersions(t *testing.T) []int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}
	var vs []int64
	for _, n := range names {
		num, _, _ := strings.Cut(n, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", n, err)
		}
		vs = append(vs, v)
	}
	return vs
}

// tiLockedBuffer collects an instance's log, written by its goroutines and read by the test.
type tiLockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tiLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *tiLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
