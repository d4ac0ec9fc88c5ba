package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/htmlform"
	"campus/internal/postgres"
	"campus/internal/testdb"
	"campus/internal/web"
	"campus/templates"
)

// backofficeStore is a seeded database of the test's own: these tests publish, rename and archive, which the
// other tests of the package (counting the reference catalogue) must not see.
func backofficeStore(t *testing.T) *postgres.Store {
	t.Helper()
	s := testdb.NewSeeded(t, "backoffice", 10)
	return s
}

// backofficeServer is a portal instance over plain http with its catalogue cache on, kept in step by the
// change feed (as `serve` runs it), and the server itself for walking its routes.
func backofficeServer(t *testing.T, store *postgres.Store) (*httptest.Server, *web.Server) {
	t.Helper()
	return startWatched(t, store, map[string]string{"CAMPUS_BASE_URL": testBase, "CAMPUS_COOKIE_SECURE": "false", "CAMPUS_CLIENT_IP_HEADER": "X-Real-IP"})
}

// backofficeAdmin is the set-up of most back-office tests: a seeded database of the test's own, the portal on
// it with its cache and change feed (backofficeServer), and a browser signed in as an admin.
func backofficeAdmin(t *testing.T) (*postgres.Store, *httptest.Server, *browser) {
	t.Helper()
	store := backofficeStore(t)
	srv, _ := backofficeServer(t, store)
	b, _ := signedIn(t, srv, store, account.RoleAdmin)
	return store, srv, b
}

// postFile sends a file in the import form (multipart).
func (b *browser) postFile(path, field, filename string, content []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var idInPath = regexp.MustCompile(`/(\d+)(/modifier)?$`)

// createdID is the id in the Location of a creation's redirect.
func createdID(t *testing.T, p page) string {
	t.Helper()
	m := idInPath.FindStringSubmatch(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("not created: %d → %q; errors: %s", p.status, p.header.Get("Location"), formMessage(p))
	}
	return m[1]
}

// formValues reads a form of a page as a browser would submit it (htmlform).
func formValues(p page, selector string) url.Values { return htmlform.Values(p.doc.Find(selector)) }

func selectFieldError(p page, name string) string {
	return text(p.doc.Find("#" + name + "-group.fr-select-group--error .fr-message--error"))
}

func moduleForm(slug, title, domain string) url.Values {
	return url.Values{"title": {title}, "slug": {slug}, "domain": {domain}, "summary": {"Concevoir des services numériques sobres."},
		"objectives": {"Mesurer l’empreinte d’un service\nRéduire ses besoins"}, "outline": {"Mesurer\nRéduire"}, "duration": {"420"},
		"format": {"presentiel"}, "level": {"intermediaire"}, "keywords": {"sobriété, RGESN"}}
}

// TestAdmin_Acceptance follows a new admin: create a domain, a module in it and a session, publish, see it on
// the public pages at once (the catalogue cache is on), rename the slug and follow the old URL, import a CSV
// with a bad row, edit concurrently with another admin, read it all in the audit log; an agent gets 403
// everywhere under /admin.
func TestAdmin_Acceptance(t *testing.T) {
	t.Parallel()
	store := backofficeStore(t)
	srv, portal := backofficeServer(t, store)
	b, me := signedIn(t, srv, store, account.RoleAdmin)
	anon := newBrowser(t, srv)

	if p := b.get("/admin"); p.status != http.StatusOK || text(p.doc.Find("h1")) != "Administration du Campus" {
		t.Fatalf("/admin: %d %q", p.status, text(p.doc.Find("h1")))
	}

	// A domain, published.
	domainID := createdID(t, b.post("/admin/domaines", url.Values{"title": {"Écoconception des services"},
		"summary": {"Des services publics numériques sobres."}, "position": {"20"}}))
	if p := b.follow(b.post("/admin/domaines/"+domainID+"/etat", url.Values{"etat": {"published"}})); !strings.Contains(text(p.doc.Find(".fr-alert")), "Publié") {
		t.Fatalf("publish domain: %s", text(p.doc.Find("main")))
	}
	const domainSlug = "ecoconception-des-services"

	// A module in it, and a session.
	moduleID := createdID(t, b.post("/admin/modules", moduleForm("", "Écoconcevoir un service public", domainSlug)))
	const slug = "ecoconcevoir-un-service-public"
	start := time.Now().In(catalogue.Paris).AddDate(0, 0, 20)
	start = time.Date(start.Year(), start.Month(), start.Day(), 9, 30, 0, 0, catalogue.Paris)
	sessionID := createdID(t, b.post("/admin/sessions", url.Values{"module": {slug}, "starts_at": {start.Format(admin.DateTimeLayout)},
		"ends_at": {start.Add(7 * time.Hour).Format(admin.DateTimeLayout)}, "place_name": {"Campus – Ségur"},
		"address": {"20 avenue de Ségur"}, "city": {"Paris"}, "capacity": {"15"}, "trainer": {fmt.Sprint(me.ID)}}))

	// Not public while a draft; then published and visible at once, through the cache.
	if p := anon.get("/modules/" + slug); p.status != http.StatusNotFound {
		t.Fatalf("draft module is public: %d", p.status)
	}
	anon.get("/domaines/" + domainSlug) // cached without the module
	b.post("/admin/modules/"+moduleID+"/etat", url.Values{"etat": {"published"}})
	p := anon.get("/modules/" + slug)
	if p.status != http.StatusOK || text(p.doc.Find("h1")) != "Écoconcevoir un service public" ||
		!strings.Contains(text(p.doc.Find("main")), "Campus – Ségur") {
		t.Fatalf("published module: %d %q", p.status, text(p.doc.Find("h1")))
	}
	if p := anon.get("/domaines/" + domainSlug); !strings.Contains(text(p.doc.Find("main")), "Écoconcevoir un service public") {
		t.Fatal("the domain page (cached before) does not list the published module")
	}

	// Rename the slug: the old URL redirects, at once.
	form := formValues(b.get("/admin/modules/"+moduleID), `main form[action="/admin/modules/`+moduleID+`"]`)
	form.Set("slug", "ecoconception-d-un-service")
	expectRedirect(t, b.post("/admin/modules/"+moduleID, form), http.StatusSeeOther, "/admin/modules/"+moduleID)
	old := anon.get("/modules/" + slug + "?utm=lettre")
	expectRedirect(t, old, http.StatusMovedPermanently, "/modules/ecoconception-d-un-service?utm=lettre")
	if p := anon.follow(old); p.status != http.StatusOK || text(p.doc.Find("h1")) != "Écoconcevoir un service public" {
		t.Fatalf("following the old URL: %d", p.status)
	}
	// Archived, the old URL still leads to its page (410); back to draft, it says nothing of the new one; published
	// again, it redirects again.
	b.post("/admin/modules/"+moduleID+"/etat", url.Values{"etat": {"archived"}})
	expectRedirect(t, anon.get("/modules/"+slug), http.StatusMovedPermanently, "/modules/ecoconception-d-un-service")
	b.post("/admin/modules/"+moduleID+"/etat", url.Values{"etat": {"draft"}})
	if p := anon.get("/modules/" + slug); p.status != http.StatusNotFound || p.header.Get("Location") != "" {
		t.Errorf("the old URL of a draft: %d → %q", p.status, p.header.Get("Location"))
	}
	b.post("/admin/modules/"+moduleID+"/etat", url.Values{"etat": {"published"}})
	expectRedirect(t, anon.get("/modules/"+slug), http.StatusMovedPermanently, "/modules/ecoconception-d-un-service")

	// A CSV with a bad row: the dry run shows it with its line, nothing is imported, nothing can be applied.
	csv := "\uFEFF" + strings.Join(admin.ModuleColumns, ";") + "\r\n" +
		"import-un;Premier module importé;" + domainSlug + ";;Résumé.;;;60;en_ligne;decouverte;;;;;\r\n" +
		"import-deux;Deuxième;domaine-inconnu;;Résumé.;;;soixante;en_ligne;decouverte;;;;;\r\n"
	dry := b.postFile("/admin/import", "fichier", "modules.csv", []byte(csv))
	row := text(dry.doc.Find("#ligne-3"))
	if dry.status != http.StatusOK || !strings.Contains(row, "Refusée") || !strings.Contains(row, "Domaine inconnu : « domaine-inconnu »") ||
		!strings.Contains(row, "duree_minutes") || !strings.Contains(text(dry.doc.Find("#ligne-2")), "Création") {
		t.Fatalf("dry run: %d, line 3: %q", dry.status, row)
	}
	if dry.doc.Find(`form[action^="/admin/import/"]`).Length() != 0 {
		t.Error("a file with a rejected row offers to be applied")
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM modules WHERE slug LIKE 'import-%'`); n != 0 {
		t.Fatalf("the dry run wrote %d modules", n)
	}

	// Two admins edit the module at once: the second save is refused, with what changed.
	other, _ := signedIn(t, srv, store, account.RoleAdmin)
	mine := formValues(b.get("/admin/modules/"+moduleID), `main form[action="/admin/modules/`+moduleID+`"]`)
	theirs := formValues(other.get("/admin/modules/"+moduleID), `main form[action="/admin/modules/`+moduleID+`"]`)
	theirs.Set("title", "Écoconcevoir un service public (2 jours)")
	expectRedirect(t, other.post("/admin/modules/"+moduleID, theirs), http.StatusSeeOther, "/admin/modules/"+moduleID)
	mine.Set("title", "Écoconception : les bases")
	refused := b.post("/admin/modules/"+moduleID, mine)
	if refused.status != http.StatusConflict {
		t.Fatalf("second save: %d, want 409", refused.status)
	}
	diff := tableRows(refused, "#erreurs-formulaire + .fr-table")
	if !strings.Contains(formMessage(refused), "n’ont pas été enregistrées") || len(diff) != 1 ||
		diff[0] != "Titre | Écoconcevoir un service public (2 jours) | Écoconception : les bases" {
		t.Errorf("conflict page: %q / %q", formMessage(refused), diff)
	}
	if v, _ := refused.doc.Find("#title").Attr("value"); v != "Écoconception : les bases" {
		t.Errorf("typed title lost: %q", v)
	}
	title := testdb.String(t, store, `SELECT title FROM modules WHERE id = $1`, moduleID)
	if title != "Écoconcevoir un service public (2 jours)" {
		t.Fatalf("the stale save overwrote: %q", title)
	}
	// Saving again from the conflict page is a deliberate choice: it goes through.
	expectRedirect(t, b.post("/admin/modules/"+moduleID, formValues(refused, `main form[action="/admin/modules/`+moduleID+`"]`)),
		http.StatusSeeOther, "/admin/modules/"+moduleID)

	// The audit log shows all of it.
	journal := strings.Join(tableRows(b.get("/admin/journal"), "main .fr-table"), "\n")
	for _, want := range []string{
		me.DisplayName() + " | Domaine : Écoconception des services | Création |",
		"| Domaine : Écoconception des services | Changement d’état | État : Brouillon → Publié",
		"| Module : Écoconcevoir un service public | Création | Adresse de la page : ecoconcevoir-un-service-public",
		"| Module : Écoconcevoir un service public | Changement d’état | État : Brouillon → Publié",
		"| Module : Écoconcevoir un service public | Modification | Adresse de la page : ecoconcevoir-un-service-public → ecoconception-d-un-service",
		"| Module : Écoconception : les bases | Modification | Titre : Écoconcevoir un service public (2 jours) → Écoconception : les bases",
		"| Session : Écoconcevoir un service public – ",
	} {
		if !strings.Contains(journal, want) {
			t.Errorf("journal lacks %q:\n%s", want, journal)
		}
	}
	moduleLog := b.get("/admin/journal?entite=module&id=" + moduleID)
	if n := moduleLog.doc.Find("main tbody tr").Length(); n != 8 {
		t.Errorf("module history: %d entries, want 8 (creation, publication, slug, archive, draft, publication, two edits)", n)
	}
	if p := b.get("/admin/sessions/" + sessionID + "/modifier"); p.status != http.StatusOK {
		t.Errorf("session edit page: %d", p.status)
	}

	// An agent gets 403 on every admin route, GET and POST.
	agent, _ := signedIn(t, srv, store, account.RoleAgent)
	routes := 0
	chi.Walk(portal.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(pattern, "/admin") {
			return nil
		}
		routes++
		if pattern != "/admin/" {
			pattern = strings.TrimSuffix(pattern, "/")
		} else {
			pattern = "/admin"
		}
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(pattern, "1")
		var p page
		if method == http.MethodPost {
			p = agent.post(path, url.Values{"etat": {"archived"}, "action": {"retirer"}})
		} else {
			p = agent.get(path)
		}
		if p.status != http.StatusForbidden {
			t.Errorf("agent %s %s: %d, want 403", method, path, p.status)
		}
		return nil
	})
	if routes < 40 {
		t.Errorf("only %d admin routes walked", routes)
	}
}

func TestAdmin_FormErrorsKeepValues(t *testing.T) {
	t.Parallel()
	store, _, b, _ := signedInPortal(t, account.RoleAdmin)

	form := moduleForm("Pas Une Adresse", "Un module au titre gardé", "domaine-inconnu")
	form.Set("duration", "deux heures")
	form.Set("external_url", "http://non-securise.example")
	form.Add("audiences", "public-inconnu")
	p := b.post("/admin/modules", form)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.status)
	}
	checkFrame(t, "/admin/modules (erreurs)", p)
	if !strings.HasPrefix(p.doc.Find("title").Text(), "Erreur") {
		t.Errorf("title %q does not say the form has errors", p.doc.Find("title").Text())
	}
	for name, want := range map[string]string{"slug": "lettres minuscules", "duration": "nombre entier", "external_url": "https://"} {
		if got := fieldError(p, name); !strings.Contains(got, want) {
			t.Errorf("%s: error %q, want %q", name, got, want)
		}
	}
	if got := selectFieldError(p, "domain"); !strings.Contains(got, "Domaine inconnu") {
		t.Errorf("domain: %q", got)
	}
	if got := text(p.doc.Find("#audiences-group .fr-message--error")); !strings.Contains(got, "Public inconnu") {
		t.Errorf("audiences: %q", got)
	}
	if v, _ := p.doc.Find("#title").Attr("value"); v != "Un module au titre gardé" {
		t.Errorf("typed title lost: %q", v)
	}
	if v := p.doc.Find("#objectives").Text(); !strings.Contains(v, "Réduire ses besoins") {
		t.Errorf("typed objectives lost: %q", v)
	}
	if n := p.doc.Find("#erreurs-formulaire li").Length(); n != 5 {
		t.Errorf("%d errors in the summary, want 5", n)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM modules WHERE title = 'Un module au titre gardé'`); n != 0 {
		t.Error("an invalid module was saved")
	}

	// A session in the past, with no place, for an online module.
	online := testdb.String(t, store, `SELECT slug FROM modules WHERE format = 'en_ligne' LIMIT 1`)
	p = b.post("/admin/sessions", url.Values{"module": {online}, "starts_at": {"2020-01-01T09:00"}, "ends_at": {"2020-01-01T08:00"}, "capacity": {"0"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(selectFieldError(p, "module"), "en ligne") ||
		!strings.Contains(fieldError(p, "ends_at"), "après le début") || !strings.Contains(fieldError(p, "place_name"), "lieu") ||
		!strings.Contains(fieldError(p, "capacity"), "entre 1 et 1000") {
		t.Errorf("session errors: %d %s", p.status, formMessage(p))
	}

	// Unknown ids answer 404; malformed ones too.
	for _, path := range []string{"/admin/modules/99999999", "/admin/modules/abc", "/admin/domaines/0", "/admin/parcours/99999999",
		"/admin/sessions/99999999/modifier", "/admin/apercu/modules/inconnu", "/admin/apercu/inconnu/x", "/admin/export/inconnu.csv"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.status)
		}
	}
	for _, path := range []string{"/admin/modules/99999999", "/admin/modules/99999999/etat", "/admin/parcours/99999999/modules/1",
		"/admin/import/jeton-inconnu"} {
		if p := b.post(path, url.Values{"etat": {"published"}, "action": {"monter"}}); p.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, p.status)
		}
	}
}

func TestAdmin_TrackOrderAndPreview(t *testing.T) {
	t.Parallel()
	store, srv, b := backofficeAdmin(t)
	anon := newBrowser(t, srv)

	domain := testdb.String(t, store, `SELECT slug FROM domains WHERE status = 'published' ORDER BY position LIMIT 1`)
	id := createdID(t, b.post("/admin/parcours", url.Values{"title": {"Parcours de test ordonné"}, "domain": {domain},
		"summary": {"Trois modules dans un ordre choisi."}, "participants": {"0"}}))
	var mods []struct {
		id    int64
		title string
	}
	for _, id := range testdb.Column[int64](t, store, `SELECT id FROM modules WHERE status = 'published' ORDER BY id LIMIT 3`) {
		m := struct {
			id    int64
			title string
		}{id: id}
		testdb.Row(t, store, `SELECT title FROM modules WHERE id = $1`, id).Scan(&m.title)
		mods = append(mods, m)
	}
	for _, m := range mods {
		expectRedirect(t, b.post("/admin/parcours/"+id+"/modules", url.Values{"module": {fmt.Sprint(m.id)}}),
			http.StatusSeeOther, "/admin/parcours/"+id+"#modules")
	}
	// Move the last one up twice, with the buttons of the page (plain POST forms).
	for range 2 {
		page := b.get("/admin/parcours/" + id)
		action := fmt.Sprintf("/admin/parcours/%s/modules/%d", id, mods[2].id)
		if page.doc.Find(`form[action="`+action+`"] button[value="monter"]`).Length() != 1 {
			t.Fatalf("no Monter button for %s", action)
		}
		b.post(action, url.Values{"action": {"monter"}})
	}
	p := b.get("/admin/parcours/" + id)
	order := p.doc.Find("#modules ~ .fr-table tbody th")
	if order.Length() != 3 || text(order.Eq(0)) != foldSpace(mods[2].title) || text(order.Eq(1)) != foldSpace(mods[0].title) {
		t.Fatalf("order: %q", text(order))
	}
	if p.doc.Find(`form[action$="/modules/`+fmt.Sprint(mods[2].id)+`"] button[value="monter"]`).Length() != 0 {
		t.Error("the first module offers to move up")
	}
	if p := b.follow(b.post(fmt.Sprintf("/admin/parcours/%s/modules/%d", id, mods[2].id), url.Values{"action": {"monter"}})); !strings.Contains(text(p.doc.Find(".fr-alert")), "déjà le premier") {
		t.Errorf("moving the first up: %q", text(p.doc.Find(".fr-alert")))
	}

	// Preview of the draft track, as agents will see it; the public page does not exist yet.
	slug := "parcours-de-test-ordonne"
	if p := anon.get("/parcours/" + slug); p.status != http.StatusNotFound {
		t.Fatalf("draft track public: %d", p.status)
	}
	prev := b.get("/admin/apercu/parcours/" + slug)
	if prev.status != http.StatusOK || text(prev.doc.Find("h1")) != "Parcours de test ordonné" ||
		!strings.Contains(text(prev.doc.Find(".fr-alert")), "Brouillon") || prev.header.Get("X-Robots-Tag") != "noindex" {
		t.Fatalf("preview: %d %q %q", prev.status, text(prev.doc.Find("h1")), text(prev.doc.Find(".fr-alert")))
	}
	checkFrame(t, "preview", prev)
	cards := prev.doc.Find("main .fr-card__title")
	if cards.Length() != 3 || text(cards.Eq(0)) != foldSpace(mods[2].title) {
		t.Errorf("preview order: %q", text(cards))
	}
	// Published: the public page shows the same order.
	b.post("/admin/parcours/"+id+"/etat", url.Values{"etat": {"published"}})
	pub := anon.get("/parcours/" + slug)
	if pub.status != http.StatusOK || text(pub.doc.Find("main .fr-card__title").Eq(0)) != mods[2].title {
		t.Fatalf("public track: %d %q", pub.status, text(pub.doc.Find("main .fr-card__title")))
	}
	// Archived: 410, its URL kept.
	b.post("/admin/parcours/"+id+"/etat", url.Values{"etat": {"archived"}})
	if p := anon.get("/parcours/" + slug); p.status != http.StatusGone {
		t.Errorf("archived track: %d, want 410", p.status)
	}
}

func TestAdmin_ImportExport(t *testing.T) {
	t.Parallel()
	store, srv, b := backofficeAdmin(t)

	exp := b.get("/admin/export/modules.csv")
	if exp.status != http.StatusOK || !strings.HasPrefix(exp.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(exp.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", exp.status, exp.header)
	}
	if !strings.HasPrefix(exp.body, "\uFEFF"+strings.Join(admin.ModuleColumns, ";")+"\r\n") {
		t.Fatalf("export header: %.200q", exp.body)
	}

	t.Run("RoundTripChangesNothing", func(t *testing.T) {
		p := b.postFile("/admin/import", "fichier", "modules.csv", []byte(exp.body))
		if p.status != http.StatusOK || !strings.Contains(text(p.doc.Find(".fr-alert")), "ne change rien") {
			t.Fatalf("round trip: %d %q", p.status, text(p.doc.Find(".fr-alert")))
		}
	})

	refusals := map[string]struct {
		content []byte
		want    string
	}{
		"InvalidUTF8":   {[]byte(strings.Join(admin.ModuleColumns, ";") + "\ncafe;Caf\xe9;data;;r;;;60;en_ligne;decouverte;;;;;\n"), "pas encodé en UTF-8"},
		"WrongHeader":   {[]byte("slug,titre,domaine\nx,y,z\n"), "points-virgules"},
		"MissingColumn": {[]byte(strings.Join(admin.ModuleColumns[:14], ";") + "\n"), "l’en-tête doit être exactement"},
		"Oversized":     {bytes.Repeat([]byte("a;"), admin.MaxImportBytes/2+10), "2 Mo"},
		"Empty":         {nil, "Le fichier est vide"},
	}
	for name, c := range refusals {
		t.Run("Err"+name, func(t *testing.T) {
			p := b.postFile("/admin/import", "fichier", "x.csv", c.content)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError2(p, "fichier"), c.want) {
				t.Errorf("%d, error %q, want %q", p.status, fieldError2(p, "fichier"), c.want)
			}
		})
	}
	if p := b.post("/admin/import", url.Values{}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("no multipart body: %d", p.status)
	}

	t.Run("ApplyOnce", func(t *testing.T) {
		lines := strings.Split(strings.TrimPrefix(exp.body, "\uFEFF"), "\r\n")
		changed := strings.Replace(lines[1], ";publié", ";archivé", 1)
		data := lines[0] + "\n" + changed + "\n" + "import-web;Importé depuis le web;" + strings.Split(lines[1], ";")[2] + ";;Résumé.;;;45;en_ligne;avance;;;;;\n"
		dry := b.postFile("/admin/import", "fichier", "lot.csv", []byte(data))
		apply := dry.doc.Find(`form[action^="/admin/import/"]`)
		action, _ := apply.Attr("action")
		if dry.status != http.StatusOK || action == "" || !strings.Contains(text(dry.doc.Find("#ligne-2")), "État : Publié → Archivé") {
			t.Fatalf("dry run: %d %q", dry.status, text(dry.doc.Find("main table")))
		}
		// The token applies the file: the database keeps only its hash, and only its admin may post it.
		token := strings.TrimPrefix(action, "/admin/import/")
		if n := testdb.Int(t, store, `SELECT count(*) FROM admin_imports WHERE token_hash = sha256(convert_to($1::text, 'UTF8'))
			AND strpos(row_to_json(admin_imports)::text, $1::text) = 0`, token); n != 1 {
			t.Errorf("%d dry runs stored under the hash of their token alone, want 1", n)
		}
		other, _ := signedIn(t, srv, store, account.RoleAdmin)
		if p := other.post(action, url.Values{}); p.status != http.StatusNotFound {
			t.Errorf("another admin posting the token: %d, want 404", p.status)
		}
		if n := testdb.Int(t, store, `SELECT count(*) FROM modules WHERE slug = 'import-web'`); n != 0 {
			t.Fatal("another admin applied the dry run")
		}
		expectRedirect(t, b.post(action, url.Values{}), http.StatusSeeOther, "/admin/journal?entite=module")
		if n := testdb.Int(t, store, `SELECT count(*) FROM modules WHERE slug = 'import-web' AND status = 'draft'`); n != 1 {
			t.Error("the import was not applied")
		}
		again := b.post(action, url.Values{})
		expectRedirect(t, again, http.StatusSeeOther, "/admin/import-export")
		if p := b.follow(again); !strings.Contains(text(p.doc.Find(".fr-alert")), "déjà été appliqué") {
			t.Errorf("second apply: %q", text(p.doc.Find(".fr-alert")))
		}
	})

	t.Run("Zip", func(t *testing.T) {
		p := b.get("/admin/export/catalogue.zip")
		zr, err := zip.NewReader(strings.NewReader(p.body), int64(len(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 6 {
			t.Errorf("%d files in the zip", len(zr.File))
		}
	})
}

// fieldError2 is the error of a field group of any DSFR kind (input, select, upload).
func fieldError2(p page, name string) string {
	return text(p.doc.Find("#" + name + "-group .fr-message--error"))
}

func TestAdmin_Dashboard(t *testing.T) {
	t.Parallel()
	store, _, b := backofficeAdmin(t)
	// A session this month, half full, without a trainer.
	now := time.Now().In(catalogue.Paris)
	start := now.Add(-30 * time.Minute) // under way: still to watch
	if start.Month() != now.Month() {
		start = now
	}
	testdb.Exec(t, store, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, city, capacity, seats_taken)
		SELECT 'tableau-de-bord', id, $1, $2, 'Ségur', 'Paris', 10, 5 FROM modules WHERE format = 'presentiel' ORDER BY id LIMIT 1`,
		start, start.Add(2*time.Hour))
	p := b.get("/admin")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	checkFrame(t, "/admin", p)
	sessions := strings.Join(tableRows(p, "#sessions-du-mois ~ .fr-table"), "\n")
	if !strings.Contains(sessions, "| 5 / 10 (50 %) | Programmée |") {
		t.Errorf("this month's sessions:\n%s", sessions)
	}
	// Compact: the sessions to watch only, a dozen at most.
	if n := p.doc.Find("#sessions-du-mois ~ .fr-table").First().Find("tbody tr").Length(); n == 0 || n > templates.DashboardWatch {
		t.Errorf("%d sessions listed on the dashboard", n)
	}
	modulesPublished := testdb.Int(t, store, `SELECT count(*) FROM modules WHERE status = 'published'`)
	counts := strings.Join(tableRows(p, "#catalogue-etats + .fr-table"), "\n")
	if !strings.Contains(counts, fmt.Sprintf("Modules | 0 | — | %d | 0", modulesPublished)) {
		t.Errorf("counts: %q", counts)
	}
	noTrainer := testdb.Int(t, store, `SELECT count(*) FROM module_sessions WHERE status = 'scheduled' AND trainer_id IS NULL
		AND starts_at > now() AND starts_at < now() + interval '60 days'`)
	if got := text(p.doc.Find("#a-traiter ~ ul")); noTrainer == 0 ||
		!strings.Contains(got, fmt.Sprintf("Sessions des 60 prochains jours sans formateur ou formatrice : %d", noTrainer)) {
		t.Errorf("pending: %q (want %d sessions without trainer)", got, noTrainer)
	}
}

// tableRows reads the body rows of the first table matching selector, cells joined with " | ".
func tableRows(p page, selector string) []string {
	var out []string
	p.doc.Find(selector).First().Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("th, td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		out = append(out, strings.Join(cells, " | "))
	})
	return out
}

// TestAdmin_SessionCapacityAndCancel: from the session's edit page, raising the capacity promotes the waitlist,
// lowering it below the seats taken is refused on the field, and cancelling (confirmed) tells every agent;
// both are in the audit log.
func TestAdmin_SessionCapacityAndCancel(t *testing.T) {
	t.Parallel()
	store, _, b := backofficeAdmin(t)
	ctx := t.Context()

	sessionID := testdb.Int64(t, store, `SELECT ms.id FROM module_sessions ms JOIN modules m ON m.id = ms.module_id
		WHERE ms.starts_at > now() + interval '3 days' AND m.status = 'published' ORDER BY ms.starts_at LIMIT 1`)
	testdb.Exec(t, store, `UPDATE module_sessions SET capacity = 1 WHERE id = $1`, sessionID)
	var agents []account.User
	for i := range 3 {
		u := newUser(t, store, fmt.Sprintf("inscrit%d", i), account.RoleAgent)
		if _, err := store.EnrolInSession(ctx, u.ID, sessionID, ""); err != nil {
			t.Fatal(err)
		}
		agents = append(agents, u)
	}
	path := fmt.Sprintf("/admin/sessions/%d", sessionID)

	p := b.post(path+"/capacite", url.Values{"capacity": {"2"}})
	expectRedirect(t, p, http.StatusSeeOther, path+"/modifier")
	if got := text(b.follow(p).doc.Find(".fr-alert")); !strings.Contains(got, "1 personne a quitté la liste d’attente") {
		t.Errorf("flash: %q", got)
	}
	if n := testdb.Int(t, store, `SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'confirmed'`, sessionID); n != 2 {
		t.Errorf("%d confirmed after raising the capacity to 2", n)
	}
	p = b.post(path+"/capacite", url.Values{"capacity": {"1"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "capacity"), "2 personnes ont déjà une place") {
		t.Errorf("lowering below the seats taken: %d %q", p.status, fieldError(p, "capacity"))
	}

	p = b.post(path+"/annulation", url.Values{})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "confirm"), "Cochez la case") {
		t.Errorf("cancel without confirmation: %d %q", p.status, fieldError(p, "confirm"))
	}
	expectRedirect(t, b.post(path+"/annulation", url.Values{"confirm": {"oui"}}), http.StatusSeeOther, path+"/modifier")
	for _, a := range agents {
		ms := recentMails(t, store, a.Email, 1)
		if len(ms) == 0 || ms[0].Kind != enrolment.KindSessionCancelled {
			t.Errorf("%s was not told of the cancellation: %+v", a.Email, ms)
		}
	}
	rows := strings.Join(tableRows(b.get(fmt.Sprintf("/admin/journal?entite=session&id=%d", sessionID)), "main .fr-table"), "\n")
	if !strings.Contains(rows, "| Capacité | Capacité : 1 → 2") || !strings.Contains(rows, "| Annulation | État : Programmée → Annulée") {
		t.Errorf("journal:\n%s", rows)
	}
	if p := b.get(path + "/modifier"); p.doc.Find(`form[action$="/annulation"]`).Length() != 0 {
		t.Error("a cancelled session still offers to be cancelled")
	}
}

// TestAdmin_TailoredProgramme: a track with an administration is a tailored programme: listed apart, public
// under /programmes-sur-mesure, its old slug redirecting there.
func TestAdmin_TailoredProgramme(t *testing.T) {
	t.Parallel()
	store, srv, b := backofficeAdmin(t)
	anon := newBrowser(t, srv)
	domain := testdb.String(t, store, `SELECT slug FROM domains WHERE status = 'published' ORDER BY position LIMIT 1`)

	if p := b.get("/admin/parcours/nouveau?type=programme"); text(p.doc.Find("h1")) != "Créer un programme sur mesure" {
		t.Fatalf("h1 %q", text(p.doc.Find("h1")))
	}
	form := url.Values{"title": {"Programme des cadres de la DGFiP"}, "domain": {domain}, "administration": {"DGFiP"},
		"participants": {"120"}, "summary": {"Un programme pour 120 cadres."}, "featured": {"oui"}}
	p := b.post("/admin/parcours", form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#featured-group .fr-message--error")), "pas mis en avant") {
		t.Fatalf("featured programme: %d %q", p.status, text(p.doc.Find("#featured-group")))
	}
	form.Del("featured")
	id := createdID(t, b.post("/admin/parcours", form))
	if rows := strings.Join(tableRows(b.get("/admin/programmes"), "main .fr-table"), "\n"); !strings.Contains(rows, "Programme des cadres de la DGFiP | DGFiP | Brouillon") {
		t.Errorf("programmes list:\n%s", rows)
	}
	b.post("/admin/parcours/"+id+"/etat", url.Values{"etat": {"published"}})
	if p := anon.get("/programmes-sur-mesure/programme-des-cadres-de-la-dgfip"); p.status != http.StatusOK {
		t.Fatalf("public programme: %d", p.status)
	}
	edit := formValues(b.get("/admin/parcours/"+id), `main form[action="/admin/parcours/`+id+`"]`)
	edit.Set("slug", "programme-cadres-dgfip")
	expectRedirect(t, b.post("/admin/parcours/"+id, edit), http.StatusSeeOther, "/admin/parcours/"+id)
	expectRedirect(t, anon.get("/programmes-sur-mesure/programme-des-cadres-de-la-dgfip"), http.StatusMovedPermanently,
		"/programmes-sur-mesure/programme-cadres-dgfip")
	// The old slug under /parcours also lands on the programme (the track page sends programmes on).
	expectRedirect(t, anon.get("/parcours/programme-des-cadres-de-la-dgfip"), http.StatusMovedPermanently,
		"/programmes-sur-mesure/programme-cadres-dgfip")
}
