package postgres_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/internal/seed"
	"campus/internal/testdb"
)

func TestStore_Seed(t *testing.T) {
	s := testdb.Seeded(t)
	ctx := context.Background()

	t.Run("Sizes", func(t *testing.T) {
		if n := testdb.Int(t, s, `SELECT count(*) FROM tracks WHERE administration = '' AND status = 'published'`); n < 50 {
			t.Errorf("tracks = %d, want ≥ 50", n)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM modules WHERE status = 'published'`); n < 100 {
			t.Errorf("modules = %d, want ≥ 100", n)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM tracks WHERE administration <> ''`); n < 10 {
			t.Errorf("tailored programmes = %d, want ≥ 10", n)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM domains WHERE status = 'published'`); n != 9 {
			t.Errorf("published domains = %d, want 9", n)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM domains WHERE status = 'coming' AND slug = 'intelligence-artificielle'`); n != 1 {
			t.Errorf("intelligence artificielle must be coming")
		}
		// Every dated module has upcoming sessions; online ones have none.
		if n := testdb.Int(t, s, `SELECT count(*) FROM modules m WHERE m.format <> 'en_ligne' AND
			(SELECT count(*) FROM module_sessions ms WHERE ms.module_id = m.id AND ms.starts_at > now()) < 3`); n != 0 {
			t.Errorf("%d dated modules have fewer than 3 upcoming sessions", n)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM module_sessions ms JOIN modules m ON m.id = ms.module_id WHERE m.format = 'en_ligne'`); n != 0 {
			t.Errorf("%d sessions of online modules", n)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		before := testdb.Int(t, s, `SELECT sum(n)::int FROM (
			SELECT count(*) n FROM modules UNION ALL SELECT count(*) FROM tracks UNION ALL SELECT count(*) FROM track_modules
			UNION ALL SELECT count(*) FROM module_sessions UNION ALL SELECT count(*) FROM module_audiences) x`)
		rep, err := s.Seed(ctx, seed.Reference(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if rep != (postgres.SeedReport{}) {
			t.Errorf("second seed inserted %+v, want nothing", rep)
		}
		after := testdb.Int(t, s, `SELECT sum(n)::int FROM (
			SELECT count(*) n FROM modules UNION ALL SELECT count(*) FROM tracks UNION ALL SELECT count(*) FROM track_modules
			UNION ALL SELECT count(*) FROM module_sessions UNION ALL SELECT count(*) FROM module_audiences) x`)
		if before != after {
			t.Errorf("rows before %d, after %d", before, after)
		}
	})

	t.Run("TopsUpSessionsLater", func(t *testing.T) {
		// Two months later the first sessions are past: the seed adds new future ones, still without duplicates.
		later := time.Now().AddDate(0, 2, 0)
		rep, err := s.Seed(ctx, seed.Reference(), later)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Sessions == 0 || rep.Modules != 0 || rep.Tracks != 0 {
			t.Errorf("seed two months later = %+v, want only new sessions", rep)
		}
		rep, err = s.Seed(ctx, seed.Reference(), later)
		if err != nil || rep.Sessions != 0 {
			t.Errorf("second seed at the same date inserted %d sessions (err %v)", rep.Sessions, err)
		}
	})
}

func TestStore_Seed_KeepsRenamedSlugs(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "slugs_renommes", 4)
	ctx := context.Background()
	var id int64
	var slug string
	testdb.Row(t, s, `SELECT id, slug FROM modules ORDER BY id LIMIT 1`).Scan(&id, &slug)
	// An administrator renamed the module: the old slug now redirects.
	testdb.Exec(t, s, `UPDATE modules SET slug = slug || '-renomme' WHERE id = $1`, id)
	testdb.Exec(t, s, `INSERT INTO slug_redirects (entity, old_slug, target_id) VALUES ('module', $1, $2)`, slug, id)
	rep, err := s.Seed(ctx, seed.Reference(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Modules != 0 || testdb.Int(t, s, `SELECT count(*) FROM modules WHERE slug = '`+slug+`'`) != 0 {
		t.Fatalf("the seed inserted the renamed module again under its old slug (%+v)", rep)
	}
}

func TestStore_Catalogue(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "catalogue", 4)
	ctx := context.Background()

	t.Run("ListDomains", func(t *testing.T) {
		ds, err := s.ListDomains(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 10 || ds[9].Slug != "intelligence-artificielle" || !ds[9].Coming() {
			t.Fatalf("domains = %d, last %q", len(ds), ds[len(ds)-1].Slug)
		}
		want := testdb.Int(t, s, `SELECT count(*) FROM modules m JOIN domains d ON d.id = m.domain_id WHERE d.slug = 'cybersecurite' AND m.status = 'published'`)
		for _, d := range ds {
			if d.Slug == "cybersecurite" && d.ModuleCount != want {
				t.Errorf("cybersecurite counts %d modules, SQL says %d", d.ModuleCount, want)
			}
		}
	})

	t.Run("DomainBySlug", func(t *testing.T) {
		p, err := s.DomainBySlug(ctx, "data")
		if err != nil {
			t.Fatal(err)
		}
		if p.Domain.Title != "Data" || len(p.Modules) == 0 || len(p.Tracks) == 0 {
			t.Errorf("data domain: %q, %d modules, %d tracks", p.Domain.Title, len(p.Modules), len(p.Tracks))
		}
		for _, m := range p.Modules {
			if m.Domain.Slug != "data" {
				t.Errorf("module %s of domain %s listed under data", m.Slug, m.Domain.Slug)
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for name, f := range map[string]func() error{
			"domain":  func() error { _, err := s.DomainBySlug(ctx, "inconnu"); return err },
			"track":   func() error { _, err := s.TrackBySlug(ctx, "inconnu"); return err },
			"module":  func() error { _, err := s.ModuleBySlug(ctx, "inconnu"); return err },
			"partner": func() error { _, err := s.PartnerBySlug(ctx, "inconnu"); return err },
		} {
			if err := f(); !errors.Is(err, apperr.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
	})

	t.Run("TrackOrderAndDuration", func(t *testing.T) {
		slug := testdb.String(t, s, `SELECT slug FROM tracks WHERE administration = '' ORDER BY id LIMIT 1`)
		tr, err := s.TrackBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		var ref seed.Track
		for _, x := range seed.Reference().Tracks {
			if x.Slug == slug {
				ref = x
			}
		}
		if len(tr.Modules) != len(ref.Modules) {
			t.Fatalf("%d modules, want %d", len(tr.Modules), len(ref.Modules))
		}
		total := 0
		for i, m := range tr.Modules {
			if m.Slug != ref.Modules[i] {
				t.Errorf("module %d = %s, want %s (track order)", i, m.Slug, ref.Modules[i])
			}
			total += m.DurationMinutes
		}
		if tr.DurationMinutes != total {
			t.Errorf("total duration %d, sum of modules %d", tr.DurationMinutes, total)
		}
	})

	t.Run("ModuleSessionsAndDraft", func(t *testing.T) {
		slug := testdb.String(t, s, `SELECT slug FROM modules WHERE format = 'presentiel' ORDER BY id LIMIT 1`)
		m, err := s.ModuleBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Sessions) < 3 || len(m.Audiences) == 0 || len(m.Objectives) == 0 {
			t.Errorf("module %s: %d sessions, %d audiences, %d objectives", slug, len(m.Sessions), len(m.Audiences), len(m.Objectives))
		}
		for i := 1; i < len(m.Sessions); i++ {
			if m.Sessions[i].StartsAt.Before(m.Sessions[i-1].StartsAt) {
				t.Error("sessions not in date order")
			}
		}
		if m.NextSession == nil || !m.NextSession.Equal(m.Sessions[0].StartsAt) {
			t.Errorf("next session %v, first listed %v", m.NextSession, m.Sessions[0].StartsAt)
		}
		// A draft is invisible, an archived module is gone.
		testdb.Exec(t, s, `UPDATE modules SET status = 'draft' WHERE slug = $1`, slug)
		if _, err := s.ModuleBySlug(ctx, slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("draft: err = %v, want ErrNotFound", err)
		}
		testdb.Exec(t, s, `UPDATE modules SET status = 'archived' WHERE slug = $1`, slug)
		if _, err := s.ModuleBySlug(ctx, slug); !errors.Is(err, apperr.ErrGone) {
			t.Errorf("archived: err = %v, want ErrGone", err)
		}
		testdb.Exec(t, s, `UPDATE modules SET status = 'published' WHERE slug = $1`, slug)
	})

	t.Run("KeyFigures", func(t *testing.T) {
		k, err := s.KeyFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k.Domains != 9 || k.Modules != testdb.Int(t, s, `SELECT count(*) FROM modules WHERE status = 'published'`) ||
			k.UpcomingSessions != testdb.Int(t, s, `SELECT count(*) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()`) {
			t.Errorf("key figures %+v disagree with SQL counts", k)
		}
	})

	t.Run("UpcomingSessions", func(t *testing.T) {
		us, err := s.UpcomingSessions(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 5 {
			t.Fatalf("%d sessions, want 5", len(us))
		}
		for _, u := range us {
			if !u.StartsAt.After(time.Now()) || u.Full() || u.Module.Slug == "" {
				t.Errorf("session %s: past, full or without module", u.Ref)
			}
		}
	})

	t.Run("Partners", func(t *testing.T) {
		ps, err := s.ListPartners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(seed.Partners) {
			t.Errorf("%d partners, want %d", len(ps), len(seed.Partners))
		}
		p, err := s.PartnerBySlug(ctx, "pix")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Modules {
			if m.Partner.Slug != "pix" {
				t.Errorf("module %s of %s listed under pix", m.Slug, m.Partner.Slug)
			}
		}
	})
}

func TestSession_CapacityCheck(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "capacite", 4)
	// The database itself refuses more seats taken than capacity: the backstop behind the enrolment rules.
	// Refused by the CHECK on seats_taken itself (23514 check_violation), not by any other error.
	_, err := s.Pool().Exec(context.Background(), `UPDATE module_sessions SET seats_taken = capacity + 1 WHERE id = (SELECT min(id) FROM module_sessions)`)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23514" || pg.TableName != "module_sessions" {
		t.Fatalf("seats_taken above capacity: err = %v, want a check violation on module_sessions", err)
	}
	def := testdb.String(t, s, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'module_sessions'::regclass AND conname = $1`, pg.ConstraintName)
	if !strings.Contains(def, "seats_taken <= capacity") {
		t.Fatalf("seats_taken above capacity refused by %s (%s), not by the capacity check", pg.ConstraintName, def)
	}
}

func TestStore_MigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := testdb.NewDatabase(t, "migrate")
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := postgres.Open(ctx, url, 4)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			errs[i] = st.Migrate(ctx, log)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ok, err := st.SchemaCurrent(ctx); err != nil || !ok {
		t.Fatalf("schema current = %v, %v", ok, err)
	}
	// Each migration is recorded once although three instances migrated at the same time.
	if n := testdb.Int(t, st, `SELECT count(*) - count(DISTINCT version_id) FROM goose_db_version`); n != 0 {
		t.Errorf("%d migrations applied twice", n)
	}
}

// TestStore_FrenchCollation: lists sorted by title follow French order (ICU "fr"): accented letters sort with
// their base letter ("Héberger" before "Homologuer", "Écrire" among the E), not after every plain title.
func TestStore_FrenchCollation(t *testing.T) {
	t.Parallel()
	s := testdb.Seeded(t)
	p, err := s.DomainBySlug(context.Background(), "cybersecurite")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, m := range p.Modules {
		titles = append(titles, m.Title)
	}
	h, o := slices.Index(titles, "Héberger ses services dans un cloud de confiance"), slices.Index(titles, "Homologuer la sécurité d’un système d’information")
	if h < 0 || o < 0 || h > o {
		t.Errorf("cybersécurité's modules out of French order: %q", titles)
	}
}
