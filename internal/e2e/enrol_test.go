package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// enrolFixtures are a module of each kind with sessions, in a domain of their own, in a database of the test's
// own with the portal on it, and an agent with an account.
type enrolFixtures struct {
	t          *testing.T
	store      *postgres.Store
	base       string // the portal's address
	domain     int64
	agentEmail string
	agent      int64
	n          int
}

// newEnrolFixtures makes a migrated database of the test's own (testdb numbers the copies), so that the
// enrolment fixtures stay out of the other tests' pages, with a domain for the fixtures and an agent
// (e2eAccount), and starts the portal on it (accountServer).
func newEnrolFixtures(t *testing.T) *enrolFixtures {
	store := testdb.NewMigrated(t, "insc", 20)
	f := &enrolFixtures{t: t, store: store, base: accountServer(t, store)}
	slug := fmt.Sprintf("domaine-e2e-%d", time.Now().UnixNano()%1e9)
	f.domain = testdb.Int64(t, store, `INSERT INTO domains (slug, title, status) VALUES ($1, 'Domaine des essais', 'published') RETURNING id`, slug)
	f.agentEmail, f.agent = e2eAccount(t, store, account.RoleAgent)
	return f
}

// module creates a published module and returns its id and slug.
func (f *enrolFixtures) module(format, title string) (int64, string) {
	f.t.Helper()
	f.n++
	slug := fmt.Sprintf("module-e2e-%d-%d", time.Now().UnixNano()%1e9, f.n)
	url := ""
	if format == "en_ligne" {
		url = "https://partenaire.example/cours"
	}
	id := testdb.Int64(f.t, f.store, `INSERT INTO modules (slug, domain_id, title, summary, objectives, outline,
		duration_minutes, format, level, status, external_url, prerequisites)
		VALUES ($1, $2, $3, 'Un module pour les essais de bout en bout.', '{Comprendre}', '{Découvrir}', 420, $4, 'decouverte', 'published', $5, 'Aucun')
		RETURNING id`, slug, f.domain, title, format, url)
	return id, slug
}

// session adds a session to a module starting in `in` (negative: already started).
func (f *enrolFixtures) session(moduleID int64, capacity int, in time.Duration) int64 {
	f.t.Helper()
	f.n++
	start := time.Now().Add(in).Truncate(time.Hour)
	return testdb.Int64(f.t, f.store, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, virtual_url, capacity)
		VALUES ($1, $2, $3, $4, 'Campus du numérique', '20 avenue de Ségur', 'Paris', 'https://webconf.numerique.gouv.fr/essai', $5) RETURNING id`,
		fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano(), f.n), moduleID, start, start.Add(7*time.Hour), capacity)
}

func (f *enrolFixtures) exec(sql string, args ...any) {
	f.t.Helper()
	testdb.Exec(f.t, f.store, sql, args...)
}

// moduleSession creates a published module (module) with one session (session): it returns the module's id and
// slug and the session's id.
func (f *enrolFixtures) moduleSession(format, title string, capacity int, in time.Duration) (int64, string, int64) {
	f.t.Helper()
	m, slug := f.module(format, title)
	return m, slug, f.session(m, capacity, in)
}

// enrol enrols the user in the session (without a manager's address) and returns the enrolment's id.
func (f *enrolFixtures) enrol(user, session int64) int64 {
	f.t.Helper()
	return testdb.Must(f.store.EnrolInSession(f.t.Context(), user, session, ""))(f.t).Enrolment.ID
}

// TestAccessibility_EnrolPages scans the enrolment pages with axe-core, at desktop and mobile widths, with an
// agent whose enrolments are in every state (upcoming, waitlisted, to schedule, online, followed, past,
// cancelled), and as an admin on the rosters.
func TestAccessibility_EnrolPages(t *testing.T) {
	t.Parallel()
	f := newEnrolFixtures(t)
	ctx := t.Context()
	_, other := e2eAccount(t, f.store, account.RoleTrainer)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	m1, slug1, s1 := f.moduleSession("presentiel", "Conduire un atelier d’idéation", 12, 10*24*time.Hour)
	f.session(m1, 8, 20*24*time.Hour)
	upcoming := f.enrol(f.agent, s1)

	m2, slug2, s2 := f.moduleSession("hybride", "Piloter un projet agile", 1, 12*24*time.Hour)
	f.session(m2, 6, 25*24*time.Hour)
	f.enrol(other, s2)
	f.enrol(f.agent, s2)

	online, _ := f.module("en_ligne", "Les bases de la cybersécurité")
	dated, _ := f.module("presentiel", "Rédiger en langage clair")
	f.session(dated, 10, 15*24*time.Hour)
	var track int64
	trackSlug := fmt.Sprintf("parcours-e2e-%d", time.Now().UnixNano()%1e9)
	check(f.store.Pool().QueryRow(ctx, `INSERT INTO tracks (slug, domain_id, title, summary, status) VALUES ($1, $2, 'Parcours des essais', 'Un parcours.', 'published') RETURNING id`,
		trackSlug, f.domain).Scan(&track))
	f.exec(`INSERT INTO track_modules (track_id, module_id, position) VALUES ($1, $2, 1), ($1, $3, 2)`, track, online, dated)
	_, err := f.store.EnrolTrack(ctx, f.agent, track)
	check(err)
	track2Slug := trackSlug + "-bis"
	f.exec(`INSERT INTO tracks (slug, domain_id, title, summary, status) VALUES ($1, $2, 'Parcours ouvert', 'Un parcours ouvert.', 'published')`, track2Slug, f.domain)

	_, _, s5 := f.moduleSession("presentiel", "Animer une communauté", 10, 3*24*time.Hour)
	followed := f.enrol(f.agent, s5)
	f.enrol(other, s5)
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '7 hours' WHERE id = $1`, s5)
	_, err = f.store.MarkAttendance(ctx, s5, map[int64]bool{followed: true})
	check(err)

	_, _, s6 := f.moduleSession("presentiel", "Mesurer l’impact", 10, 3*24*time.Hour)
	f.enrol(f.agent, s6)
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '9 days', ends_at = now() - interval '9 days' + interval '7 hours' WHERE id = $1`, s6)

	m7, _ := f.module("en_ligne", "Publier des données ouvertes")
	out, err := f.store.EnrolOnline(ctx, f.agent, m7)
	check(err)
	_, err = f.store.CancelEnrolment(ctx, f.agent, out.Enrolment.ID)
	check(err)

	m8, slug8 := f.module("hybride", "Faciliter à distance")
	f.session(m8, 10, 30*24*time.Hour)
	f.session(m8, 1, 40*24*time.Hour)

	code, err := f.store.AttestationCode(ctx, followed)
	check(err)

	b := signedInBrowser(t, f.base, f.agentEmail)
	for _, p := range []struct{ name, path, h1 string }{
		{"module-inscrit", "/modules/" + slug1, "Conduire un atelier d’idéation"},
		{"module-liste-attente", "/modules/" + slug2, "Piloter un projet agile"},
		{"module-choix-session", "/modules/" + slug8, "Faciliter à distance"},
		{"parcours-inscription", "/parcours/" + track2Slug, "Parcours ouvert"},
		{"mes-formations", "/mes-formations", "Mes formations"},
		{"annulation", fmt.Sprintf("/mes-formations/%d/annulation", upcoming), "Annuler mon inscription"},
		{"attestation", fmt.Sprintf("/mes-formations/%d/attestation", followed), "Attestation de formation"},
		{"attestation-verifiee", "/attestations/verifier/" + code, "Vérification d’une attestation de formation"},
	} {
		scanPages(t, b, p.name, p.path, p.h1)
	}
	// Mes formations: every section shows for this agent.
	tb := b.open(t, "/mes-formations", desktop)
	sections := eval[[]string](t, tb, `[...document.querySelectorAll("main section h2")].map(h => h.id)`)
	for _, want := range []string{"a-venir", "attente", "a-planifier", "en-ligne", "terminees", "passees", "annulees", "abonnement"} {
		if !strings.Contains(strings.Join(sections, " "), want) {
			t.Errorf("Mes formations lacks the section %q (has %v)", want, sections)
		}
	}

	for _, size := range sizes {
		t.Run("module-erreur/"+size.name, func(t *testing.T) {
			tb := b.open(t, "/modules/"+slug8, size.o)
			tb.sentBack(t, chromedp.Click(chromedp.CSS(`#inscription form button[type=submit]`)))
			if n := eval[int](t, tb, `document.querySelectorAll("#session-group.fr-fieldset--error .fr-message--error").length`); n != 1 {
				t.Fatalf("%d field errors", n)
			}
			scan(t, tb, "module-erreur-"+size.name)
		})
		t.Run("mes-formations-lien-agenda/"+size.name, func(t *testing.T) {
			tb := b.open(t, "/mes-formations", size.o)
			if err := chromedp.Do(tb.ctx,
				chromedp.Click(chromedp.CSS(`form[action="/mes-formations/calendrier"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#lien-agenda`))); err != nil {
				t.Fatal(err)
			}
			scan(t, tb, "mes-formations-lien-agenda-"+size.name)
		})
	}

	adminEmail, _ := e2eUser(t, f.store, account.RoleAdmin)
	a := signedInBrowser(t, f.base, adminEmail)
	for _, p := range []struct{ name, path string }{
		{"liste-inscrits", fmt.Sprintf("/admin/sessions/%d", s5)},
		{"liste-inscrits-attente", fmt.Sprintf("/admin/sessions/%d", s2)},
		{"liste-inscrits-en-ligne", fmt.Sprintf("/admin/modules-en-ligne/%d", online)},
	} {
		scanPages(t, a, p.name, p.path, "Liste des inscrits")
	}
}

// TestKeyboard_Enrol: an agent enrols with the keyboard alone — Tab to the session choice, Space to pick it,
// Tab to the button, Enter — with and without JavaScript.
func TestKeyboard_Enrol(t *testing.T) {
	t.Parallel()
	f := newEnrolFixtures(t)
	for _, o := range []struct {
		name string
		opts tabOptions
	}{{"js", desktop}, {"sans-js", tabOptions{width: 1280, height: 900, noJS: true}}} {
		t.Run(o.name, func(t *testing.T) {
			mod, slug := f.module("presentiel", "Concevoir un questionnaire "+o.name)
			first := f.session(mod, 10, 9*24*time.Hour)
			f.session(mod, 10, 16*24*time.Hour)
			email, _ := e2eUser(t, f.store, account.RoleAgent)
			b := signedInBrowser(t, f.base, email)
			tb := b.open(t, "/modules/"+slug, o.opts)
			found := false
			for i := 0; i < 150 && !found; i++ {
				press(t, tb, kb.Tab)
				found = eval[bool](t, tb, `document.activeElement.name === "session"`)
			}
			if !found {
				t.Fatal("Tab never reached the session choice")
			}
			if got := eval[string](t, tb, `document.activeElement.value`); got != fmt.Sprint(first) {
				t.Fatalf("Tab reached session %s first, want the soonest (%d)", got, first)
			}
			press(t, tb, " ")
			if !eval[bool](t, tb, `document.activeElement.checked`) {
				t.Fatal("Space did not pick the session")
			}
			press(t, tb, kb.Tab)
			if got := eval[string](t, tb, `document.activeElement.tagName + " " + document.activeElement.textContent.trim()`); got != "BUTTON M’inscrire" {
				t.Fatalf("Tab after the choice focuses %q, want the M’inscrire button", got)
			}
			press(t, tb, kb.Enter)
			if err := chromedp.Do(tb.ctx, chromedp.WaitVisible(chromedp.CSS(`#inscription .fr-alert--success`))); err != nil {
				t.Fatal(err)
			}
			if msg := eval[string](t, tb, `document.querySelector("[role=status]").textContent.trim()`); !strings.Contains(msg, "Inscription confirmée") {
				t.Fatalf("after Enter: %q", msg)
			}
			n := testdb.Int(t, f.store, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'confirmed'`, first)
			if n != 1 {
				t.Fatalf("%d confirmed enrolments in the chosen session", n)
			}
		})
	}
}
