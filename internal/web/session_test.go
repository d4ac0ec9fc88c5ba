package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"campus/internal/postgres"
	"campus/internal/testdb"
)

// TestSession_UnchangedNotWritten: a signed-in page view reads the session and does not write it back while
// it is unchanged and its idle expiry is fresh (scs would commit every request); the expiry is still pushed
// forward once it lags by a minute, and a changed session is written at once.
func TestSession_UnchangedNotWritten(t *testing.T) {
	store, _, b, u := signedInPortal(t, "agent")
	row := func() (version string, expiry time.Time) {
		t.Helper()
		testdb.Row(t, store, `SELECT xmin::text, expiry FROM sessions WHERE user_id = $1`, u.ID).Scan(&version, &expiry)
		return
	}
	b.get("/compte")
	v0, e0 := row()
	for range 3 {
		if p := b.get("/compte"); p.status != 200 {
			t.Fatalf("/compte: %d", p.status)
		}
	}
	if v1, e1 := row(); v1 != v0 || !e1.Equal(e0) {
		t.Errorf("an unchanged session was written again (row version %s → %s, expiry %v → %v)", v0, v1, e0, e1)
	}

	// The stored expiry lags by five minutes: the next request renews it.
	testdb.Exec(t, store, `UPDATE sessions SET expiry = expiry - interval '5 minutes' WHERE user_id = $1`, u.ID)
	_, lagging := row()
	b.get("/compte")
	if _, e2 := row(); !e2.After(lagging.Add(4 * time.Minute)) {
		t.Errorf("idle expiry not renewed: %v, was %v", e2, lagging)
	}

	// A change to the session (here: signing out) is written.
	v3, _ := row()
	b.post("/deconnexion", nil)
	n := testdb.Int(t, store, `SELECT count(*) FROM sessions WHERE user_id = $1 AND xmin::text = $2`, u.ID, v3)
	if n != 0 {
		t.Error("signing out left the session row as it was")
	}
	if p := b.get("/compte"); p.status == 200 {
		t.Error("still signed in after signing out")
	}
}

// watchedAccountServer is accountServer with the change feed on (the cache on), as `serve` runs it.
func watchedAccountServer(t testing.TB, store *postgres.Store) *httptest.Server {
	t.Helper()
	srv, _ := startWatched(t, store, map[string]string{"CAMPUS_BASE_URL": testBase, "CAMPUS_COOKIE_SECURE": "false",
		"CAMPUS_CLIENT_IP_HEADER": "X-Real-IP"})
	return srv
}

// TestMyTrainings_CachedUntilChange: "Mes formations" is kept in memory per user and version, and any change
// to the agent's enrolments — made by anyone, on any instance, even straight in SQL — shows on every instance
// as soon as the database announces it (the user's change notification, migration 00017); so does a move up
// the waitlist caused by someone else's cancellation, and a catalogue change (a module renamed). The agent's
// own actions show on the very next request, on any instance: TestSignedInPages_OwnActionAtOnce.
func TestMyTrainings_CachedUntilChange(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "mes_formations_cache", 4)
	a, b := watchedAccountServer(t, store), watchedAccountServer(t, store)
	agent, u := signedIn(t, a, store, "agent")
	onB := agent.on(b)
	var moduleID int64
	var title string
	testdb.Row(t, store, `SELECT id, title FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&moduleID, &title)
	shows := func(br *browser, want string) bool {
		t.Helper()
		p := br.get("/mes-formations")
		if p.status != 200 {
			t.Fatalf("/mes-formations: %d", p.status)
		}
		return strings.Contains(text(p.doc.Find("main")), foldSpace(want))
	}
	for _, br := range []*browser{agent, onB, agent, onB} { // read and cached on both
		if shows(br, title) {
			t.Fatal("the module shows before the enrolment")
		}
	}
	testdb.Exec(t, store, `INSERT INTO enrolments (user_id, module_id, status, confirmed_at) VALUES ($1, $2, 'confirmed', now())`, u.ID, moduleID)
	eventually(t, time.Second, func() string {
		if !shows(onB, title) || !shows(agent, title) {
			return "a new enrolment is missing from the cached page"
		}
		return ""
	})
	testdb.Exec(t, store, `UPDATE enrolments SET status = 'completed', completed_at = now() WHERE user_id = $1 AND module_id = $2`, u.ID, moduleID)
	eventually(t, time.Second, func() string {
		if !shows(agent, "Terminé") && !shows(agent, "terminé") {
			return "the completion is missing from the cached page"
		}
		return ""
	})

	// A module renamed: the notification drops the copies within a second.
	renamed := title + " (mise à jour)"
	testdb.Exec(t, store, `UPDATE modules SET title = $1 WHERE id = $2`, renamed, moduleID)
	eventually(t, time.Second, func() string {
		if !shows(onB, renamed) {
			return "the renamed module does not show on B"
		}
		return ""
	})

	// The waitlist: the agent is second; the first one cancels; the agent is now first.
	var sessionID int64
	var sessModule int64
	testdb.Row(t, store, `SELECT ms.id, ms.module_id FROM module_sessions ms WHERE ms.starts_at > now() + interval '10 days'
		AND ms.status = 'scheduled' ORDER BY ms.starts_at LIMIT 1`).Scan(&sessionID, &sessModule)
	other := newUser(t, store, "devant", "agent")
	testdb.Exec(t, store, `INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq) VALUES
		($1, $3, $4, 'waitlisted', nextval('enrolment_queue_seq')), ($2, $3, $4, 'waitlisted', nextval('enrolment_queue_seq'))`,
		other.ID, u.ID, sessModule, sessionID)
	position := func() string {
		return text(agent.get("/mes-formations").doc.Find("main"))
	}
	before := position()
	if before == "" {
		t.Fatal("empty page")
	}
	_ = position() // cached
	testdb.Exec(t, store, `UPDATE enrolments SET status = 'cancelled', cancel_reason = 'agent', cancelled_at = now() WHERE user_id = $1 AND session_id = $2`, other.ID, sessionID)
	eventually(t, time.Second, func() string {
		if after := position(); after == before {
			return "the waitlist position did not change after the agent ahead cancelled:\n" + after
		}
		return ""
	})
}
