package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// TestStore_Backoffice runs the back-office's store tests on one seeded database of their own.
func TestStore_Backoffice(t *testing.T) {
	t.Parallel()
	// A seeded database of their own: they publish and archive things, which the package's other tests
	// (counting the reference catalogue) must not see.
	s := testdb.NewSeeded(t, "backoffice", 10)
	t.Run("AuditLogIsAppendOnly", func(t *testing.T) { testBackofficeAuditLogIsAppendOnly(t, s) })
	t.Run("DomainEdits", func(t *testing.T) { testBackofficeDomainEdits(t, s) })
	t.Run("PublishRules", func(t *testing.T) { testBackofficePublishRules(t, s) })
	t.Run("ConcurrentEdits", func(t *testing.T) { testBackofficeConcurrentEdits(t, s) })
	t.Run("TrackModules", func(t *testing.T) { testBackofficeTrackModules(t, s) })
	t.Run("ImportModules", func(t *testing.T) { testBackofficeImportModules(t, s) })
}

var alice = admin.Actor{Name: "Alice Admin"}

func auditActions(t *testing.T, s *postgres.Store, entity string, id int64) []string {
	t.Helper()
	es, _, err := s.AuditLog(context.Background(), admin.AuditFilter{Entity: entity, EntityID: id}, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action)
	}
	return out
}

// valid returns a checked input; the fixtures of these tests are valid, so errors are a bug of the test.
func valid[T any](v T, errs admin.Errors) T {
	if len(errs) > 0 {
		panic(fmt.Sprintf("invalid test input: %v", errs))
	}
	return v
}

func testBackofficeAuditLogIsAppendOnly(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	d := valid(admin.DomainInput{Title: "Journal immuable", Summary: "Un domaine."}.Check())
	if _, err := s.CreateDomain(ctx, alice, d); err != nil {
		t.Fatal(err)
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM audit_log`); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET actor_name = 'Mallory'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := s.Pool().Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", sql, err)
		}
	}
	if n := testdb.Int(t, s, `SELECT count(*) FROM audit_log WHERE actor_name = 'Alice Admin'`); n != 1 {
		t.Errorf("the entry changed or vanished (%d left)", n)
	}
}

func testBackofficeDomainEdits(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	d := valid(admin.DomainInput{Title: "Sobriété numérique", Summary: "Réduire l’empreinte du numérique."}.Check())
	if d.Slug != "sobriete-numerique" {
		t.Fatalf("slug from the title = %q", d.Slug)
	}
	id, err := s.CreateDomain(ctx, alice, d)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ErrSlugTaken", func(t *testing.T) {
		dup := d
		dup.Title = "Autre"
		_, err := s.CreateDomain(ctx, alice, dup)
		if !errors.Is(err, admin.ErrSlugTaken) || !strings.Contains(err.Error(), "« "+d.Slug+" »") {
			t.Fatalf("err = %v, want ErrSlugTaken", err)
		}
	})

	t.Run("UpdateThenStaleVersion", func(t *testing.T) {
		first := d
		first.Title, first.Slug = "Sobriété numérique et écoconception", "sobriete-et-ecoconception"
		if err := s.UpdateDomain(ctx, alice, id, 1, first); err != nil {
			t.Fatal(err)
		}
		stale := d
		stale.Summary = "Un autre résumé, saisi depuis la version 1."
		err := s.UpdateDomain(ctx, admin.Actor{Name: "Bob"}, id, 1, stale)
		c, ok := admin.AsConflict(err)
		if !ok || !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("err = %v, want a conflict", err)
		}
		if c.Version != 2 || c.By != "Alice Admin" {
			t.Errorf("conflict version %d by %q, want 2 by Alice Admin", c.Version, c.By)
		}
		changes := admin.Diff(c.Current, stale.Snapshot())
		keys := map[string]admin.Change{}
		for _, ch := range changes {
			keys[ch.Key] = ch
		}
		if keys["title"].Before != "Sobriété numérique et écoconception" || keys["title"].After != "Sobriété numérique" ||
			keys["summary"].After != stale.Summary || len(changes) != 3 {
			t.Errorf("changes = %+v, want slug, title and summary: theirs vs mine", changes)
		}
		got := testdb.Must(s.AdminDomain(ctx, id))(t)
		if got.Summary != d.Summary || got.Version != 2 {
			t.Errorf("the stale save was written: %+v", got)
		}
	})

	t.Run("SlugRedirect", func(t *testing.T) {
		// A draft's new slug is not public: no redirect until it is published (or announced).
		if _, err := s.SlugRedirect(ctx, admin.EntityDomain, "sobriete-numerique"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("the old slug of a draft: %v", err)
		}
		testdb.Exec(t, s, `UPDATE domains SET status = 'coming' WHERE id = $1`, id)
		path, err := s.SlugRedirect(ctx, admin.EntityDomain, "sobriete-numerique")
		if err != nil || path != "/domaines/sobriete-et-ecoconception" {
			t.Fatalf("redirect = %q, %v", path, err)
		}
		if _, err := s.SlugRedirect(ctx, admin.EntityDomain, "jamais-existe"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown old slug: %v", err)
		}
		// A new domain taking the old slug takes its address back.
		other := valid(admin.DomainInput{Slug: "sobriete-numerique", Title: "Nouveau", Summary: "x"}.Check())
		if _, err := s.CreateDomain(ctx, alice, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SlugRedirect(ctx, admin.EntityDomain, "sobriete-numerique"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("the redirect outlived the slug's new owner: %v", err)
		}
	})

	t.Run("Transitions", func(t *testing.T) {
		if err := s.SetStatus(ctx, alice, admin.EntityDomain, id, "published"); err != nil {
			t.Fatal(err)
		}
		err := s.SetStatus(ctx, alice, admin.EntityDomain, id, "draft")
		if ref, ok := apperr.AsRefusal(err); !ok || !strings.Contains(ref.Message, "n’est pas possible") {
			t.Errorf("published → draft: %v", err)
		}
		if err := s.SetStatus(ctx, alice, admin.EntityDomain, 999999, "published"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
	})

	if got := auditActions(t, s, admin.EntityDomain, id); strings.Join(got, ",") != "create,update,status" {
		t.Errorf("audit = %v, want create, update, status", got)
	}
}

func testBackofficePublishRules(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	dom := valid(admin.DomainInput{Title: "Domaine brouillon", Summary: "x"}.Check())
	domID, err := s.CreateDomain(ctx, alice, dom)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.AdminRefs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := valid(admin.ModuleInput{Title: "Module en attente", Domain: dom.Slug, Summary: "Résumé.", Duration: "60",
		Format: "presentiel", Level: "decouverte", Objectives: []string{"Comprendre", "", "Agir"}, Audiences: []string{refs.Audiences[1].Slug, refs.Audiences[0].Slug}}.Check(refs, "draft"))
	modID, err := s.CreateModule(ctx, alice, m)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.AdminModule(ctx, modID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(stored.Objectives, "|") != "Comprendre|Agir" || len(stored.Audiences) != 2 || stored.Audiences[0] != refs.Audiences[0].Slug {
		t.Errorf("stored = %v %v", stored.Objectives, stored.Audiences)
	}

	err = s.SetStatus(ctx, alice, admin.EntityModule, modID, "published")
	if ref, ok := apperr.AsRefusal(err); !ok || !strings.Contains(ref.Message, "Publiez d’abord le domaine") {
		t.Fatalf("publishing in a draft domain: %v", err)
	}
	if err := s.SetStatus(ctx, alice, admin.EntityDomain, domID, "published"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, alice, admin.EntityModule, modID, "published"); err != nil {
		t.Fatal(err)
	}
	err = s.SetStatus(ctx, alice, admin.EntityDomain, domID, "archived")
	if ref, ok := apperr.AsRefusal(err); !ok || !strings.Contains(ref.Message, "1 module(s)") {
		t.Errorf("archiving a domain with a published module: %v", err)
	}
	// An audience in use cannot be withdrawn.
	err = s.SetStatus(ctx, alice, admin.EntityAudience, refs.Audiences[0].ID, "archived")
	if _, ok := apperr.AsRefusal(err); !ok {
		t.Errorf("archiving an audience in use: %v", err)
	}
	// Saving the same values writes nothing, not even an audit entry.
	before := testdb.Int(t, s, `SELECT count(*) FROM audit_log`)
	if err := s.UpdateModule(ctx, alice, modID, stored.Version+1, stored); err != nil {
		t.Fatal(err)
	}
	if after := testdb.Int(t, s, `SELECT count(*) FROM audit_log`); after != before {
		t.Errorf("an unchanged save wrote %d audit entries", after-before)
	}
}

func testBackofficeConcurrentEdits(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	id := testdb.Int64(t, s, `SELECT id FROM modules ORDER BY id LIMIT 1`)
	m, err := s.AdminModule(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			edit := m
			edit.Title = m.Title + " – version " + string(rune('A'+i))
			errs[i] = s.UpdateModule(ctx, admin.Actor{Name: "Admin " + string(rune('A'+i))}, id, m.Version, edit)
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch _, c := admin.AsConflict(err); {
		case err == nil:
			ok++
		case c:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("%d saves, %d conflicts; want exactly one save", ok, conflicts)
	}
	if got := auditActions(t, s, admin.EntityModule, id); len(got) != 1 {
		t.Errorf("audit = %v, want one update", got)
	}
}

func testBackofficeTrackModules(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	refs := testdb.Must(s.AdminRefs(ctx))(t)
	tr := valid(admin.TrackInput{Title: "Parcours ordonné", Domain: refs.Domains[0].Slug, Summary: "x", Participants: "0"}.Check(refs, "draft"))
	id, err := s.CreateTrack(ctx, alice, tr)
	if err != nil {
		t.Fatal(err)
	}
	mods := testdb.Column[int64](t, s, `SELECT id FROM modules ORDER BY id LIMIT 3`)
	order := func() []int64 {
		ms, err := s.TrackModules(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for i, m := range ms {
			if m.Position != i+1 {
				t.Errorf("positions not 1..n: %+v", ms)
			}
			out = append(out, m.ID)
		}
		return out
	}
	for _, m := range mods {
		if err := s.ChangeTrackModules(ctx, alice, id, m, postgres.TrackAdd); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := apperr.AsRefusal(s.ChangeTrackModules(ctx, alice, id, mods[0], postgres.TrackAdd)); !ok {
		t.Error("adding a module twice was not refused")
	}
	if _, ok := apperr.AsRefusal(s.ChangeTrackModules(ctx, alice, id, mods[0], postgres.TrackUp)); !ok {
		t.Error("moving the first module up was not refused")
	}
	if err := s.ChangeTrackModules(ctx, alice, id, mods[2], postgres.TrackUp); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeTrackModules(ctx, alice, id, mods[0], postgres.TrackDown); err != nil {
		t.Fatal(err)
	}
	if got := order(); got[0] != mods[2] || got[1] != mods[0] || got[2] != mods[1] {
		t.Fatalf("order = %v, want %v", got, []int64{mods[2], mods[0], mods[1]})
	}
	if err := s.ChangeTrackModules(ctx, alice, id, mods[2], postgres.TrackRemove); err != nil {
		t.Fatal(err)
	}
	if got := order(); len(got) != 2 || got[0] != mods[0] {
		t.Fatalf("after removal: %v", got)
	}
	if err := s.ChangeTrackModules(ctx, alice, id, 99999999, postgres.TrackUp); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("module not in the track: %v", err)
	}
	if got := auditActions(t, s, admin.EntityTrack, id); len(got) != 7 {
		t.Errorf("audit = %v, want create + 6 changes of modules", got)
	}
}

const csvHeader = "slug;titre;domaine;partenaire;resume;objectifs;programme;duree_minutes;format;niveau;prerequis;url_externe;mots_cles;publics;statut\n"

func testBackofficeImportModules(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	uid, _ := signUp(t, s, uniqueEmail("import"))
	alice := admin.Actor{ID: uid, Name: "Alice Admin"}
	var existing, domain string
	testdb.Row(t, s, `SELECT m.slug, d.slug FROM modules m JOIN domains d ON d.id = m.domain_id ORDER BY m.id LIMIT 1`).Scan(&existing, &domain)
	exported, err := s.ExportModules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, m := range exported {
		if m.Slug == existing {
			row = m.CSVRecord()
		}
	}
	row[1] = "Titre changé par l’import"
	good := csvHeader + strings.Join(row, ";") + "\n" +
		"import-nouveau-module;Nouveau module importé;" + domain + ";;Un résumé.;Comprendre|Agir;;90;en_ligne;decouverte;;;ia|données;;brouillon\n"
	bad := good + "import-mauvais;Mauvais;domaine-inconnu;;Résumé;;;abc;en_ligne;decouverte;;;;;\n"

	parse := func(data string) []admin.CSVRow {
		rows, err := admin.ParseModulesCSV([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	t.Run("BadRowBlocksEverything", func(t *testing.T) {
		plan, err := s.PlanModulesImport(ctx, parse(bad))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Created != 1 || plan.Updated != 1 || plan.Rejected != 1 || plan.CanApply() {
			t.Fatalf("plan = %+v", plan)
		}
		rej := plan.Lines[2]
		if rej.Line != 4 || rej.Kind != admin.PlanReject || !strings.Contains(strings.Join(rej.Reasons, " "), "domaine") ||
			!strings.Contains(strings.Join(rej.Reasons, " "), "duree_minutes") {
			t.Errorf("rejected line = %+v", rej)
		}
		token, err := s.SaveImport(ctx, alice, "mauvais.csv", []byte(bad), plan.Digest())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyImport(ctx, alice, token); err == nil {
			t.Fatal("a file with a rejected row was applied")
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM modules WHERE slug = 'import-nouveau-module' OR title = 'Titre changé par l’import'`); n != 0 {
			t.Fatalf("partially applied: %d rows", n)
		}
	})

	t.Run("CatalogueChangedSinceDryRun", func(t *testing.T) {
		plan := testdb.Must(s.PlanModulesImport(ctx, parse(good)))(t)
		token, err := s.SaveImport(ctx, alice, "bon.csv", []byte(good), plan.Digest())
		if err != nil {
			t.Fatal(err)
		}
		// Someone edits the module meanwhile: the plan is no longer what the admin saw.
		testdb.Exec(t, s, `UPDATE modules SET summary = summary || ' (modifié)' WHERE slug = $1`, existing)
		_, err = s.ApplyImport(ctx, alice, token)
		if ref, ok := apperr.AsRefusal(err); !ok || !strings.Contains(ref.Message, "a changé depuis la simulation") {
			t.Fatalf("err = %v", err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM modules WHERE slug = 'import-nouveau-module'`); n != 0 {
			t.Fatal("partially applied")
		}
		testdb.Exec(t, s, `UPDATE modules SET summary = replace(summary, ' (modifié)', '') WHERE slug = $1`, existing)
	})

	t.Run("Apply", func(t *testing.T) {
		plan := testdb.Must(s.PlanModulesImport(ctx, parse(good)))(t)
		token, err := s.SaveImport(ctx, alice, "bon.csv", []byte(good), plan.Digest())
		if err != nil {
			t.Fatal(err)
		}
		applied, err := s.ApplyImport(ctx, alice, token)
		if err != nil {
			t.Fatal(err)
		}
		if applied.Created != 1 || applied.Updated != 1 {
			t.Errorf("applied = %+v", applied)
		}
		var title, status string
		var keywords []string
		testdb.Row(t, s, `SELECT title FROM modules WHERE slug = $1`, existing).Scan(&title)
		testdb.Row(t, s, `SELECT status, keywords FROM modules WHERE slug = 'import-nouveau-module'`).Scan(&status, &keywords)
		if title != "Titre changé par l’import" || status != "draft" || strings.Join(keywords, ",") != "ia,données" {
			t.Errorf("after apply: %q %q %v", title, status, keywords)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM audit_log WHERE action = 'import'`); n != 2 {
			t.Errorf("%d import audit entries, want 2", n)
		}
		if _, err := s.ApplyImport(ctx, alice, token); !errors.Is(err, admin.ErrImportApplied) {
			t.Errorf("second apply: %v", err)
		}
		if _, err := s.ApplyImport(ctx, alice, "jeton-inconnu"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})
}
