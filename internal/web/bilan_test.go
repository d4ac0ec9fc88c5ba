package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// bilanEnrolments gives agents of an administration a followed online module, an enrolment and a
// cancelled one.
func bilanEnrolments(t *testing.T, store *postgres.Store, administration string) {
	t.Helper()
	ctx := context.Background()
	var module, other int64
	store.Pool().QueryRow(ctx, `SELECT id FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&module)
	store.Pool().QueryRow(ctx, `SELECT id FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id DESC LIMIT 1`).Scan(&other)
	for i, status := range []string{"completed", "confirmed", "cancelled"} {
		var user int64
		if err := store.Pool().QueryRow(ctx, `INSERT INTO users (email, administration) VALUES ($1, $2) RETURNING id`,
			uniqueEmail("bilan"+strconv.Itoa(i)), administration).Scan(&user); err != nil {
			t.Fatal(err)
		}
		sql := `INSERT INTO enrolments (user_id, module_id, status) VALUES ($1, $2, $3)`
		switch status {
		case "completed":
			sql = `INSERT INTO enrolments (user_id, module_id, status, completed_at) VALUES ($1, $2, $3, now())`
		case "cancelled":
			sql = `INSERT INTO enrolments (user_id, module_id, status, cancelled_at, cancel_reason) VALUES ($1, $2, $3, now(), 'agent')`
		}
		if _, err := store.Pool().Exec(ctx, sql, user, module, status); err != nil {
			t.Fatal(err)
		}
	}
}

// keyFigure reads a key figure of the bilan page by its label.
func keyFigure(p page, label string) string {
	var got string
	p.doc.Find(`section[aria-labelledby="chiffres-cles"] .fr-tile`).Each(func(_ int, s *goquery.Selection) {
		if text(s.Find(".fr-tile__desc")) == label {
			got = strings.ReplaceAll(text(s.Find(".fr-tile__title")), "\u202f", "")
		}
	})
	return got
}

func TestBilan_FiguresAreTheDatabases(t *testing.T) {
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	ctx := context.Background()
	bilanEnrolments(t, store, "Agence de la page bilan")
	sql := func(q string) string {
		var n int
		if err := store.Pool().QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(n)
	}

	p := newBrowser(t, srv).get("/bilan")
	if p.status != http.StatusOK || p.doc.Find("h1").Text() != "Le bilan du Campus" {
		t.Fatalf("bilan: %d", p.status)
	}
	for label, q := range map[string]string{
		"agents formés":       `SELECT count(DISTINCT user_id) FROM enrolments WHERE status IN ('attended', 'completed')`,
		"inscriptions":        `SELECT count(*) FROM enrolments WHERE status <> 'cancelled'`,
		"formations suivies":  `SELECT count(*) FROM enrolments WHERE status IN ('attended', 'completed')`,
		"licences attribuées": `SELECT count(*) FROM licence_requests WHERE allocated_at IS NOT NULL`,
		"formateurs":          `SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id WHERE u.role IN ('trainer', 'admin')`,
	} {
		if got, want := keyFigure(p, label), sql(q); got != want {
			t.Errorf("%s: page %q, SQL %s", label, got, want)
		}
	}
	if keyFigure(p, "inscriptions") == "0" {
		t.Fatal("the test's enrolments are not counted")
	}

	// Every chart is an image with a title and a description, followed by its data table.
	charts := p.doc.Find(`figure.campus-chart svg[role="img"]`)
	if charts.Length() < 5 {
		t.Errorf("%d charts", charts.Length())
	}
	charts.Each(func(_ int, svg *goquery.Selection) {
		labelled, _ := svg.Attr("aria-labelledby")
		ids := strings.Fields(labelled)
		if len(ids) != 2 || p.doc.Find("#"+ids[0]).Is("title") == false || p.doc.Find("#"+ids[1]).Is("desc") == false {
			t.Errorf("chart %q: not labelled by its title and description", labelled)
		}
		fig, _ := svg.Closest("figure").Attr("id")
		if p.doc.Find("#"+fig+"-donnees table caption").Length() != 1 {
			t.Errorf("chart %s has no data table", fig)
		}
	})
	// The domain table says what SQL says.
	p.doc.Find("#par-domaine-donnees tbody tr").Each(func(_ int, tr *goquery.Selection) {
		title := text(tr.Find("th"))
		var made, done int
		store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE e.status <> 'cancelled'), count(*) FILTER (WHERE e.status IN ('attended', 'completed'))
			FROM enrolments e JOIN modules m ON m.id = e.module_id JOIN domains d ON d.id = m.domain_id WHERE d.title = $1`, title).Scan(&made, &done)
		cells := tr.Find("td")
		if got := strings.ReplaceAll(text(cells.Eq(0)), "\u202f", "") + "/" + strings.ReplaceAll(text(cells.Eq(1)), "\u202f", ""); got != strconv.Itoa(made)+"/"+strconv.Itoa(done) {
			t.Errorf("%s: page %s, SQL %d/%d", title, got, made, done)
		}
	})

	t.Run("OpenData", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/bilan/donnees.json")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var f struct {
			Licence      string         `json:"licence"`
			ChiffresCles map[string]int `json:"chiffres_cles"`
			Indicateurs  []struct {
				ID     string `json:"id"`
				Lignes []struct {
					Categorie string         `json:"categorie"`
					Valeurs   map[string]int `json:"valeurs"`
				} `json:"lignes"`
			} `json:"indicateurs"`
		}
		if err := json.NewDecoder(res.Body).Decode(&f); err != nil {
			t.Fatal(err)
		}
		if strconv.Itoa(f.ChiffresCles["inscriptions"]) != sql(`SELECT count(*) FROM enrolments WHERE status <> 'cancelled'`) ||
			!strings.Contains(f.Licence, "etalab") || len(f.Indicateurs) != 6 {
			t.Errorf("JSON: %+v", f.ChiffresCles)
		}
		res2, err := http.Get(srv.URL + "/bilan/donnees.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer res2.Body.Close()
		r := csv.NewReader(res2.Body)
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(recs[0][0], "\uFEFF") != "indicateur" {
			t.Errorf("CSV header %v", recs[0])
		}
		for _, rec := range recs[1:] {
			if rec[0] == "chiffres-cles" && rec[2] == "formations-suivies" && rec[5] != sql(`SELECT count(*) FROM enrolments WHERE status IN ('attended', 'completed')`) {
				t.Errorf("CSV formations suivies %s", rec[5])
			}
		}
	})
}

func TestBilan_Admin(t *testing.T) {
	store := testdb.Seeded(t)
	srv := accountServer(t, store, nil)
	administration := "Agence du bilan filtré " + strconv.FormatInt(seq.Add(1), 10)
	bilanEnrolments(t, store, administration)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)

	p := admin.get("/admin/bilan")
	if p.status != http.StatusOK {
		t.Fatalf("admin bilan: %d", p.status)
	}
	var key string
	p.doc.Find("#administration option").Each(func(_ int, o *goquery.Selection) {
		if o.Text() == administration {
			key, _ = o.Attr("value")
		}
	})
	if key == "" {
		t.Fatal("the administration is not in the filter")
	}
	p = admin.get("/admin/bilan?" + url.Values{"administration": {key}}.Encode())
	if keyFigure(p, "inscriptions") != "2" || keyFigure(p, "formations suivies") != "1" || keyFigure(p, "agents formés") != "1" {
		t.Errorf("filtered figures: %s inscriptions, %s followed, %s trained", keyFigure(p, "inscriptions"), keyFigure(p, "formations suivies"), keyFigure(p, "agents formés"))
	}
	href, _ := p.doc.Find(`a[href^="/admin/bilan/export.csv"]`).Attr("href")
	csvPage := admin.get(href)
	if csvPage.status != http.StatusOK || !strings.Contains(csvPage.body, "chiffres-cles;Chiffres clés;inscriptions;Inscriptions;;2") {
		t.Errorf("export %q: %d %.300s", href, csvPage.status, csvPage.body)
	}
	p = admin.get("/admin/bilan?du=2030-01-01&au=2020-01-01&administration=inconnue")
	if p.status != http.StatusUnprocessableEntity || fieldError(p, "au") == "" || !strings.Contains(text(p.doc.Find("#administration-group")), "Choisissez") {
		t.Errorf("bad filters: %d %q", p.status, fieldError(p, "au"))
	}
	if v, _ := p.doc.Find("#du").Attr("value"); v != "2030-01-01" {
		t.Errorf("typed date lost: %q", v)
	}
	if p := admin.get("/admin/bilan/export.csv?du=demain"); p.status != http.StatusBadRequest ||
		!strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || !strings.Contains(text(p.doc.Find("main")), "Filtres invalides") ||
		p.doc.Find(`main a[href="/admin/bilan?du=demain"]`).Length() != 1 {
		t.Errorf("export with a bad filter: %d", p.status)
	}
	p = admin.get("/admin/bilan?" + url.Values{"administration": {key}, "du": {"01/01/2099"}}.Encode())
	if keyFigure(p, "inscriptions") != "0" {
		t.Errorf("a period in the future: %s inscriptions", keyFigure(p, "inscriptions"))
	}
}
