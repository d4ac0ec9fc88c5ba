package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/licence"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/testdb"
	"campus/internal/trainer"
)

// programmesStore is a seeded database of the test's own with figures for the charts: enrolments followed,
// trainers, a licence pool with a queue, a trainer application asking for more, a tailored-programme request
// with a proposal. It returns the store and the ids and links the scan visits.
type programmesData struct {
	pool, application, request int64
	reply, follow              string
}

func programmesStore(t *testing.T) (*postgres.Store, programmesData) {
	t.Helper()
	ctx := t.Context()
	s := testdb.NewSeeded(t, "programmes", 10)
	var err error
	var d programmesData
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Thirty agents of three administrations, each having followed an online module and enrolled in another.
	// Their addresses are confirmed: a licence goes only to a confirmed address.
	exec(`INSERT INTO users (email, given_name, usual_name, administration, email_verified_at)
		SELECT 'agent' || g || '@exemple.gouv.fr', 'Agent', 'N° ' || g, (ARRAY['DINUM', 'Ministère de la Culture', 'DGFiP'])[g % 3 + 1], now()
		FROM generate_series(1, 30) g`)
	exec(`INSERT INTO enrolments (user_id, module_id, status, completed_at)
		SELECT u.id, (SELECT id FROM modules WHERE format = 'en_ligne' ORDER BY id OFFSET (u.id % 5) LIMIT 1), 'completed', now() - (u.id % 4) * interval '1 month'
		FROM users u WHERE u.email LIKE 'agent%'`)
	exec(`INSERT INTO enrolments (user_id, module_id, status)
		SELECT u.id, (SELECT id FROM modules WHERE format = 'en_ligne' ORDER BY id DESC OFFSET (u.id % 7) LIMIT 1), 'confirmed'
		FROM users u WHERE u.email LIKE 'agent%'`)

	me := admin.Actor{Name: "Campus"}
	for i, kind := range []string{"interne", "interne", "externe", "externe", "externe"} {
		id, _, err := s.SubmitTrainerApplication(ctx, trainer.Application{Email: "formateur" + strconv.Itoa(i) + "@exemple.fr", GivenName: "Dominique",
			UsualName: "Formateur " + strconv.Itoa(i), Kind: kind, Organisation: "DINUM", Modules: "Atelier", Availability: "Un jour par mois",
			Community: true, Domains: []trainer.Ref{{Slug: "data"}, {Slug: []string{"cybersecurite", "design-et-accessibilite"}[i%2]}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideTrainerApplication(ctx, id, postgres.TrainerDecision{Decision: trainer.DecisionAccept, Actor: me}); err != nil {
			t.Fatal(err)
		}
	}
	d.application, _, err = s.SubmitTrainerApplication(ctx, trainer.Application{Email: "candidate@exemple.fr", GivenName: "Claude",
		UsualName: "Candidate", Kind: "externe", Organisation: "Association", Modules: "Un atelier sur l’accessibilité\nUn autre sur le RGAA",
		Availability: "Deux jours par trimestre", Domains: []trainer.Ref{{Slug: "design-et-accessibilite"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideTrainerApplication(ctx, d.application, postgres.TrainerDecision{Decision: trainer.DecisionAsk,
		Message: "Quelles formations avez-vous déjà animées ?", Actor: me}); err != nil {
		t.Fatal(err)
	}
	tok := testdb.LastLink(t, s, "candidate@exemple.fr", "/devenir-formateur/precisions/")
	if _, err := s.TrainerReplyApplication(ctx, account.HashToken(tok)); err != nil {
		t.Fatalf("the mailed reply link %q: %v", tok, err)
	}
	d.reply = "/devenir-formateur/precisions/" + tok

	partner := testdb.Int64(t, s, `SELECT id FROM partners WHERE slug = 'openclassrooms'`)
	now := time.Now().In(catalogue.Paris)
	if d.pool, err = s.CreateLicencePool(ctx, licence.NewPool{PartnerID: partner, Name: "Lot d’essai", Size: 3, GrantLabel: "Essai",
		ValidFrom: now.AddDate(0, 0, -1), ValidUntil: now.AddDate(0, 6, 0)}, me); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetLicenceQuota(ctx, d.pool, "DINUM", 2, me); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		u, _, err := s.UserByEmail(ctx, "agent"+strconv.Itoa(i)+"@exemple.gouv.fr")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequestLicence(ctx, d.pool, u); err != nil {
			t.Fatal(err)
		}
	}

	var follow string
	if d.request, follow, err = s.SubmitProgrammeRequest(ctx, programme.Request{Administration: "DINUM", ContactName: "Alix Martin",
		ContactEmail: "alix@exemple.gouv.fr", Need: "Former nos équipes.\nEn deux temps.", Headcount: 40, Timing: "Automne",
		Domains: []programme.Ref{{Slug: "data"}}, Audiences: []programme.Ref{{Slug: "managers"}}}, 0); err != nil {
		t.Fatal(err)
	}
	if mailed := testdb.LastLink(t, s, "alix@exemple.gouv.fr", "/programmes-sur-mesure/suivi/"); mailed != follow {
		t.Fatalf("follow-up link: mailed %q, returned %q", mailed, follow)
	}
	d.follow = "/programmes-sur-mesure/suivi/" + follow
	modules := testdb.Column[int64](t, s, `SELECT id FROM modules WHERE status = 'published' ORDER BY id LIMIT 3`)

	for _, c := range []programme.Change{{To: programme.StatusStudy, Note: "À voir"},
		{To: programme.StatusProposed, Title: "La donnée à la DINUM", Proposal: "Trois modules.", Message: "Voici notre proposition.", Modules: modules}} {
		if _, err := s.ChangeProgrammeRequest(ctx, d.request, c, me); err != nil {
			t.Fatal(err)
		}
	}
	return s, d
}

// TestAccessibility_ProgrammesPages scans the programmes' pages with axe-core: the public pages with their
// charts, the forms in their error state, the links of the mails, the agent's and trainer's pages and the
// back-office pages (lists, a pool with its queue and a form in error, an application, a request with its
// proposal form, the results with their filters).
func TestAccessibility_ProgrammesPages(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	store, d := programmesStore(t)
	b := newBrowser(t, accountServer(t, store))

	for _, p := range []struct{ name, path string }{
		{"bilan-chiffres", "/bilan"},
		{"communaute-formateurs-chiffres", "/communaute-formateurs"},
		{"suivi-demande-sur-mesure", d.follow},
		{"precisions-candidature", d.reply},
		{"partenaire-licence", "/partenaires/openclassrooms"},
	} {
		for _, size := range sizes {
			t.Run(p.name+"/"+size.name, func(t *testing.T) {
				tb := b.open(t, p.path, size.o)
				if n := eval[int](t, tb, `document.querySelectorAll("main h1").length`); n != 1 {
					t.Fatalf("%d h1 on %s", n, p.path)
				}
				scan(t, tb, p.name+"-"+size.name)
			})
		}
	}
	if n := eval[int](t, b.open(t, "/bilan", desktop), `document.querySelectorAll('svg[role="img"] title').length`); n < 5 {
		t.Errorf("%d charts drawn on /bilan", n)
	}

	// Forms sent back with errors (no JavaScript needed: the server answers 422 with the DSFR error states).
	for _, f := range []struct{ name, path, form string }{
		{"devenir-formateur-erreurs", "/devenir-formateur", `main form[action="/devenir-formateur"] button[type=submit]`},
		{"demande-sur-mesure-erreurs", "/programmes-sur-mesure/demande", `main form[action="/programmes-sur-mesure/demande"] button[type=submit]`},
	} {
		for _, size := range sizes {
			t.Run(f.name+"/"+size.name, func(t *testing.T) {
				tb := b.open(t, f.path, size.o)
				tb.sentBack(t, chromedp.Click(chromedp.CSS(f.form)))
				if n := eval[int](t, tb, `document.querySelectorAll(".fr-input-group--error, .fr-fieldset--error, .fr-checkbox-group--error").length`); n < 4 {
					t.Errorf("%d fields in error", n)
				}
				scan(t, tb, f.name+"-"+size.name)
			})
		}
	}

	email, _ := e2eUser(t, store, account.RoleAdmin)
	signIn(t, b, email)

	// Without JavaScript: a licence asked from a module's page lands on the agent's licences.
	t.Run("licence-sans-javascript", func(t *testing.T) {
		module := testdb.String(t, store, `SELECT m.slug FROM modules m JOIN partners p ON p.id = m.partner_id
			WHERE p.slug = 'pix' AND m.status = 'published' ORDER BY m.id LIMIT 1`)
		tb := b.open(t, "/modules/"+module, tabOptions{width: 1280, height: 900, noJS: true})
		if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(`#licence form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`main table`))); err != nil {
			t.Fatal(err)
		}
		if got := eval[string](t, tb, `location.pathname + " " + document.querySelector("main tbody").textContent`); !strings.HasPrefix(got, "/mes-licences ") ||
			!strings.Contains(got, "Attribuée") {
			t.Errorf("after the request: %q", got)
		}
		if eval[bool](t, tb, `document.documentElement.hasAttribute("data-fr-js")`) {
			t.Error("JavaScript ran although disabled")
		}
	})
	pool := "/admin/licences/" + strconv.FormatInt(d.pool, 10)
	for _, p := range []struct{ name, path, h1 string }{
		{"mes-licences", "/mes-licences", "Mes licences"},
		{"partenaire-licence-connecte", "/partenaires/openclassrooms", "OpenClassrooms"},
		{"programmes-reserves", "/programmes-sur-mesure/reserves", "Programmes réservés à votre administration"},
		{"espace-formateur", "/formateur", "Mon espace formateur"},
		{"admin-licences", "/admin/licences", "Licences des partenaires"},
		{"admin-licences-nouveau", "/admin/licences/nouveau", "Créer un lot de licences"},
		{"admin-lot", pool, "Lot d’essai"},
		{"admin-lot-attribuees", pool + "?statut=allocated", "Lot d’essai"},
		{"admin-formateurs", "/admin/formateurs?statut=complement", "Candidatures de formateurs"},
		{"admin-candidature", "/admin/formateurs/" + strconv.FormatInt(d.application, 10), "Candidature de Claude Candidate"},
		{"admin-demandes", "/admin/demandes-sur-mesure?statut=proposee", "Demandes de programmes sur mesure"},
		{"admin-demande", "/admin/demandes-sur-mesure/" + strconv.FormatInt(d.request, 10), "Demande sur mesure : DINUM"},
		{"admin-bilan", "/admin/bilan?administration=dinum", "Bilan du Campus"},
	} {
		scanPages(t, b, p.name, p.path, p.h1)
	}

	// Back-office forms in error.
	for _, f := range []struct{ name, path, script string }{
		{"admin-lot-nouveau-erreurs", "/admin/licences/nouveau", `document.querySelector("#size").value = "beaucoup";
			document.querySelector('main form[action="/admin/licences/nouveau"]').requestSubmit()`},
		{"admin-lot-quota-erreurs", pool, `document.querySelector("#quota").value = "-1";
			document.querySelector('main form[action$="/quotas"]').requestSubmit()`},
		{"admin-lot-import-erreurs", pool, `document.querySelector('main form[action$="/codes"]').requestSubmit()`},
		{"admin-demande-erreurs", "/admin/demandes-sur-mesure/" + strconv.FormatInt(d.request, 10),
			`document.querySelector('main form[action$="/statut"]').requestSubmit()`},
		{"admin-bilan-erreurs", "/admin/bilan?du=2030-01-01&au=2020-01-01", ``},
	} {
		t.Run(f.name, func(t *testing.T) {
			tb := b.open(t, f.path, desktop)
			if f.script != "" {
				tb.sentBack(t, chromedp.Evaluate[chromedp.Void](f.script))
			}
			if n := eval[int](t, tb, `document.querySelectorAll("#erreurs-formulaire").length`); n != 1 {
				t.Fatalf("%d error summaries", n)
			}
			scan(t, tb, f.name)
		})
	}
}
