package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// bilanEnrolments gives agents of an administration a followed online module, an enrolment and a
// cancelled one.
func bilanEnrolments(t *testing.T, store *postgres.Store, administration string) {
	t.Helper()
	ctx := t.Context()
	var module, other int64
	testdb.Row(t, store, `SELECT id FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id LIMIT 1`).Scan(&module)
	testdb.Row(t, store, `SELECT id FROM modules WHERE format = 'en_ligne' AND status = 'published' ORDER BY id DESC LIMIT 1`).Scan(&other)
	for i, status := range []string{"completed", "confirmed", "cancelled"} {
		var user int64
		testdb.Row(t, store, `INSERT INTO users (email, administration) VALUES ($1, $2) RETURNING id`,
			uniqueEmail("bilan"+strconv.Itoa(i)), administration).Scan(&user)
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
			got = strings.ReplaceAll(strings.TrimSpace(s.Find(".fr-tile__title").Text()), "\u202f", "")
		}
	})
	return got
}

// secondary is the text of a figure hidden so that a total does not give a small count back.
const secondary = "non publié (secret statistique)"

// published is how the public bilan shows a count of people: "moins de 5" from 1 to 4.
func published(n string) string {
	if v, _ := strconv.Atoi(n); v > 0 && v < 5 {
		return "moins de 5"
	}
	return n
}

// jsonCount and csvCount read a value of the bilan's files as the page shows it.
func jsonCount(n *int) string {
	if n == nil {
		return "moins de 5"
	}
	return strconv.Itoa(*n)
}

func csvCount(rec []string) string {
	switch {
	case rec[6] == "true" && rec[7] == "moins-de-5" && rec[5] == "":
		return "moins de 5"
	case rec[6] == "true" && rec[7] == "secret-secondaire" && rec[5] == "":
		return secondary
	case rec[6] == "false" && rec[7] == "":
		return rec[5]
	}
	return "invalid " + strings.Join(rec[5:], "|")
}

func TestBilan_FiguresAreTheDatabases(t *testing.T) {
	t.Parallel()
	// It adds agents and enrolments: a seeded database of its own, not the shared one other tests read.
	store := testdb.NewSeeded(t, "bilan", 10)
	srv := accountServer(t, store, nil)
	bilanEnrolments(t, store, "Agence de la page bilan")
	sql := func(q string) string {
		var n int
		testdb.Row(t, store, q).Scan(&n)
		return strconv.Itoa(n)
	}

	p := newBrowser(t, srv).get("/bilan")
	if p.status != http.StatusOK || p.doc.Find("h1").Text() != "Le bilan du Campus" {
		t.Fatalf("bilan: %d", p.status)
	}
	for label, q := range map[string]string{
		"agents formés sur le Campus":            `SELECT count(DISTINCT user_id) FROM enrolments WHERE status IN ('attended', 'completed')`,
		"participants aux programmes sur mesure": `SELECT coalesce(sum(participants), 0) FROM tracks WHERE status = 'published' AND administration <> ''`,
		"inscriptions":                           `SELECT count(*) FROM enrolments WHERE status <> 'cancelled'`,
		"formations suivies":                     `SELECT count(*) FROM enrolments WHERE status IN ('attended', 'completed')`,
		"licences attribuées":                    `SELECT count(*) FROM licence_requests WHERE allocated_at IS NOT NULL`,
		"formateurs":                             `SELECT count(*) FROM trainer_profiles tp JOIN users u ON u.id = tp.user_id WHERE u.role IN ('trainer', 'admin')`,
	} {
		if got, want := keyFigure(p, label), published(sql(q)); got != want {
			t.Errorf("%s: page %q, SQL %s", label, got, want)
		}
	}
	if keyFigure(p, "inscriptions") == "0" {
		t.Fatal("the test's enrolments are not counted")
	}
	// The programmes page and the partners page give the same figures, from the same data.
	participants, _ := strconv.Atoi(sql(`SELECT coalesce(sum(participants), 0) FROM tracks WHERE status = 'published' AND administration <> ''`))
	if got, want := text(newBrowser(t, srv).get("/programmes-sur-mesure").doc.Find("main")), "suivis par "+foldSpace(catalogue.Count(participants))+" agents"; participants == 0 || !strings.Contains(got, want) {
		t.Errorf("programmes page: want %q in %q", want, got)
	}
	pix := sql(`SELECT coalesce(sum(size), 0) FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id WHERE p.slug = 'pix' AND current_date BETWEEN lp.valid_from AND lp.valid_until`)
	n, _ := strconv.Atoi(pix)
	if got, want := text(newBrowser(t, srv).get("/partenaires").doc.Find(".fr-text--lead")), foldSpace(catalogue.Count(n))+" licences Pix"; n == 0 || !strings.Contains(got, want) {
		t.Errorf("partners page: want %q in %q", want, got)
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
		testdb.Row(t, store, `SELECT count(*) FILTER (WHERE e.status <> 'cancelled'), count(*) FILTER (WHERE e.status IN ('attended', 'completed'))
			FROM enrolments e JOIN modules m ON m.id = e.module_id JOIN domains d ON d.id = m.domain_id WHERE d.title = $1`, title).Scan(&made, &done)
		cells := tr.Find("td")
		for i, n := range []int{made, done} {
			if got := strings.ReplaceAll(text(cells.Eq(i)), "\u202f", ""); got != published(strconv.Itoa(n)) && got != secondary {
				t.Errorf("%s: page %s, SQL %d", title, got, n)
			}
		}
	})

	t.Run("OpenData", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/bilan/donnees.json")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var f struct {
			Licence      string          `json:"licence"`
			ChiffresCles map[string]*int `json:"chiffres_cles"`
			Indicateurs  []struct {
				ID     string `json:"id"`
				Lignes []struct {
					Categorie string          `json:"categorie"`
					Valeurs   map[string]*int `json:"valeurs"`
				} `json:"lignes"`
			} `json:"indicateurs"`
		}
		if err := json.NewDecoder(res.Body).Decode(&f); err != nil {
			t.Fatal(err)
		}
		if jsonCount(f.ChiffresCles["inscriptions"]) != published(sql(`SELECT count(*) FROM enrolments WHERE status <> 'cancelled'`)) ||
			!strings.Contains(f.Licence, "etalab") || len(f.Indicateurs) != 6 {
			t.Errorf("JSON: %+v", f.ChiffresCles)
		}
		recs := readSheet(t, []byte(get(t, srv, "/bilan/donnees.csv").body))
		if recs[0][0] != "indicateur" {
			t.Errorf("CSV header %v", recs[0])
		}
		for _, rec := range recs[1:] {
			if rec[0] == "chiffres-cles" && rec[2] == "formations-suivies" && csvCount(rec) != published(sql(`SELECT count(*) FROM enrolments WHERE status IN ('attended', 'completed')`)) {
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
	if keyFigure(p, "inscriptions") != "2" || keyFigure(p, "formations suivies") != "1" || keyFigure(p, "agents formés sur le Campus") != "1" {
		t.Errorf("filtered figures: %s inscriptions, %s followed, %s trained", keyFigure(p, "inscriptions"), keyFigure(p, "formations suivies"), keyFigure(p, "agents formés sur le Campus"))
	}
	// Every total follows the administration: its trainers and the participants of the programmes built for it
	// only (none yet), then once a trainer of it and a programme for it exist.
	if keyFigure(p, "formateurs") != "0" || keyFigure(p, "participants aux programmes sur mesure") != "0" || keyFigure(p, "cadres dirigeants formés") != "0" {
		t.Errorf("filtered stocks: %s trainers, %s programme participants, %s senior executives", keyFigure(p, "formateurs"),
			keyFigure(p, "participants aux programmes sur mesure"), keyFigure(p, "cadres dirigeants formés"))
	}
	var trainerID, domain int64
	testdb.Row(t, store, `INSERT INTO users (email, role, administration) VALUES ($1, 'trainer', $2) RETURNING id`,
		uniqueEmail("bilan-formateur"), administration).Scan(&trainerID)
	testdb.Exec(t, store, `INSERT INTO trainer_profiles (user_id, kind, organisation) VALUES ($1, 'interne', $2)`, trainerID, administration)
	testdb.Row(t, store, `SELECT id FROM domains WHERE slug = 'data'`).Scan(&domain)
	slug := "programme-bilan-" + strconv.FormatInt(seq.Add(1), 10)
	testdb.Exec(t, store, `INSERT INTO tracks (slug, domain_id, title, status, administration, participants)
		VALUES ($1, $2, 'Programme du bilan filtré', 'published', $3, 42)`, slug, domain, administration)
	t.Cleanup(func() { testdb.Exec(t, store, `DELETE FROM tracks WHERE slug = $1`, slug) })
	p = admin.get("/admin/bilan?" + url.Values{"administration": {key}}.Encode())
	if keyFigure(p, "formateurs") != "1" || keyFigure(p, "participants aux programmes sur mesure") != "42" {
		t.Errorf("filtered stocks: %s trainers, %s programme participants, want 1 and 42", keyFigure(p, "formateurs"),
			keyFigure(p, "participants aux programmes sur mesure"))
	}
	// A period that ends before they joined leaves them out.
	p = admin.get("/admin/bilan?" + url.Values{"administration": {key}, "du": {"2020-01-01"}, "au": {"2020-12-31"}}.Encode())
	if keyFigure(p, "formateurs") != "0" || keyFigure(p, "participants aux programmes sur mesure") != "0" {
		t.Errorf("stocks of a past period: %s trainers, %s programme participants", keyFigure(p, "formateurs"), keyFigure(p, "participants aux programmes sur mesure"))
	}
	p = admin.get("/admin/bilan?" + url.Values{"administration": {key}}.Encode())
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

// TestBilan_SmallCountsHidden: enrolments in three domains (2, 7 and 12) and 3 agents trained. The public page,
// its CSV and its JSON publish no count of people from 1 to 4: 2 is "moins de 5" (null with its reason in the
// files), 7 is hidden too (2 alone would be the total minus the published values), 12 and the totals are exact.
func TestBilan_SmallCountsHidden(t *testing.T) {
	t.Parallel()
	store := testdb.NewSeeded(t, "bilansecret", 4)
	ctx := t.Context()
	rows, err := store.Pool().Query(ctx, `SELECT DISTINCT ON (m.domain_id) m.id, d.title FROM modules m JOIN domains d ON d.id = m.domain_id
		WHERE m.format = 'en_ligne' AND m.status = 'published' ORDER BY m.domain_id, m.id LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	var modules []int64
	var domains []string
	for rows.Next() {
		var id int64
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			t.Fatal(err)
		}
		modules, domains = append(modules, id), append(domains, title)
	}
	if rows.Err() != nil || len(modules) != 3 {
		t.Fatalf("%d modules: %v", len(modules), rows.Err())
	}
	existing := testdb.Int(t, store, `SELECT count(*) FROM enrolments`)
	if existing != 0 {
		t.Fatalf("the seed has %d enrolments: the figures below assume none", existing)
	}
	trained := 0
	for i, n := range []int{2, 7, 12} {
		for k := range n {
			var user int64
			testdb.Row(t, store, `INSERT INTO users (email) VALUES ($1) RETURNING id`,
				uniqueEmail("secret"+strconv.Itoa(i)+"-"+strconv.Itoa(k))).Scan(&user)
			status, completed := "confirmed", "NULL"
			if i == 2 && k < 3 {
				status, completed, trained = "completed", "now()", trained+1
			}
			if _, err := store.Pool().Exec(ctx, `INSERT INTO enrolments (user_id, module_id, status, completed_at) VALUES ($1, $2, $3, `+completed+`)`,
				user, modules[i], status); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv := newServer(t, store)
	want := map[string]string{domains[0]: "moins de 5", domains[1]: secondary, domains[2]: "12"}

	p := get(t, srv, "/bilan")
	if got := keyFigure(p, "inscriptions"); got != "21" {
		t.Errorf("inscriptions: %q, want the exact total 21", got)
	}
	if got := keyFigure(p, "agents formés sur le Campus"); got != "moins de 5" {
		t.Errorf("agents formés (%d): %q", trained, got)
	}
	p.doc.Find("#par-domaine-donnees tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if w, ok := want[text(tr.Find("th"))]; ok {
			if got := text(tr.Find("td").Eq(0)); got != w {
				t.Errorf("page, %s: %q, want %q", text(tr.Find("th")), got, w)
			}
		}
	})
	if desc := p.doc.Find("#par-domaine desc").Text(); !strings.Contains(desc, domains[0]+" : moins de 5") {
		t.Errorf("the chart's description states the hidden figure otherwise: %s", desc)
	}
	// No table of the page shows a count from 1 to 4.
	p.doc.Find("table td").Each(func(_ int, td *goquery.Selection) {
		if v, err := strconv.Atoi(strings.ReplaceAll(text(td), "\u202f", "")); err == nil && v > 0 && v < 5 {
			t.Errorf("page publishes %d: %s", v, text(td.Parent()))
		}
	})

	var f struct {
		ChiffresCles map[string]*int   `json:"chiffres_cles"`
		Masques      map[string]string `json:"chiffres_cles_masques"`
		Indicateurs  []struct {
			ID     string `json:"id"`
			Lignes []struct {
				Libelle  string            `json:"libelle"`
				Valeurs  map[string]*int   `json:"valeurs"`
				Masquees map[string]string `json:"valeurs_masquees"`
			} `json:"lignes"`
		} `json:"indicateurs"`
	}
	if err := json.Unmarshal([]byte(get(t, srv, "/bilan/donnees.json").body), &f); err != nil {
		t.Fatal(err)
	}
	if f.ChiffresCles["agents-formes"] != nil || f.Masques["agents-formes"] != "moins-de-5" || jsonCount(f.ChiffresCles["inscriptions"]) != "21" {
		t.Errorf("JSON key figures: %v %v", f.ChiffresCles, f.Masques)
	}
	for _, in := range f.Indicateurs {
		for _, l := range in.Lignes {
			for serie, v := range l.Valeurs {
				if v != nil && *v > 0 && *v < 5 {
					t.Errorf("JSON %s %s %s: %d", in.ID, l.Libelle, serie, *v)
				}
				if (v == nil) != (l.Masquees[serie] != "") {
					t.Errorf("JSON %s %s %s: value %v, flag %q", in.ID, l.Libelle, serie, v, l.Masquees[serie])
				}
			}
			if w, ok := want[l.Libelle]; ok && in.ID == "par-domaine" {
				got := jsonCount(l.Valeurs["Inscriptions"])
				if l.Masquees["Inscriptions"] == "secret-secondaire" {
					got = secondary
				}
				if got != w {
					t.Errorf("JSON %s: %s, want %s", l.Libelle, got, w)
				}
			}
		}
	}

	recs := readSheet(t, []byte(get(t, srv, "/bilan/donnees.csv").body))
	if strings.Join(recs[0], ";") != "indicateur;indicateur_libelle;categorie;categorie_libelle;serie;valeur;valeur_masquee;motif_masquage" {
		t.Fatalf("CSV header %v", recs[0])
	}
	seen := 0
	for _, rec := range recs[1:] {
		got := csvCount(rec)
		if strings.HasPrefix(got, "invalid") {
			t.Errorf("CSV line %v", rec)
		}
		if v, err := strconv.Atoi(got); err == nil && v > 0 && v < 5 {
			t.Errorf("CSV publishes %d: %v", v, rec)
		}
		if w, ok := want[rec[3]]; ok && rec[0] == "par-domaine" && rec[4] == "Inscriptions" {
			seen++
			if got != w {
				t.Errorf("CSV %s: %s, want %s", rec[3], got, w)
			}
		}
		if rec[0] == "chiffres-cles" && rec[2] == "agents-formes" && got != "moins de 5" {
			t.Errorf("CSV agents formés: %s", got)
		}
	}
	if seen != 3 {
		t.Errorf("CSV: %d of the 3 domains", seen)
	}
}
