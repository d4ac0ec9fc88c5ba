package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// TestAccessibility_AdminPages scans every back-office page type with axe-core, signed in as an admin, at
// desktop and mobile widths: lists, forms (new, edit, in error, in conflict), the track with its module
// order, sessions, the journal, import and export with a dry run, the preview of a draft and the dashboard.
func TestAccessibility_AdminPages(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	store := testdb.NewSeeded(t, "backoffice", 10) // of its own: the scan creates a draft and saves a stale form
	ctx := t.Context()
	b := newBrowser(t, accountServer(t, store))
	email, _ := e2eUser(t, store, account.RoleAdmin)

	// A draft module to preview, with a session; a track with modules; a few audit entries.
	refs, err := store.AdminRefs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	me := admin.Actor{ID: mustUser(t, store, email), Name: "Camille Martin"}
	m, errs := admin.ModuleInput{Title: "Module brouillon à prévisualiser", Domain: refs.Domains[0].Slug, Summary: "Un brouillon.",
		Duration: "90", Format: "presentiel", Level: "decouverte", Objectives: []string{"Comprendre"}}.Check(refs, "draft")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	moduleID, err := store.CreateModule(ctx, me, m)
	if err != nil {
		t.Fatal(err)
	}
	var sessionID, trackID, domainID, partnerID, audienceID int64
	testdb.Row(t, store, `SELECT id FROM module_sessions ORDER BY starts_at DESC LIMIT 1`).Scan(&sessionID)
	testdb.Row(t, store, `SELECT track_id FROM track_modules GROUP BY track_id HAVING count(*) > 2 ORDER BY track_id LIMIT 1`).Scan(&trackID)
	testdb.Row(t, store, `SELECT id FROM domains ORDER BY id LIMIT 1`).Scan(&domainID)
	testdb.Row(t, store, `SELECT id FROM partners ORDER BY id LIMIT 1`).Scan(&partnerID)
	testdb.Row(t, store, `SELECT id FROM audiences ORDER BY id LIMIT 1`).Scan(&audienceID)
	if err := store.ChangeTrackModules(ctx, me, trackID, moduleID, postgres.TrackAdd); err != nil {
		t.Fatal(err)
	}

	signIn(t, b, email)
	pages := []struct{ name, path, h1 string }{
		{"admin-tableau-de-bord", "/admin", "Administration du Campus"},
		{"admin-domaines", "/admin/domaines", "Domaines"},
		{"admin-domaine-nouveau", "/admin/domaines/nouveau", "Créer un domaine"},
		{"admin-domaine", fmt.Sprintf("/admin/domaines/%d", domainID), ""},
		{"admin-partenaires", "/admin/partenaires", "Partenaires"},
		{"admin-partenaire", fmt.Sprintf("/admin/partenaires/%d", partnerID), ""},
		{"admin-publics", "/admin/publics", "Publics"},
		{"admin-public", fmt.Sprintf("/admin/publics/%d", audienceID), ""},
		{"admin-modules", "/admin/modules", "Modules"},
		{"admin-modules-page-2", "/admin/modules?page=2&etat=published", "Modules"},
		{"admin-module-nouveau", "/admin/modules/nouveau", "Créer un module"},
		{"admin-module", fmt.Sprintf("/admin/modules/%d", moduleID), "Modifier le module « Module brouillon à prévisualiser »"},
		{"admin-parcours-liste", "/admin/parcours", "Parcours"},
		{"admin-programmes", "/admin/programmes", "Programmes sur mesure"},
		{"admin-parcours", fmt.Sprintf("/admin/parcours/%d", trackID), ""},
		{"admin-sessions", "/admin/sessions", "Sessions"},
		{"admin-session-nouvelle", "/admin/sessions/nouvelle", "Programmer une session"},
		{"admin-session", fmt.Sprintf("/admin/sessions/%d/modifier", sessionID), ""},
		{"admin-journal", "/admin/journal", "Journal des modifications"},
		{"admin-comptes", "/admin/utilisateurs", "Comptes"},
		{"admin-synonymes", "/admin/synonymes", "Synonymes de la recherche"},
		{"admin-domaines-publics", "/admin/domaines-publics", "Domaines du secteur public"},
		{"admin-compte", "/admin/utilisateurs?q=" + url.QueryEscape(email), "Comptes"},
		{"admin-import-export", "/admin/import-export", "Import et export du catalogue"},
		{"admin-apercu-brouillon", "/admin/apercu/modules/" + m.Slug, "Module brouillon à prévisualiser"},
	}
	for _, p := range pages {
		for _, size := range sizes {
			t.Run(p.name+"/"+size.name, func(t *testing.T) {
				tb := b.open(t, p.path, size.o)
				h1 := eval[string](t, tb, `document.querySelector("main h1").textContent.trim()`)
				if p.h1 != "" && h1 != p.h1 {
					t.Fatalf("h1 %q, want %q (not signed in?)", h1, p.h1)
				}
				if n := eval[int](t, tb, `document.querySelectorAll("main h1").length`); n != 1 {
					t.Errorf("%d h1", n)
				}
				scan(t, tb, p.name+"-"+size.name)
			})
		}
	}

	// Form states: errors (kept values), conflict, and the dry run of a CSV with a rejected row.
	for _, size := range sizes {
		t.Run("admin-module-erreurs/"+size.name, func(t *testing.T) {
			tb := b.open(t, "/admin/modules/nouveau", size.o)
			tb.sentBack(t, fill(map[string]string{"#title": "Titre gardé", "#slug": "Pas Valide", "#duration": "0",
				"#external_url": "http://non-securise.example"}), chromedp.Submit(chromedp.CSS(`main form[action="/admin/modules"]`)))
			if v := eval[string](t, tb, `document.querySelector("#title").value`); v != "Titre gardé" {
				t.Errorf("typed title lost: %q", v)
			}
			scan(t, tb, "admin-module-erreurs-"+size.name)
		})
		t.Run("admin-module-conflit/"+size.name, func(t *testing.T) {
			tb := b.open(t, fmt.Sprintf("/admin/modules/%d", moduleID), size.o)
			// Another admin saves in between.
			if _, err := store.Pool().Exec(ctx, `UPDATE modules SET version = version + 1, summary = summary || ' Modifié.' WHERE id = $1`, moduleID); err != nil {
				t.Fatal(err)
			}
			tb.sentBack(t, chromedp.Submit(chromedp.CSS(fmt.Sprintf(`main form[action="/admin/modules/%d"]`, moduleID))))
			if got := eval[string](t, tb, `document.querySelector("#erreurs-formulaire").textContent`); !strings.Contains(got, "n’ont pas été enregistrées") {
				t.Errorf("conflict message: %q", got)
			}
			scanAllowing(t, tb, "admin-module-conflit-"+size.name, "status of 409")
		})
		t.Run("admin-import-simulation/"+size.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "modules.csv")
			csv := strings.Join(admin.ModuleColumns, ";") + "\n" +
				"import-e2e;Module importé;" + refs.Domains[0].Slug + ";;Résumé.;;;60;en_ligne;decouverte;;;;;\n" +
				"import-e2e-2;Mauvais;inconnu;;Résumé.;;;x;en_ligne;decouverte;;;;;\n"
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			tb := b.open(t, "/admin/import-export", size.o)
			err := chromedp.Do(tb.ctx,
				chromedp.SetUploadFiles(chromedp.CSS(`#fichier`), []string{file}),
				chromedp.Submit(chromedp.CSS(`main form[action="/admin/import"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#simulation`)),
			)
			if err != nil {
				t.Fatal(err)
			}
			if got := eval[string](t, tb, `document.querySelector("#ligne-3").textContent`); !strings.Contains(got, "Refusée") {
				t.Errorf("line 3: %q", got)
			}
			scan(t, tb, "admin-import-simulation-"+size.name)
		})
	}

	// Without JavaScript, on a phone, the back-office menu and the forms' buttons stay visible.
	tb := b.open(t, fmt.Sprintf("/admin/parcours/%d", trackID), tabOptions{width: 375, height: 812, mobile: true, noJS: true})
	visible := `(sel) => [...document.querySelectorAll(sel)].filter(e => { const r = e.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden" }).length`
	if n := eval[int](t, tb, `(`+visible+`)(".fr-sidemenu__link")`); n < 10 {
		t.Errorf("without JavaScript, %d back-office menu links visible", n)
	}
	if n := eval[int](t, tb, `(`+visible+`)("button[value=monter]")`); n < 2 {
		t.Errorf("without JavaScript, %d Monter buttons visible", n)
	}
}

// scanAllowing is scan for a page answered with an error status on purpose (a conflict: 409).
func scanAllowing(t *testing.T, tb *tab, name, status string) {
	t.Helper()
	if vs := axe(t, tb); len(vs) > 0 {
		t.Errorf("%s: %d axe violations:%s", name, len(vs), describe(vs))
	}
	for _, e := range tb.problems() {
		if !strings.Contains(e, status) {
			t.Errorf("%s: browser error: %s", name, e)
		}
	}
	screenshot(t, tb, name)
}
