package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
)

// Bulk export of the catalogue and import of modules from CSV: a dry run stores the file and the digest of its
// plan under a token; applying the token re-plans in one transaction over the locked rows, refuses if the plan
// differs from the dry run, and writes everything or nothing.

// ImportTTL is how long a dry run may be applied.
const ImportTTL = 24 * time.Hour

// ExportModules returns every module with its domain, partner and audiences.
func (s *Store) ExportModules(ctx context.Context) ([]admin.Module, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminModuleColumns+adminModuleFrom+` ORDER BY d.position, m.title COLLATE "fr-x-icu", m.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportModules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Module, error) {
		var m admin.Module
		err := scanAdminModule(r, &m)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportModules: %w", err)
	}
	return out, nil
}

// ExportTracks returns every track and tailored programme with its modules in order.
func (s *Store) ExportTracks(ctx context.Context) ([]admin.TrackRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminTrackColumns+`,
		coalesce((SELECT array_agg(m.slug ORDER BY tm.position) FROM track_modules tm JOIN modules m ON m.id = tm.module_id
		  WHERE tm.track_id = t.id), '{}')`+adminTrackFrom+` ORDER BY t.administration <> '', t.title COLLATE "fr-x-icu", t.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportTracks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.TrackRow, error) {
		var t admin.TrackRow
		err := scanAdminTrack(r, &t.Track, &t.ModuleSlugs)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportTracks: %w", err)
	}
	return out, nil
}

// ExportSessions returns every session, latest first.
func (s *Store) ExportSessions(ctx context.Context) ([]admin.Session, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminSessionColumns+adminSessionFrom+` ORDER BY ms.starts_at DESC, ms.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportSessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Session, error) {
		var x admin.Session
		err := scanAdminSession(r, &x)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ExportSessions: %w", err)
	}
	return out, nil
}

// planImport plans an import against the catalogue as q sees it (with the modules concerned locked when lock
// is set), and returns the stored modules it compared with.
func planImport(ctx context.Context, q queryer, rows []admin.CSVRow, lock bool) (admin.Plan, map[string]admin.Module, error) {
	refs, err := loadRefs(ctx, q)
	if err != nil {
		return admin.Plan{}, nil, err
	}
	slugs := make([]string, 0, len(rows))
	for _, r := range rows {
		slugs = append(slugs, strings.TrimSpace(r.Input.Slug))
	}
	existing, err := modulesBySlug(ctx, q, slugs, lock)
	if err != nil {
		return admin.Plan{}, nil, err
	}
	return admin.PlanImport(rows, refs, existing), existing, nil
}

// PlanModulesImport is the dry run of a modules CSV: what each row would create, change or why it is
// rejected, against the catalogue as it is now.
func (s *Store) PlanModulesImport(ctx context.Context, rows []admin.CSVRow) (admin.Plan, error) {
	p, _, err := planImport(ctx, s.pool, rows, false)
	if err != nil {
		return p, fmt.Errorf("postgres.PlanModulesImport: %w", err)
	}
	return p, nil
}

// SaveImport keeps a dry-run file for its apply and returns the token that applies it (account.NewToken: only
// its hash is stored). Dry runs older than ImportTTL are dropped on the way.
func (s *Store) SaveImport(ctx context.Context, actor admin.Actor, filename string, content []byte, digest string) (string, error) {
	token, hash := account.NewToken()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM admin_imports WHERE created_at < now() - $1::interval`, ImportTTL.String()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO admin_imports (token_hash, actor_id, filename, content, digest) VALUES ($1, $2, $3, $4, $5)`,
			hash, actor.ID, filename, content, digest)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("postgres.SaveImport: %w", err)
	}
	return token, nil
}

// ApplyImport applies the dry run of a token, all or nothing: in one transaction it locks the dry run and the
// modules concerned, plans again, refuses when the plan is not the dry run's (someone changed the catalogue
// in between) or has rejected rows, then creates and changes every module, each recorded in the audit log.
// Only the admin who ran the dry run applies it: for anyone else, as for an unknown or expired token, it is
// apperr.ErrNotFound.
func (s *Store) ApplyImport(ctx context.Context, actor admin.Actor, token string) (admin.Plan, error) {
	var applied admin.Plan
	hash := account.HashToken(token)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var content []byte
		var digest string
		var appliedAt *time.Time
		if err := tx.QueryRow(ctx, `SELECT content, digest, applied_at FROM admin_imports
			WHERE token_hash = $1 AND actor_id = $2 AND created_at > now() - $3::interval FOR UPDATE`,
			hash, actor.ID, ImportTTL.String()).Scan(&content, &digest, &appliedAt); err != nil {
			return notFound(err)
		}
		if appliedAt != nil {
			return admin.ErrImportApplied
		}
		rows, err := admin.ParseModulesCSV(content)
		if err != nil {
			return err
		}
		plan, existing, err := planImport(ctx, tx, rows, true)
		if err != nil {
			return err
		}
		if plan.Digest() != digest {
			return admin.ErrImportStale
		}
		if !plan.CanApply() {
			return admin.ErrImportRejects
		}
		for _, l := range plan.Lines {
			m := l.Module
			switch l.Kind {
			case admin.PlanCreate:
				id, err := insertModule(ctx, tx, m, m.Status)
				if err != nil {
					return fmt.Errorf("ligne %d: %w", l.Line, err)
				}
				if err := Audit(ctx, tx, actor, admin.EntityModule, id, m.Title, admin.ActionImport, nil, withStatus(m.Snapshot(), m.Status)); err != nil {
					return err
				}
			case admin.PlanUpdate:
				old := existing[m.Slug]
				if err := writeModule(ctx, tx, old, m, m.Status); err != nil {
					return fmt.Errorf("ligne %d: %w", l.Line, err)
				}
				if err := Audit(ctx, tx, actor, admin.EntityModule, old.ID, m.Title, admin.ActionImport,
					withStatus(old.Snapshot(), old.Status), withStatus(m.Snapshot(), m.Status)); err != nil {
					return err
				}
			}
		}
		applied = plan
		_, err = tx.Exec(ctx, `UPDATE admin_imports SET applied_at = now() WHERE token_hash = $1`, hash)
		return err
	})
	if err != nil {
		return applied, fmt.Errorf("postgres.ApplyImport: %w", err)
	}
	return applied, nil
}
