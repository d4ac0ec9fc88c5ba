package e2e

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/testdb"
)

// TestAccessibility_ApprovalPages scans the pages of the line-manager approval: the module page that asks for
// the manager's address (and its error state), "Mes formations" with a held seat, the manager's link page
// (anonymous) and "Les demandes de mon équipe" (a manager with an account).
func TestAccessibility_ApprovalPages(t *testing.T) {
	t.Parallel()
	store, base, f := newEnrolFixtures(t)
	ctx := t.Context()
	agentEmail, agent := e2eAccount(t, store, account.RoleAgent)
	managerEmail, _ := e2eUser(t, store, account.RoleTrainer)

	m, slug := f.module("presentiel", "Conduire le changement")
	s := f.session(m, 12, 10*24*time.Hour)
	f.session(m, 8, 20*24*time.Hour)
	f.exec(`UPDATE module_sessions SET approval_required = true WHERE module_id = $1`, m)
	if _, err := store.EnrolInSession(ctx, agent, s, managerEmail); err != nil {
		t.Fatal(err)
	}
	body := testdb.String(t, store, `SELECT body FROM mail_outbox WHERE recipient = $1 AND kind = 'approval_request'`, managerEmail)
	link := regexp.MustCompile(`/accord/[A-Za-z0-9_-]{43}`).FindString(body)
	if link == "" {
		t.Fatalf("no link in the manager's mail:\n%s", body)
	}

	agentB := newBrowser(t, base)
	signIn(t, agentB, agentEmail)
	scanPages(t, agentB, "accord-mes-formations", "/mes-formations", "Mes formations")
	scanPages(t, newBrowser(t, base), "accord-lien-responsable", link, "Demande d’accord pour une formation")
	mgr := newBrowser(t, base)
	signIn(t, mgr, managerEmail)
	scanPages(t, mgr, "accord-module-responsable", "/modules/"+slug, "Conduire le changement")
	scanPages(t, mgr, "accord-equipe", "/mes-formations/equipe", "Les demandes de mon équipe")
}

// TestAccessibility_AttendancePages scans the absence form, a roster with attendance per half-day and a
// sign-in sheet.
func TestAccessibility_AttendancePages(t *testing.T) {
	t.Parallel()
	store, base, f := newEnrolFixtures(t)
	ctx := t.Context()
	agentEmail, agent := e2eAccount(t, store, account.RoleAgent)
	adminEmail, _ := e2eUser(t, store, account.RoleAdmin)

	m, _ := f.module("presentiel", "Animer un atelier")
	upcoming := f.session(m, 12, 10*24*time.Hour)
	m2, _ := f.module("presentiel", "Écrire pour tous")
	s2 := f.session(m2, 12, 10*24*time.Hour)
	out, err := store.EnrolInSession(ctx, agent, upcoming, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnrolInSession(ctx, agent, s2, ""); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '26 hours', ends_at = now() + interval '2 days', half_days = true WHERE id = $1`, s2)

	ag := newBrowser(t, base)
	signIn(t, ag, agentEmail)
	scanPages(t, ag, "absence", "/mes-formations/"+itoa64(out.Enrolment.ID)+"/absence", "Signaler une absence")
	ad := newBrowser(t, base)
	signIn(t, ad, adminEmail)
	scanPages(t, ad, "presence-demi-journees", "/admin/sessions/"+itoa64(s2), "Liste des inscrits")
	day := time.Now().Add(-26 * time.Hour).In(catalogue.Paris).Format("2006-01-02")
	scanPages(t, ad, "feuille-emargement", "/admin/sessions/"+itoa64(s2)+"/emargement/"+day+"-matin", "Feuille d’émargement")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestAccessibility_SurveyPages scans the questionnaire (and its error state) and the back-office's results.
func TestAccessibility_SurveyPages(t *testing.T) {
	t.Parallel()
	store, base, f := newEnrolFixtures(t)
	ctx := t.Context()
	agentEmail, agent := e2eAccount(t, store, account.RoleAgent)
	adminEmail, _ := e2eUser(t, store, account.RoleAdmin)
	m, _ := f.module("presentiel", "Piloter par la donnée")
	s := f.session(m, 12, 10*24*time.Hour)
	out, err := store.EnrolInSession(ctx, agent, s, "")
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = $1`, s)
	if _, err := store.MarkAttendance(ctx, s, map[int64]bool{out.Enrolment.ID: true}); err != nil {
		t.Fatal(err)
	}
	ag := newBrowser(t, base)
	signIn(t, ag, agentEmail)
	ad := newBrowser(t, base)
	signIn(t, ad, adminEmail)
	for _, size := range sizes {
		t.Run("avis/"+size.name, func(t *testing.T) {
			tb := ag.open(t, "/mes-formations/"+itoa64(out.Enrolment.ID)+"/avis", size.o)
			scan(t, tb, "avis-"+size.name)
		})
		t.Run("avis-erreur/"+size.name, func(t *testing.T) {
			tb := ag.open(t, "/mes-formations/"+itoa64(out.Enrolment.ID)+"/avis", size.o)
			tb.sentBack(t, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
			scan(t, tb, "avis-erreur-"+size.name)
		})
		t.Run("admin-avis/"+size.name, func(t *testing.T) {
			tb := ad.open(t, "/admin/avis", size.o)
			scan(t, tb, "admin-avis-"+size.name)
		})
	}
}
