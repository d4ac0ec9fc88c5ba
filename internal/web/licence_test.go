package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/licence"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// upload posts a multipart form with one file.
func (b *browser) upload(path, field, filename, content string, values url.Values) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile(field, filename)
		fw.Write([]byte(content))
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var partnerSeq int

// testPool creates a partner of its own with a pool of size licences valid around today, so that the
// partner's page offers that pool; it returns the pool's id and the partner's slug.
func testPool(t *testing.T, store *postgres.Store, name string, size int) (int64, string) {
	t.Helper()
	ctx := t.Context()
	partnerSeq++
	slug := "partenaire-essai-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10) + "-" + strconv.Itoa(partnerSeq)
	partner := testdb.Int64(t, store, `INSERT INTO partners (slug, name, short_name, kind) VALUES ($1, $2, 'Essai', 'plateforme')
		RETURNING id`, slug, "Plateforme "+name)
	now := time.Now().In(catalogue.Paris)
	id, err := store.CreateLicencePool(ctx, licence.NewPool{PartnerID: partner, Name: name, Size: size, GrantLabel: "Essai",
		ValidFrom: now.AddDate(0, 0, -1), ValidUntil: now.AddDate(0, 2, 0)}, admin.Actor{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return id, slug
}

// uploadError is the error shown on the file input of the import form.
func uploadError(p page) string {
	return text(p.doc.Find("#codes_file-group.fr-upload-group--error .fr-message--error"))
}

func TestLicence_RequestFromPartnerPage(t *testing.T) {
	// Not parallel: it changes the licences the shared partner pages show, which the parallel tests read.
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)

	anon := newBrowser(t, srv).get("/partenaires/pix")
	box := anon.doc.Find("#licence")
	if box.Length() != 1 || !strings.Contains(text(box), "120 000 licences") {
		t.Fatalf("licence box for anonymous visitors: %q", text(box))
	}
	if href, _ := box.Find("a.fr-btn").Attr("href"); href != "/connexion?suivant=%2Fpartenaires%2Fpix%23licence" {
		t.Errorf("sign-in link %q", href)
	}
	if box.Find("form").Length() != 0 {
		t.Error("anonymous visitors get the request form")
	}
	pixModule := testdb.String(t, store, `SELECT m.slug FROM modules m JOIN partners p ON p.id = m.partner_id
		WHERE p.slug = 'pix' AND m.status = 'published' ORDER BY m.id LIMIT 1`)
	if p := newBrowser(t, srv).get("/modules/" + pixModule); pixModule == "" || p.doc.Find("#licence").Length() != 1 {
		t.Errorf("the page of a Pix module (%q) offers no licence", pixModule)
	}
	if p := newBrowser(t, srv).get("/partenaires/inria"); p.doc.Find("#licence").Length() != 0 {
		t.Error("a partner without licences shows a licence box")
	}

	b, u := signedIn(t, srv, store, account.RoleAgent)
	p := b.get("/partenaires/pix")
	form := p.doc.Find(`#licence form[action="/partenaires/pix/licence"]`)
	if form.Length() != 1 || !strings.Contains(text(form), "Demander une licence Pix") {
		t.Fatalf("no request form for a signed-in agent: %q", text(p.doc.Find("#licence")))
	}
	res := b.post("/partenaires/pix/licence", url.Values{})
	expectRedirect(t, res, http.StatusSeeOther, "/mes-licences")
	mine := b.follow(res)
	if mine.status != http.StatusOK || mine.doc.Find("h1").Text() != "Mes licences" {
		t.Fatalf("/mes-licences: %d %q", mine.status, mine.doc.Find("h1").Text())
	}
	row := mine.doc.Find("table tbody tr")
	if row.Length() != 1 || !strings.Contains(text(row), "Attribuée") || !strings.Contains(text(row), "Certification Pix") {
		t.Errorf("my licences: %q", text(row))
	}
	if !strings.Contains(text(mine.doc.Find(".fr-alert")), "Une licence Pix vous est attribuée") {
		t.Errorf("flash: %q", text(mine.doc.Find(".fr-alert")))
	}
	m, link := lastMail(t, store, u.Email)
	if m.Kind != "licence_allocated" || link != "/mes-licences" {
		t.Errorf("mail %s with link %q", m.Kind, link)
	}
	if p := b.get("/mes-formations"); !strings.Contains(text(p.doc.Find(`section[aria-labelledby="mes-licences"]`)), "Attribuée") {
		t.Errorf("Mes formations does not show the licence: %q", text(p.doc.Find("main")))
	}
	if p := b.get("/partenaires/pix"); !strings.Contains(text(p.doc.Find("#licence")), "Une licence vous est attribuée") {
		t.Errorf("partner page after the request: %q", text(p.doc.Find("#licence")))
	}
	// Giving it back.
	id := testdb.Int64(t, store, `SELECT id FROM licence_requests WHERE user_id = $1`, u.ID)
	other, _ := signedIn(t, srv, store, account.RoleAgent)
	if p := other.post("/mes-licences/"+strconv.FormatInt(id, 10)+"/annuler", url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("another agent cancelling: %d", p.status)
	}
	expectRedirect(t, b.post("/mes-licences/"+strconv.FormatInt(id, 10)+"/annuler", url.Values{}), http.StatusSeeOther, "/mes-licences")
	if p := b.get("/mes-licences"); !strings.Contains(text(p.doc.Find("table tbody")), "Retirée") {
		t.Errorf("after giving it back: %q", text(p.doc.Find("table tbody")))
	}
}

// TestLicence_QueueAndRevoke: a pool of one licence; the second agent waits, the admin revokes the first one's
// licence and the second gets it.
func TestLicence_QueueAndRevoke(t *testing.T) {
	// Not parallel: it changes the licences the shared partner pages show, which the parallel tests read.
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	pool, partner := testPool(t, store, "Licences en file d’attente", 1)
	first, u1 := signedIn(t, srv, store, account.RoleAgent)
	second, u2 := signedIn(t, srv, store, account.RoleAgent)
	expectRedirect(t, first.post("/partenaires/"+partner+"/licence", url.Values{}), http.StatusSeeOther, "/mes-licences")
	res := second.post("/partenaires/"+partner+"/licence", url.Values{})
	mine := second.follow(res)
	if !strings.Contains(text(mine.doc.Find(".fr-alert")), "position 1") || !strings.Contains(text(mine.doc.Find("tbody")), "En attente") {
		t.Fatalf("second agent: %q / %q", text(mine.doc.Find(".fr-alert")), text(mine.doc.Find("tbody")))
	}
	if p := second.get("/partenaires/" + partner); !strings.Contains(text(p.doc.Find("#licence")), "position 1") {
		t.Errorf("partner page of a waiting agent: %q", text(p.doc.Find("#licence")))
	}

	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	page := admin.get("/admin/licences/" + strconv.FormatInt(pool, 10) + "?statut=allocated")
	if page.status != http.StatusOK || !strings.Contains(text(page.doc.Find(`section[aria-labelledby="demandes"]`)), u1.Email) {
		t.Fatalf("pool page: %d %q", page.status, text(page.doc.Find(`section[aria-labelledby="demandes"]`)))
	}
	if got := text(page.doc.Find(`section[aria-labelledby="codes"] > p`).First()); got != "0 code libre sur 0 importé." {
		t.Errorf("codes of a pool without any: %q", got)
	}
	action, _ := page.doc.Find(`section[aria-labelledby="demandes"] form[action$="/retrait"]`).Attr("action")
	res = admin.post(action, url.Values{"motif": {"Départ en retraite"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.status)
	}
	if p := second.get("/mes-licences"); !strings.Contains(text(p.doc.Find("tbody")), "Attribuée") {
		t.Errorf("second agent after the revocation: %q", text(p.doc.Find("tbody")))
	}
	audited := testdb.Int(t, store, `SELECT count(*) FROM audit_log WHERE entity = 'licence_request' AND action = 'revoke'
		AND after->>'motif' = 'Départ en retraite' AND actor_id IS NOT NULL`)
	if audited != 1 {
		t.Errorf("%d audit entries for the revocation", audited)
	}
	if m, _ := lastMail(t, store, u1.Email); m.Kind != "licence_revoked" || !strings.Contains(m.Body, "Départ en retraite") {
		t.Errorf("revocation mail: %s %q", m.Kind, m.Body)
	}
	if m, _ := lastMail(t, store, u2.Email); m.Kind != "licence_allocated" {
		t.Errorf("second agent's mail: %s", m.Kind)
	}
	// Nothing is left: the admin's direct allocation is refused with a message, not a 500.
	third, u3 := signedIn(t, srv, store, account.RoleAgent)
	_ = third
	p := admin.post("/admin/licences/"+strconv.FormatInt(pool, 10)+"/attribution", url.Values{"allocate_email": {u3.Email}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "allocate_email"), "plus de licence libre") {
		t.Errorf("allocating in a full pool: %d %q", p.status, fieldError(p, "allocate_email"))
	}
}

func TestLicence_AdminForms(t *testing.T) {
	// Not parallel: it changes the licences the shared partner pages show, which the parallel tests read.
	store, srv, admin, _ := signedInPortal(t, account.RoleAdmin)

	t.Run("CreatePool", func(t *testing.T) {
		p := admin.post("/admin/licences/nouveau", url.Values{"name": {"Lot <b>test</b>"}, "size": {"douze"}, "valid_from": {"2026-02-30"},
			"valid_until": {"2026-01-01"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid pool: %d", p.status)
		}
		for field, want := range map[string]string{"size": "nombre entier", "valid_from": "date valide"} {
			if got := fieldError(p, field); !strings.Contains(got, want) {
				t.Errorf("%s: error %q, want %q", field, got, want)
			}
		}
		if !strings.Contains(text(p.doc.Find("#partner-group .fr-message--error")), "Choisissez") {
			t.Errorf("partner error: %q", text(p.doc.Find("#partner-group")))
		}
		if v, _ := p.doc.Find("#name").Attr("value"); v != "Lot <b>test</b>" {
			t.Errorf("typed name lost: %q", v)
		}
		if !strings.HasPrefix(p.doc.Find("title").Text(), "Erreur - ") {
			t.Errorf("title %q", p.doc.Find("title").Text())
		}
		partner := testdb.String(t, store, `SELECT id::text FROM partners WHERE slug = 'pix'`)
		res := admin.post("/admin/licences/nouveau", url.Values{"partner": {partner}, "name": {"Pix – lot d'essai : 2026"}, "size": {"1 000"},
			"valid_from": {"01/01/2026"}, "valid_until": {"31/12/2099"}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/admin/licences/") {
			t.Fatalf("create: %d %q", res.status, res.header.Get("Location"))
		}
		page := admin.follow(res)
		if page.doc.Find("h1").Text() != "Pix – lot d’essai\u00a0: 2026" || !strings.Contains(text(page.doc.Find(".fr-tile")), "1 000") {
			t.Errorf("new pool page: %q %q", page.doc.Find("h1").Text(), text(page.doc.Find(".fr-tile")))
		}
	})

	pool, partner := testPool(t, store, "Lot des formulaires", 3)
	base := "/admin/licences/" + strconv.FormatInt(pool, 10)

	t.Run("Quota", func(t *testing.T) {
		p := admin.post(base+"/quotas", url.Values{"quota_administration": {"Ministère des Armées"}, "quota": {"-2"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "quota"), "au moins 0") {
			t.Fatalf("negative quota: %d %q", p.status, fieldError(p, "quota"))
		}
		if v, _ := p.doc.Find("#quota_administration").Attr("value"); v != "Ministère des Armées" {
			t.Errorf("typed administration lost: %q", v)
		}
		expectRedirect(t, admin.post(base+"/quotas", url.Values{"quota_administration": {"DINUM"}, "quota": {"1"}}), http.StatusSeeOther, base+"#quotas")
		// Two DINUM agents: the quota holds the second back.
		a1, _ := signedIn(t, srv, store, account.RoleAgent)
		a2, _ := signedIn(t, srv, store, account.RoleAgent)
		for _, b := range []*browser{a1, a2} {
			expectRedirect(t, b.post("/partenaires/"+partner+"/licence", url.Values{}), http.StatusSeeOther, "/mes-licences")
		}
		page := admin.get(base)
		var cells []string
		page.doc.Find(`section[aria-labelledby="usage"] tbody td`).Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		if usage := strings.Join(cells, "|"); usage != "DINUM|1|1|1" {
			t.Errorf("usage per administration: %q", usage)
		}
		p = admin.post(base+"/quotas", url.Values{"quota_administration": {"dinum"}, "quota": {"0"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "quota"), "1 licences déjà attribuées") {
			t.Errorf("quota below use: %d %q", p.status, fieldError(p, "quota"))
		}
	})

	t.Run("ImportCodes", func(t *testing.T) {
		p := admin.upload(base+"/codes", "codes_file", "codes.csv", "code\nOC-0001\nOC 2\nOC-0001\n", nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", p.status)
		}
		problems := text(p.doc.Find(`section[aria-labelledby="codes"] .fr-alert`))
		if !strings.Contains(problems, "Ligne 3") || !strings.Contains(problems, "Ligne 4") || !strings.Contains(uploadError(p), "refusé") {
			t.Errorf("problems: %q / %q", problems, uploadError(p))
		}
		if p := admin.upload(base+"/codes", "codes_file", "", "", nil); p.status != http.StatusUnprocessableEntity || !strings.Contains(uploadError(p), "Choisissez") {
			t.Errorf("no file: %d %q", p.status, uploadError(p))
		}
		if p := admin.upload(base+"/codes", "codes_file", "codes.xlsx", "code\nOC-0001\n", nil); p.status != http.StatusUnprocessableEntity {
			t.Errorf("not a CSV: %d", p.status)
		}
		res := admin.upload(base+"/codes", "codes_file", "codes.csv", "code;lien\nOC-0001;https://openclassrooms.com/a/1\nOC-0002;\n", nil)
		if res.status != http.StatusSeeOther {
			t.Fatalf("good file: %d %s", res.status, text(res.doc.Find("main")))
		}
		n := testdb.Int(t, store, `SELECT count(*) FROM licence_codes WHERE pool_id = $1 AND request_id IS NOT NULL`, pool)
		if n != 1 {
			t.Errorf("%d codes handed out to the pool's one allocation", n)
		}
	})

	t.Run("AllocateTo", func(t *testing.T) {
		p := admin.post(base+"/attribution", url.Values{"allocate_email": {"personne@exemple.gouv.fr"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(p, "allocate_email"), "Aucun compte") {
			t.Errorf("unknown address: %d %q", p.status, fieldError(p, "allocate_email"))
		}
		p = admin.post(base+"/attribution", url.Values{"allocate_email": {"pas-une-adresse"}})
		if p.status != http.StatusUnprocessableEntity || fieldError(p, "allocate_email") == "" {
			t.Errorf("bad address: %d", p.status)
		}
	})

	t.Run("Lists", func(t *testing.T) {
		p := admin.get("/admin/licences")
		if p.status != http.StatusOK || !strings.Contains(text(p.doc.Find("table")), "Lot des formulaires") {
			t.Errorf("pools list: %d", p.status)
		}
		if p := admin.get("/admin/licences/999999999"); p.status != http.StatusNotFound {
			t.Errorf("unknown pool: %d", p.status)
		}
		if p := admin.get("/admin/licences/abc"); p.status != http.StatusNotFound {
			t.Errorf("malformed id: %d", p.status)
		}
	})
}
