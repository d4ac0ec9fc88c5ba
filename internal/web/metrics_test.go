package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"campus/internal/account"
	"campus/internal/metrics"
)

// counter is the value of a counter of the portal's metrics with one label set to value (0 when absent).
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestMetrics_CountedThroughHTTP: the refusals of a rate limit, the enrolments by outcome and the requests by
// route pattern move when the portal is used over HTTP; the public handler has no /metrics.
func TestMetrics_CountedThroughHTTP(t *testing.T) {
	// Not parallel: the request and enrolment counters are the process's, which other tests would move.
	store, srv := enrolPortal(t)
	reg := metrics.Registry(metrics.Sources{})

	if p := newBrowser(t, srv).get("/metrics"); p.status != http.StatusNotFound {
		t.Errorf("GET /metrics on the public handler: %d, want 404", p.status)
	}

	t.Run("RateLimit", func(t *testing.T) {
		u := newUser(t, store, "compteur-limite", account.RoleAgent)
		before := counter(t, reg, "campus_rate_limit_refusals_total", "limit", "connexion:compte")
		for i := range 12 {
			newBrowser(t, srv).login(u.Email, "mauvais mot de passe "+strconv.Itoa(i))
		}
		if got := counter(t, reg, "campus_rate_limit_refusals_total", "limit", "connexion:compte") - before; got != 2 {
			t.Errorf("refusals of connexion:compte moved by %v after 12 attempts on a limit of 10, want 2", got)
		}
	})

	t.Run("Enrolments", func(t *testing.T) {
		m := enrolModule(t, store, "presentiel", "published", "published")
		session := enrolSession(t, store, m.id, 1, 30*24*time.Hour)
		agents := crowd(t, store, 2)
		before := map[string]float64{}
		for _, o := range []string{"confirmed", "waitlisted", "already"} {
			before[o] = counter(t, reg, "campus_enrolments_total", "outcome", o)
		}
		form := url.Values{"session": {strconv.FormatInt(session, 10)}}
		for i, a := range agents {
			b := newBrowser(t, srv)
			if p := b.login(a.Email, goodPassword); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", p.status)
			}
			b.post("/modules/"+m.slug+"/inscription", form)
			if i == 0 {
				b.post("/modules/"+m.slug+"/inscription", form) // a resubmitted form
			}
		}
		for o, want := range map[string]float64{"confirmed": 1, "waitlisted": 1, "already": 1} {
			if got := counter(t, reg, "campus_enrolments_total", "outcome", o) - before[o]; got != want {
				t.Errorf("enrolments %s moved by %v, want %v", o, got, want)
			}
		}
		if counter(t, reg, "campus_http_requests_total", "route", "/modules/{slug}/inscription") < 3 {
			t.Error("the enrolment POSTs are not counted under their route pattern")
		}
	})
}
