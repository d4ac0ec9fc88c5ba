package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web/webtest"
)

// access is who may use a route.
type access int

const (
	public    access = iota // anyone; the answer does not depend on who asks
	guestOnly               // sign-in, sign-up: a signed-in user is sent on to the account
	userOnly                // any signed-in user; anonymous visitors go to the sign-in page
	adminOnly               // admins; others get 403, anonymous visitors go to the sign-in page
	// ownObject: a signed-in user's own object (an enrolment, by id): anonymous visitors go to the sign-in page;
	// another user's object answers 404, never 403 (its existence is nobody else's business); admins see all.
	ownObject
	// trainerOnly: trainers and admins; agents get 403, anonymous visitors go to the sign-in page.
	trainerOnly
)

// routeAccess declares the access of the routes whose access is not implied by their prefix. Every route
// under /admin is admin-only and every route under /compte needs a signed-in user, whether or not it is
// listed here; any other route is public unless listed.
var routeAccess = map[string]access{
	"GET /connexion":    guestOnly,
	"GET /inscription":  guestOnly,
	"POST /deconnexion": public,

	// Enrolments (enrol.go, mytrainings.go, calendar.go, attestation.go); the calendar feed
	// GET /calendrier/{token}.ics is public: its token is the credential.
	"POST /modules/{slug}/inscription":  userOnly,
	"POST /parcours/{slug}/inscription": userOnly,
	"GET /mes-formations":               userOnly,
	// Line-manager approval (approval.go): GET and POST /accord/{token} are public, the token is the credential;
	// a team's request decided by another user answers 404.
	"GET /mes-formations/equipe":                  userOnly,
	"POST /mes-formations/equipe/{id}":            ownObject,
	"POST /mes-formations/calendrier":             userOnly,
	"POST /mes-formations/calendrier/suppression": userOnly,
	"GET /mes-formations/{id}/annulation":         ownObject,
	"POST /mes-formations/{id}/annulation":        ownObject,
	"GET /mes-formations/{id}/absence":            ownObject,
	"GET /mes-formations/{id}/avis":               ownObject,
	"POST /mes-formations/{id}/avis":              ownObject,
	"GET /mes-formations/{id}/avis-a-froid":       ownObject,
	"POST /mes-formations/{id}/avis-a-froid":      ownObject,
	"POST /mes-formations/{id}/absence":           ownObject,
	"POST /mes-formations/{id}/termine":           ownObject,
	"GET /mes-formations/{id}/calendrier.ics":     ownObject,
	"GET /mes-formations/{id}/attestation":        ownObject,
	"GET /mes-formations/{id}/attestation.pdf":    ownObject,

	// The Campus's programmes (licence.go, trainer.go, programme_request.go): the call for trainers, its
	// "more information" link, the community page, the tailored-programme request and its follow-up link are
	// public (a link's token is its credential).
	"POST /partenaires/{slug}/licence":                userOnly,
	"GET /mes-licences":                               userOnly,
	"POST /mes-licences/{id}/annuler":                 ownObject,
	"GET /programmes-sur-mesure/reserves":             userOnly,
	"GET /formateur":                                  trainerOnly,
	"POST /formateur/communaute":                      trainerOnly,
	"GET /formateur/sessions/{id}":                    trainerOnly,
	"POST /formateur/sessions/{id}/emargement":        trainerOnly,
	"GET /formateur/sessions/{id}/inscrits.csv":       trainerOnly,
	"POST /formateur/sessions/{id}/emargement/{jour}": trainerOnly,
	"GET /formateur/sessions/{id}/feuille/{jour}":     trainerOnly,
	"GET /formateur/sessions/{id}/feuille-pdf/{jour}": trainerOnly,
}

func accessOf(method, pattern string) access {
	switch {
	case pattern == "/admin" || strings.HasPrefix(pattern, "/admin/"):
		return adminOnly
	case pattern == "/compte" || strings.HasPrefix(pattern, "/compte/"):
		return userOnly
	}
	if a, ok := routeAccess[method+" "+pattern]; ok {
		return a
	}
	return public
}

var param = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// samplePath fills the route's parameters with values that exist in the seeded database when possible.
func samplePath(t *testing.T, store *postgres.Store, pattern string) string {
	moduleSlug := testdb.String(t, store, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id LIMIT 1`)
	pattern = strings.TrimSuffix(pattern, "/*")
	return param.ReplaceAllStringFunc(pattern, func(m string) string {
		name := param.FindStringSubmatch(m)[1]
		switch {
		case strings.Contains(name, "slug"):
			if strings.HasPrefix(pattern, "/modules/") {
				return moduleSlug
			}
			return "cybersecurite"
		case strings.Contains(name, "id"):
			return "1"
		case strings.Contains(name, "token"):
			return "jeton-inconnu"
		}
		return "x"
	})
}

// TestAuthorization_EveryRoute walks every route registered on the router and checks what an anonymous
// visitor, an agent and an admin get: anonymous visitors are sent to the sign-in page on private routes,
// agents get 403 on every admin route, admins get through, and nobody ever gets a 5xx.
// It POSTs to every route as an admin, so it runs on a seeded database of its own, in parallel.
func TestAuthorization_EveryRoute(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "authz", 20)
	srv, ws := webtest.Start(t, store, map[string]string{"CAMPUS_BASE_URL": testBase, "CAMPUS_COOKIE_SECURE": "false", "CAMPUS_CLIENT_IP_HEADER": "X-Real-IP"}, nil)

	type route struct{ method, pattern string }
	var routes []route
	err := chi.Walk(ws.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, route{method, pattern})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.method+" "+strings.TrimSuffix(r.pattern, "/")] = true
	}
	// The walk must see the routes this test exists for; otherwise it proves nothing.
	for _, must := range []string{"GET /admin", "GET /compte", "POST /compte/suppression", "GET /connexion", "POST /deconnexion", "GET /domaines/{slug}"} {
		if !seen[must] {
			t.Fatalf("chi.Walk did not report %s (saw %d routes)", must, len(routes))
		}
	}

	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	trainer, _ := signedIn(t, srv, store, account.RoleTrainer)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	// Routes that end or delete the session are checked with a fresh user each time, so that the others
	// keep theirs; deletion is also checked without its confirmation (422), never really applied here.
	destructive := map[string]bool{"POST /deconnexion": true, "POST /compte/deconnexion-partout": true}

	for _, r := range routes {
		pattern := strings.TrimSuffix(r.pattern, "/")
		if pattern == "" {
			pattern = "/"
		}
		key := r.method + " " + pattern
		if strings.HasPrefix(pattern, "/static/") || pattern == "/_plafond" {
			continue
		}
		if r.method != http.MethodGet && r.method != http.MethodPost {
			t.Errorf("%s: only GET and POST are expected", key)
			continue
		}
		path := samplePath(t, store, pattern)
		a := accessOf(r.method, pattern)
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			call := func(b *browser) page {
				if r.method == http.MethodGet {
					return b.get(path)
				}
				return b.post(path, url.Values{})
			}
			as := func(role string, b *browser) page {
				if destructive[key] && b != nil {
					b, _ = signedIn(t, srv, store, role)
				}
				if b == nil {
					b = newBrowser(t, srv)
				}
				p := call(b)
				if p.status >= 500 {
					t.Errorf("%s as %s: %d", key, role, p.status)
				}
				return p
			}
			anon := as("anonyme", nil)
			ag := as(account.RoleAgent, agent)
			tr := as(account.RoleTrainer, trainer)
			ad := as(account.RoleAdmin, admin)
			toLogin := func(p page) bool {
				loc := p.header.Get("Location")
				return p.status == http.StatusSeeOther && (loc == "/connexion" || strings.HasPrefix(loc, "/connexion?suivant="))
			}
			switch a {
			case adminOnly:
				if !toLogin(anon) {
					t.Errorf("anonymous: %d → %q, want the sign-in page", anon.status, anon.header.Get("Location"))
				}
				if ag.status != http.StatusForbidden || tr.status != http.StatusForbidden {
					t.Errorf("agent: %d, trainer: %d, want 403", ag.status, tr.status)
				}
				if ad.status == http.StatusForbidden || toLogin(ad) {
					t.Errorf("admin: %d, want access", ad.status)
				}
				if r.method == http.MethodGet && !strings.Contains(pattern, "{") && ad.status != http.StatusOK {
					t.Errorf("admin: %d, want 200", ad.status)
				}
			case userOnly:
				if !toLogin(anon) {
					t.Errorf("anonymous: %d → %q, want the sign-in page", anon.status, anon.header.Get("Location"))
				}
				for role, p := range map[string]page{"agent": ag, "admin": ad} {
					if destructive[key] {
						// It ends the session it was called with: a redirect, whatever its target.
						if p.status != http.StatusSeeOther {
							t.Errorf("%s: %d, want 303", role, p.status)
						}
						continue
					}
					if toLogin(p) || p.status == http.StatusForbidden {
						t.Errorf("%s: %d → %q, want access", role, p.status, p.header.Get("Location"))
					}
					if r.method == http.MethodGet && p.status != http.StatusOK {
						t.Errorf("%s: %d, want 200", role, p.status)
					}
				}
			case trainerOnly:
				if !toLogin(anon) {
					t.Errorf("anonymous: %d → %q, want the sign-in page", anon.status, anon.header.Get("Location"))
				}
				if ag.status != http.StatusForbidden {
					t.Errorf("agent: %d, want 403", ag.status)
				}
				for role, p := range map[string]page{"trainer": tr, "admin": ad} {
					if toLogin(p) || p.status == http.StatusForbidden {
						t.Errorf("%s: %d → %q, want access", role, p.status, p.header.Get("Location"))
					}
					if r.method == http.MethodGet && !strings.Contains(pattern, "{") && p.status != http.StatusOK {
						t.Errorf("%s: %d, want 200", role, p.status)
					}
				}
			case ownObject:
				if !toLogin(anon) {
					t.Errorf("anonymous: %d → %q, want the sign-in page", anon.status, anon.header.Get("Location"))
				}
				for role, p := range map[string]page{"agent": ag, "trainer": tr, "admin": ad} {
					if toLogin(p) || p.status == http.StatusForbidden {
						t.Errorf("%s: %d → %q, want 200 for their own object, 404 otherwise", role, p.status, p.header.Get("Location"))
					}
					if r.method == http.MethodGet && p.status != http.StatusOK && p.status != http.StatusNotFound {
						t.Errorf("%s: %d, want 200 or 404", role, p.status)
					}
				}
			case guestOnly:
				if anon.status != http.StatusOK {
					t.Errorf("anonymous: %d, want 200", anon.status)
				}
				if ag.status != http.StatusSeeOther || ag.header.Get("Location") != "/compte" {
					t.Errorf("agent: %d → %q, want to be sent to /compte", ag.status, ag.header.Get("Location"))
				}
			case public:
				if toLogin(anon) || anon.status == http.StatusForbidden {
					t.Errorf("anonymous: %d → %q on a public route", anon.status, anon.header.Get("Location"))
				}
				if !destructive[key] && (anon.status != ag.status || ag.status != ad.status) {
					t.Errorf("public route answers differently: anonymous %d, agent %d, admin %d", anon.status, ag.status, ad.status)
				}
			}
		})
	}
}
