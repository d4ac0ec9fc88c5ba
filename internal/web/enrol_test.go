package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/account/accounttest"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// Fixtures of the enrolment tests: a domain, module and sessions of their own, so that tests do not depend
// on each other or on the seeded catalogue's seats.

var fixSeq atomic.Int64

// enrolPortal is a migrated database of the test's own (no reference catalogue; testdb numbers the copies) and
// the portal on it (accountServer): the enrolment tests add domains, modules and sessions that the catalogue
// tests of the package must not see.
func enrolPortal(t *testing.T) (*postgres.Store, *httptest.Server) {
	t.Helper()
	store := testdb.NewMigrated(t, "insc", 20)
	return store, accountServer(t, store, nil)
}

type fixModule struct {
	id    int64
	slug  string
	title string
}

func enrolModule(t *testing.T, store *postgres.Store, format, moduleStatus, domainStatus string) fixModule {
	t.Helper()
	n := fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, fixSeq.Add(1))
	domainID := testdb.Int64(t, store, `INSERT INTO domains (slug, title, status) VALUES ($1, $2, $3) RETURNING id`,
		"dom-web-"+n, "Domaine d’essai "+n, domainStatus)
	m := fixModule{slug: "module-web-" + n, title: "Écrire pour le web public " + n}
	url := ""
	if format == "en_ligne" {
		url = "https://partenaire.example/cours-" + n
	}
	m.id = testdb.Int64(t, store, `INSERT INTO modules (slug, domain_id, title, summary, duration_minutes, format, level, status, external_url)
		VALUES ($1, $2, $3, 'Un module d’essai.', 420, $4, 'decouverte', $5, $6) RETURNING id`,
		m.slug, domainID, m.title, format, moduleStatus, url)
	return m
}

// enrolThroughPage signs a new agent in on srv and enrols them in the session through its module's page; it
// returns the agent's browser, the agent and the enrolment's id.
func enrolThroughPage(t *testing.T, srv *httptest.Server, store *postgres.Store, m fixModule, session int64) (*browser, account.User, int64) {
	t.Helper()
	b, u := signedIn(t, srv, store, account.RoleAgent)
	b.post("/modules/"+m.slug+"/inscription", url.Values{"session": {id64(session)}})
	return b, u, testdb.Int64(t, store, `SELECT id FROM enrolments WHERE user_id = $1 AND session_id = $2`, u.ID, session)
}

// moduleSession is a database of the test's own with the portal on it (enrolPortal), and a published module
// with one session.
type moduleSession struct {
	store *postgres.Store
	srv   *httptest.Server
	m     fixModule
	sess  int64
}

// newModuleSession starts a test about a session: a published module of the format with a session of capacity
// seats starting in `in`, in a database of the test's own with the portal on it.
func newModuleSession(t *testing.T, format string, capacity int, in time.Duration) moduleSession {
	t.Helper()
	var e moduleSession
	e.store, e.srv = enrolPortal(t)
	e.m = enrolModule(t, e.store, format, "published", "published")
	e.sess = enrolSession(t, e.store, e.m.id, capacity, in)
	return e
}

// enrolled is a test's one agent enrolled through the module's page of a moduleSession (newEnrolled).
type enrolled struct {
	moduleSession
	b  *browser     // the agent's, signed in
	u  account.User // the agent
	id int64        // the enrolment
}

// newEnrolled starts a test about one enrolment: newModuleSession's session of ten seats, and a new agent
// enrolled in it through the module's page.
func newEnrolled(t *testing.T, format string, in time.Duration) enrolled {
	t.Helper()
	e := enrolled{moduleSession: newModuleSession(t, format, 10, in)}
	e.b, e.u, e.id = enrolThroughPage(t, e.srv, e.store, e.m, e.sess)
	return e
}

func enrolSession(t *testing.T, store *postgres.Store, moduleID int64, capacity int, in time.Duration) int64 {
	t.Helper()
	start := time.Now().Add(in).Truncate(time.Minute)
	return testdb.Int64(t, store, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, capacity)
		VALUES ($1, $2, $3, $4, 'Station F', '5 parvis Alan Turing', 'Paris', $5) RETURNING id`,
		fmt.Sprintf("web-%d-%d", time.Now().UnixNano(), fixSeq.Add(1)), moduleID, start, start.Add(7*time.Hour), capacity)
}

// crowd creates n verified agents sharing goodPassword (one hash for all, to keep the test fast).
func crowd(t *testing.T, store *postgres.Store, n int) []account.User {
	t.Helper()
	hash := accounttest.Hash(goodPassword)
	rows, err := store.Pool().Query(t.Context(), `INSERT INTO users (email, email_verified_at, password_hash, given_name, usual_name, administration)
		SELECT format('agent-%s-%s@exemple.gouv.fr', $1::text, g), now(), $2, 'Agent', 'Numéro ' || g, 'DINUM'
		FROM generate_series(1, $3) g RETURNING id, email`, fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, fixSeq.Add(1)), hash, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []account.User
	for rows.Next() {
		var u account.User
		if err := rows.Scan(&u.ID, &u.Email); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b account.User) int { return int(a.ID - b.ID) })
	return out
}

// logInAll signs every agent in, each in a browser (cookie jar) of their own, a few at a time.
func logInAll(t *testing.T, browsers []*browser, users []account.User) {
	t.Helper()
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p := browsers[i].login(users[i].Email, goodPassword)
			if p.status != http.StatusSeeOther {
				t.Errorf("sign-in of %s: %d", users[i].Email, p.status)
			}
		}()
	}
	wg.Wait()
}

// TestEnrol_CrowdThroughHTTP: a crowd of 210 agents, each signed in with their own cookies, enrols at once in
// a session of 20 seats through the module page's form. The roster page, its CSV export and the database must
// agree: exactly 20 confirmed, 190 waitlisted in arrival order. Then cancellations through "Mes formations"
// promote the head of the waitlist, in order, and the promoted agents see it on their page.
func TestEnrol_CrowdThroughHTTP(t *testing.T) {
	t.Parallel() // a database and a server of its own
	store, srv := enrolPortal(t)
	const seats, n = 20, 210
	m := enrolModule(t, store, "presentiel", "published", "published")
	sess := enrolSession(t, store, m.id, seats, 14*24*time.Hour)
	users := crowd(t, store, n)
	browsers := make([]*browser, n)
	for i := range browsers {
		browsers[i] = newBrowser(t, srv)
	}
	logInAll(t, browsers, users)

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := browsers[i].post("/modules/"+m.slug+"/inscription", url.Values{"session": {strconv.FormatInt(sess, 10)}})
			if loc := p.header.Get("Location"); p.status != http.StatusSeeOther || loc != "/modules/"+m.slug+"#inscription" {
				t.Errorf("agent %d: %d → %q", i, p.status, loc)
			}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d agents enrolled at once through HTTP in %v", n, time.Since(began).Round(time.Millisecond))

	// The database.
	taken := testdb.Int(t, store, `SELECT seats_taken FROM module_sessions WHERE id = $1`, sess)
	confirmed := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'confirmed'`, sess)
	waiting := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'`, sess)
	if taken != seats || confirmed != seats || waiting != n-seats {
		t.Fatalf("seats_taken %d, confirmed %d, waitlisted %d; want %d, %d, %d", taken, confirmed, waiting, seats, seats, n-seats)
	}
	if late := testdb.Int(t, store, `SELECT count(*) FROM enrolments c, enrolments w WHERE c.session_id = $1 AND w.session_id = $1
		AND c.status = 'confirmed' AND w.status = 'waitlisted' AND c.queue_seq > w.queue_seq`, sess); late != 0 {
		t.Fatalf("%d waitlisted agents arrived before a confirmed one", late)
	}
	dbOrder := testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE session_id = $1 AND status = 'waitlisted' ORDER BY queue_seq`, sess)

	// The roster page, as an admin sees it.
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	rosterPath := fmt.Sprintf("/admin/sessions/%d", sess)
	roster := admin.get(rosterPath)
	if roster.status != http.StatusOK {
		t.Fatalf("roster: %d", roster.status)
	}
	var pageOrder []int64
	seen := map[string]int{}
	roster.doc.Find("#liste-inscrits tbody tr").Each(func(_ int, s *goquery.Selection) {
		st, _ := s.Attr("data-status")
		seen[st]++
		if st == "waitlisted" {
			id, _ := s.Attr("data-enrolment")
			v, _ := strconv.ParseInt(id, 10, 64)
			pageOrder = append(pageOrder, v)
		}
	})
	if seen["confirmed"] != seats || seen["waitlisted"] != n-seats {
		t.Fatalf("roster page: %v", seen)
	}
	if !slices.Equal(pageOrder, dbOrder) {
		t.Fatal("the roster page's waitlist is not the database's arrival order")
	}
	if got := text(roster.doc.Find("#places")); got != "20 places prises sur 20" {
		t.Fatalf("roster seats: %q", got)
	}

	// The CSV export.
	res := admin.get(rosterPath + "/inscrits.csv")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", res.status, res.header.Get("Content-Type"))
	}
	if !strings.HasPrefix(res.body, "\uFEFF") {
		t.Fatal("the CSV has no UTF-8 byte order mark")
	}
	records := readSheet(t, []byte(res.body))
	if len(records) != n+1 || records[0][2] != "Adresse électronique" {
		t.Fatalf("CSV: %d records", len(records))
	}
	byStatus := map[string]int{}
	for _, r := range records[1:] {
		byStatus[r[4]]++
	}
	if byStatus["Confirmée"] != seats || byStatus["En liste d’attente"] != n-seats || records[seats+1][5] != "1" {
		t.Fatalf("CSV statuses %v, first waitlisted position %q", byStatus, records[seats+1][5])
	}

	// Cancellations through "Mes formations", five at once.
	owners := map[int64]int{}
	for i, u := range users {
		owners[u.ID] = i
	}
	var holders []int64
	var holderUsers []int64
	for _, id := range testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE session_id = $1 AND status = 'confirmed' ORDER BY id LIMIT 5`, sess) {
		holders, holderUsers = append(holders, id), append(holderUsers, testdb.Int64(t, store, `SELECT user_id FROM enrolments WHERE id = $1`, id))
	}
	var cw sync.WaitGroup
	for k, id := range holders {
		cw.Add(1)
		go func() {
			defer cw.Done()
			b := browsers[owners[holderUsers[k]]]
			path := fmt.Sprintf("/mes-formations/%d/annulation", id)
			if p := b.get(path); p.status != http.StatusOK || p.doc.Find(`form[action="`+path+`"] button`).Length() != 1 {
				t.Errorf("confirmation page: %d", p.status)
			}
			if p := b.post(path, url.Values{}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/mes-formations" {
				t.Errorf("cancellation: %d → %q", p.status, p.header.Get("Location"))
			}
		}()
	}
	cw.Wait()
	promoted := testdb.Column[int64](t, store, `SELECT id FROM enrolments WHERE id = ANY($1) AND status = 'confirmed'`, dbOrder[:5])
	if len(promoted) != 5 {
		t.Fatalf("%d of the first five waitlisted were promoted", len(promoted))
	}
	if got := testdb.Int(t, store, `SELECT seats_taken FROM module_sessions WHERE id = $1`, sess); got != seats {
		t.Fatalf("seats_taken %d after promotions", got)
	}
	// What the agents see: the first promoted one has the session among the upcoming ones; the next in line is
	// now first of the waitlist.
	who := func(enrolmentID int64) *browser {
		return browsers[owners[int64(testdb.Int(t, store, `SELECT user_id FROM enrolments WHERE id = $1`, enrolmentID))]]
	}
	page := who(dbOrder[0]).get("/mes-formations")
	if page.doc.Find(fmt.Sprintf(`section[aria-labelledby="a-venir"] #inscription-%d`, dbOrder[0])).Length() != 1 {
		t.Fatal("the promoted agent does not see the session among the upcoming ones")
	}
	page = who(dbOrder[5]).get("/mes-formations")
	if got := text(page.doc.Find(fmt.Sprintf(`#inscription-%d .fr-badge`, dbOrder[5]))); got != "En liste d’attente, position 1" {
		t.Fatalf("next in line sees %q", got)
	}
	// The promoted agents were told by mail.
	for _, id := range dbOrder[:5] {
		u := users[owners[int64(testdb.Int(t, store, `SELECT user_id FROM enrolments WHERE id = $1`, id))]]
		if m, _ := lastMail(t, store, u.Email); m.Kind != "enrolment_promoted" || !strings.Contains(m.Body, testBase+"/mes-formations") {
			t.Fatalf("last mail of a promoted agent: %s", m.Kind)
		}
	}
}
