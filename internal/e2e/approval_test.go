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
	f := newEnrolFixtures(t)
	managerEmail, _ := e2eUser(t, f.store, account.RoleTrainer)

	m, slug, s := f.moduleSession("presentiel", "Conduire le changement", 12, 10*24*time.Hour)
	f.session(m, 8, 20*24*time.Hour)
	f.exec(`UPDATE module_sessions SET approval_required = true WHERE module_id = $1`, m)
	if _, err := f.store.EnrolInSession(t.Context(), f.agent, s, managerEmail); err != nil {
		t.Fatal(err)
	}
	body := testdb.String(t, f.store, `SELECT body FROM mail_outbox WHERE recipient = $1 AND kind = 'approval_request'`, managerEmail)
	link := regexp.MustCompile(`/accord/[A-Za-z0-9_-]{43}`).FindString(body)
	if link == "" {
		t.Fatalf("no link in the manager's mail:\n%s", body)
	}

	agentB := signedInBrowser(t, f.base, f.agentEmail)
	scanPages(t, agentB, "accord-mes-formations", "/mes-formations", "Mes formations")
	scanPages(t, newBrowser(t, f.base), "accord-lien-responsable", link, "Demande d’accord pour une formation")
	mgr := signedInBrowser(t, f.base, managerEmail)
	scanPages(t, mgr, "accord-module-responsable", "/modules/"+slug, "Conduire le changement")
	scanPages(t, mgr, "accord-equipe", "/mes-formations/equipe", "Les demandes de mon équipe")
}

// TestAccessibility_AttendancePages scans the absence form, a roster with attendance per half-day and a
// sign-in sheet.
func TestAccessibility_AttendancePages(t *testing.T) {
	t.Parallel()
	f := newEnrolFixtures(t)
	adminEmail, _ := e2eUser(t, f.store, account.RoleAdmin)

	_, _, upcoming := f.moduleSession("presentiel", "Animer un atelier", 12, 10*24*time.Hour)
	_, _, s2 := f.moduleSession("presentiel", "Écrire pour tous", 12, 10*24*time.Hour)
	upcomingID := f.enrol(f.agent, upcoming)
	f.enrol(f.agent, s2)
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '26 hours', ends_at = now() + interval '2 days', half_days = true WHERE id = $1`, s2)

	ag := signedInBrowser(t, f.base, f.agentEmail)
	scanPages(t, ag, "absence", "/mes-formations/"+itoa64(upcomingID)+"/absence", "Signaler une absence")
	ad := signedInBrowser(t, f.base, adminEmail)
	scanPages(t, ad, "presence-demi-journees", "/admin/sessions/"+itoa64(s2), "Liste des inscrits")
	day := time.Now().Add(-26 * time.Hour).In(catalogue.Paris).Format("2006-01-02")
	scanPages(t, ad, "feuille-emargement", "/admin/sessions/"+itoa64(s2)+"/emargement/"+day+"-matin", "Feuille d’émargement")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestAccessibility_SurveyPages scans the questionnaire (and its error state) and the back-office's results.
func TestAccessibility_SurveyPages(t *testing.T) {
	t.Parallel()
	f := newEnrolFixtures(t)
	adminEmail, _ := e2eUser(t, f.store, account.RoleAdmin)
	_, _, s := f.moduleSession("presentiel", "Piloter par la donnée", 12, 10*24*time.Hour)
	id := f.enrol(f.agent, s)
	f.exec(`UPDATE module_sessions SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = $1`, s)
	if _, err := f.store.MarkAttendance(t.Context(), s, map[int64]bool{id: true}); err != nil {
		t.Fatal(err)
	}
	ag := signedInBrowser(t, f.base, f.agentEmail)
	ad := signedInBrowser(t, f.base, adminEmail)
	for _, size := range sizes {
		t.Run("avis/"+size.name, func(t *testing.T) {
			tb := ag.open(t, "/mes-formations/"+itoa64(id)+"/avis", size.o)
			scan(t, tb, "avis-"+size.name)
		})
		t.Run("avis-erreur/"+size.name, func(t *testing.T) {
			tb := ag.open(t, "/mes-formations/"+itoa64(id)+"/avis", size.o)
			tb.sentBack(t, chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
			scan(t, tb, "avis-erreur-"+size.name)
		})
		t.Run("admin-avis/"+size.name, func(t *testing.T) {
			tb := ad.open(t, "/admin/avis", size.o)
			scan(t, tb, "admin-avis-"+size.name)
		})
	}
}
