package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/testdb"
)

// TestAdmin_ProseTypeset: what an admin types in a module's prose is stored in French typography (the title
// shows it in the form and on the public page), the refused form shows again what was typed, slugs and
// keywords are kept as typed, and an edit that differs from the stored module only by its typography is no
// change: no audit entry, no new version.
func TestAdmin_ProseTypeset(t *testing.T) {
	t.Parallel()
	store, srv, b := backofficeAdmin(t)
	const typed = "Atelier d'été : les « données » ?"
	const typeset = "Atelier d\u2019été\u00a0: les «\u00a0données\u00a0»\u202f?"
	if catalogue.Typeset(typed) != typeset {
		t.Fatalf("catalogue.Typeset(%q) = %q, want %q", typed, catalogue.Typeset(typed), typeset)
	}
	domain := testdb.String(t, store, `SELECT slug FROM domains WHERE status = 'published' ORDER BY id LIMIT 1`)
	form := moduleForm("atelier-d-ete", typed, domain)
	form.Set("objectives", "Lire l'énoncé ; le comprendre !\nRéduire")
	form.Set("keywords", "l'IA ?, données")

	// Refused (no summary): the form shows again what was typed.
	form.Set("summary", "")
	if p := b.post("/admin/modules", form); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("module without summary: %d", p.status)
	} else if v, _ := p.doc.Find("#title").Attr("value"); v != typed {
		t.Errorf("refused form's title = %q, want what was typed, %q", v, typed)
	}

	form.Set("summary", "Un atelier : l'essentiel.")
	id := createdID(t, b.post("/admin/modules", form))
	var slug, title, summary string
	var objectives, keywords []string
	testdb.Row(t, store, `SELECT slug, title, summary, objectives, keywords FROM modules WHERE id = $1`, id).
		Scan(&slug, &title, &summary, &objectives, &keywords)
	if slug != "atelier-d-ete" || title != typeset || summary != "Un atelier\u00a0: l\u2019essentiel." ||
		strings.Join(objectives, "|") != "Lire l\u2019énoncé\u202f; le comprendre\u202f!|Réduire" || strings.Join(keywords, "|") != "l'IA ?|données" {
		t.Errorf("stored slug %q, title %q, summary %q, objectives %q, keywords %q", slug, title, summary, objectives, keywords)
	}
	edit := b.get("/admin/modules/" + id)
	if v, _ := edit.doc.Find("#title").Attr("value"); v != typeset {
		t.Errorf("edit form's title = %q, want %q", v, typeset)
	}

	audited := func() (entries, version int) {
		t.Helper()
		return testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'module' AND entity_id = $1`, id),
			testdb.Int(t, store, `SELECT version FROM modules WHERE id = $1`, id)
	}
	if n, v := audited(); n != 1 || v != 1 {
		t.Fatalf("after the creation: %d audit entries, version %d; want 1, 1", n, v)
	}
	// Saved again as shown, then as first typed (straight apostrophes, plain spaces): nothing changes.
	shown := formValues(edit, `main form[action="/admin/modules/`+id+`"]`)
	for _, title := range []string{typeset, typed} {
		shown.Set("title", title)
		shown.Set("summary", "Un atelier : l'essentiel.")
		expectRedirect(t, b.post("/admin/modules/"+id, shown), http.StatusSeeOther, "/admin/modules/"+id)
		if n, v := audited(); n != 1 || v != 1 {
			t.Errorf("saved unchanged with title %q: %d audit entries, version %d; want 1, 1", title, n, v)
		}
	}
	// A real change is recorded once, typeset; the same form saved again (from the page) records nothing more.
	shown.Set("summary", "Deux heures : l'essentiel ?")
	expectRedirect(t, b.post("/admin/modules/"+id, shown), http.StatusSeeOther, "/admin/modules/"+id)
	again := formValues(b.get("/admin/modules/"+id), `main form[action="/admin/modules/`+id+`"]`)
	again.Set("summary", "Deux heures : l'essentiel ?")
	expectRedirect(t, b.post("/admin/modules/"+id, again), http.StatusSeeOther, "/admin/modules/"+id)
	if n, v := audited(); n != 2 || v != 2 {
		t.Errorf("one change saved twice: %d audit entries, version %d; want 2, 2", n, v)
	}
	if after := testdb.String(t, store, `SELECT after->>'summary' FROM audit_log WHERE entity = 'module' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, id); after != "Deux heures\u00a0: l\u2019essentiel\u202f?" {
		t.Errorf("audited summary %q", after)
	}

	// A module imported from a CSV file goes through the same check: stored typeset, keywords as typed.
	csv := strings.Join(admin.ModuleColumns, ";") + "\n" +
		"import-ete;" + typed + ";" + domain + ";;Résumé : l'essentiel.;Lire l'énoncé !;;45;en_ligne;avance;;;l'IA ?;;\n"
	dry := b.postFile("/admin/import", "fichier", "lot.csv", []byte(csv))
	action, _ := dry.doc.Find(`form[action^="/admin/import/"]`).Attr("action")
	if dry.status != http.StatusOK || action == "" {
		t.Fatalf("dry run: %d %q", dry.status, text(dry.doc.Find("main")))
	}
	expectRedirect(t, b.post(action, url.Values{}), http.StatusSeeOther, "/admin/journal?entite=module")
	testdb.Row(t, store, `SELECT title, summary, objectives, keywords FROM modules WHERE slug = 'import-ete'`).Scan(&title, &summary, &objectives, &keywords)
	if title != typeset || summary != "Résumé\u00a0: l\u2019essentiel." || strings.Join(objectives, "|") != "Lire l\u2019énoncé\u202f!" ||
		strings.Join(keywords, "|") != "l'IA ?" {
		t.Errorf("imported title %q, summary %q, objectives %q, keywords %q", title, summary, objectives, keywords)
	}

	// Published, the public page shows the typeset title.
	b.post("/admin/modules/"+id+"/etat", url.Values{"etat": {"published"}})
	if p := newBrowser(t, srv).get("/modules/atelier-d-ete"); p.status != http.StatusOK || p.doc.Find("h1").Text() != typeset {
		t.Errorf("public page: %d, h1 %q", p.status, p.doc.Find("h1").Text())
	}
}
