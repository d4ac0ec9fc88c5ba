package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/postgres"
	"campus/internal/programme"
	"campus/internal/testdb"
	"campus/migrations"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// verifiedAccount creates an account whose address is confirmed.
func verifiedAccount(t *testing.T, s *postgres.Store, email string) {
	t.Helper()
	testdb.User(t, s, testdb.Account{Email: email})
}

// sees reports whether the viewer is shown the programme.
func sees(t *testing.T, s *postgres.Store, v programme.Viewer, slug string) bool {
	t.Helper()
	ps, err := s.RestrictedProgrammes(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(ps, func(p programme.Programme) bool { return p.Slug == slug })
}

// TestStore_RestrictedAccess: a restricted programme is shown to the accounts its access list opens it to —
// by ProConnect SIRET or SIREN, or by the domain of a confirmed address — and to nobody else; it never reaches
// the public catalogue.
func TestStore_RestrictedAccess(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "restreints", 4)
	ctx := context.Background()
	contact := "alix.martin." + strconv.FormatInt(userSeq.Add(1), 10) + "@interieur.gouv.fr"
	verifiedAccount(t, s, contact)
	reqID, _, track := testdb.RestrictedProgramme(t, s, "Ministère de l’Intérieur", contact)

	t.Run("PrefilledFromTheVerifiedContact", func(t *testing.T) {
		tr, err := s.AdminTrack(ctx, track.ID)
		if err != nil || !tr.Restricted || strings.Join(programme.AccessLines(tr.Access), " ") != "@interieur.gouv.fr" {
			t.Fatalf("access = %v (%+v), %v", tr.Access, tr.Restricted, err)
		}
		es, _, err := s.AuditLog(ctx, admin.AuditFilter{Entity: "programme_request", EntityID: reqID}, 1, 0)
		if err != nil || len(es) != 1 || es[0].After["accès réservé"] != "@interieur.gouv.fr" {
			t.Errorf("acceptance audit = %+v, %v", es, err)
		}
	})
	t.Run("NotPrefilledFromAnUnverifiedContact", func(t *testing.T) {
		unverified := "camille." + strconv.FormatInt(userSeq.Add(1), 10) + "@interieur.gouv.fr"
		signUp(t, s, unverified)
		_, _, other := testdb.RestrictedProgramme(t, s, "Ministère de l’Intérieur", unverified)
		if tr, err := s.AdminTrack(ctx, other.ID); err != nil || len(tr.Access) != 0 {
			t.Errorf("access = %v, %v", tr.Access, err)
		}
		if _, _, plain := testdb.RestrictedProgramme(t, s, "Ministère de l’Intérieur", uniqueEmail("sans-compte")); sees(t, s,
			programme.Viewer{Email: "x@exemple.gouv.fr", EmailVerified: true}, plain.Slug) {
			t.Error("a programme whose contact has no account is open to its domain")
		}
	})

	t.Run("ByAddress", func(t *testing.T) {
		for _, c := range []struct {
			email    string
			verified bool
			want     bool
		}{
			{"agent@interieur.gouv.fr", true, true},
			{"Agent@Interieur.Gouv.Fr", true, true},
			{"agent@interieur.gouv.fr", false, false},
			{"agent@dgpn.interieur.gouv.fr", true, true},
			{"agent@evilinterieur.gouv.fr", true, false},
			{"agent@interieur.gouv.fr.evil.com", true, false},
			{"interieur.gouv.fr@evil.com", true, false},
			{"agent@gouv.fr", true, false},
		} {
			if got := sees(t, s, programme.Viewer{Email: c.email, EmailVerified: c.verified}, track.Slug); got != c.want {
				t.Errorf("%s (confirmed %v) sees the programme: %v, want %v", c.email, c.verified, got, c.want)
			}
		}
		if sees(t, s, programme.Viewer{}, track.Slug) {
			t.Error("an account with nothing verified sees the programme")
		}
	})

	t.Run("AdminEditsTheList", func(t *testing.T) {
		refs, err := s.AdminRefs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cur, err := s.AdminTrack(ctx, track.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := cur.Input()
		in.Access = "123 456 782\n12345678300000\n"
		tr, errs := in.Check(refs, cur.Status)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if err := s.UpdateTrack(ctx, alice, track.ID, cur.Version, tr); err != nil {
			t.Fatal(err)
		}
		saved := testdb.Must(s.AdminTrack(ctx, track.ID))(t)
		if got := strings.Join(programme.AccessLines(saved.Access), " "); got != "123456782 12345678300000" || saved.Version != cur.Version+1 {
			t.Errorf("saved access %q, version %d", got, saved.Version)
		}
		es, _, err := s.AuditLog(ctx, admin.AuditFilter{Entity: admin.EntityTrack, EntityID: track.ID}, 1, 0)
		if err != nil || len(es) != 1 || es[0].Before["access"] != "@interieur.gouv.fr" || es[0].After["access"] != "123456782 | 12345678300000" {
			t.Errorf("audit = %+v, %v", es, err)
		}
		for _, c := range []struct {
			siret string
			want  bool
		}{
			{"12345678200010", true}, // an establishment of the listed SIREN
			{"12345678200028", true},
			{"12345678300000", true}, // the listed SIRET
			{"12345678300016", false},
			{"", false},
		} {
			if got := sees(t, s, programme.Viewer{SIRET: c.siret}, track.Slug); got != c.want {
				t.Errorf("SIRET %q sees the programme: %v, want %v", c.siret, got, c.want)
			}
		}
		if sees(t, s, programme.Viewer{Email: "agent@interieur.gouv.fr", EmailVerified: true}, track.Slug) {
			t.Error("the domain taken out of the list still opens the programme")
		}
		// A track that is not restricted keeps no list, whatever is posted.
		pub, err := s.AdminTracks(ctx, false)
		if err != nil || len(pub) == 0 {
			t.Fatal(err)
		}
		in = pub[0].Input()
		in.Access, in.Restricted = "@interieur.gouv.fr", true
		tr, _ = in.Check(refs, pub[0].Status)
		if err := s.UpdateTrack(ctx, alice, pub[0].ID, pub[0].Version, tr); err != nil {
			t.Fatal(err)
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM track_access WHERE track_id = `+strconv.FormatInt(pub[0].ID, 10)); n != 0 {
			t.Errorf("a public track got %d access entries", n)
		}
	})

	t.Run("NeverPublic", func(t *testing.T) {
		err := s.SetStatus(ctx, alice, admin.EntityTrack, track.ID, "published")
		if ref, ok := apperr.AsRefusal(err); !ok || !strings.Contains(ref.Message, "réservé") {
			t.Errorf("publishing a restricted programme: %v", err)
		}
		if _, err := s.Pool().Exec(ctx, `UPDATE tracks SET status = 'published' WHERE id = $1`, track.ID); err == nil {
			t.Error("the database let a restricted programme be published")
		}
		if _, err := s.TrackBySlug(ctx, track.Slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("TrackBySlug of a restricted programme: %v", err)
		}
		if err := s.SetStatus(ctx, alice, admin.EntityTrack, track.ID, "archived"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TrackBySlug(ctx, track.Slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("TrackBySlug of an archived restricted programme: %v", err)
		}
		if sees(t, s, programme.Viewer{SIRET: "12345678200010"}, track.Slug) {
			t.Error("an archived programme is still listed")
		}
	})

	t.Run("PendingWork", func(t *testing.T) {
		ps, err := s.ProgrammesPendingWork(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := testdb.Int(t, s, `SELECT count(*) FROM tracks t WHERE restricted AND status <> 'archived'
			AND NOT EXISTS (SELECT 1 FROM track_access a WHERE a.track_id = t.id)`)
		i := slices.IndexFunc(ps, func(p admin.Pending) bool { return strings.Contains(p.Label, "sans liste d’accès") })
		if i < 0 || ps[i].Count != want || want < 2 {
			t.Errorf("pending = %+v, want %d", ps, want)
		}
	})
}

// TestMigration_RestrictedAccess: migration 00011 puts back to draft a restricted programme published by hand,
// forbids publishing one from then on, and its Down section gives back the administration key.
func TestMigration_RestrictedAccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("pgx", testdb.NewDatabase(t, "restricted_migration"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `WITH d AS (INSERT INTO domains (slug, title, status) VALUES ('dom', 'Domaine', 'published') RETURNING id)
		INSERT INTO tracks (slug, domain_id, title, administration, status, restricted, admin_key)
		SELECT 'reserve', id, 'Réservé', 'Ministère de l’Intérieur', 'published', true, 'ministere de l interieur' FROM d`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := db.QueryRowContext(ctx, `SELECT status FROM tracks WHERE slug = 'reserve'`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "draft" {
		t.Errorf("a published restricted programme is %s after the migration", status)
	}
	if _, err := db.ExecContext(ctx, `UPDATE tracks SET status = 'published' WHERE slug = 'reserve'`); err == nil {
		t.Error("a restricted programme can be published")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO track_access (track_id, kind, value) SELECT id, 'domain', '@interieur.gouv.fr' FROM tracks`); err == nil {
		t.Error("a domain with its @ was stored")
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	var key string
	if err := db.QueryRowContext(ctx, `SELECT admin_key FROM tracks WHERE slug = 'reserve'`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if key != "ministere de l interieur" {
		t.Errorf("admin_key after Down = %q", key)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
