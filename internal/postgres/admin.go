package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/apperr"
)

// The back-office's writes: every use case runs in one transaction that locks the row, checks the version the
// admin started from (optimistic concurrency: a stale edit gets an admin.ConflictError with the stored
// values), writes, keeps a redirect when a slug changes, and records the change in the audit log.

// tables maps the entities to their tables.
var tables = map[string]string{
	admin.EntityDomain: "domains", admin.EntityPartner: "partners", admin.EntityAudience: "audiences",
	admin.EntityModule: "modules", admin.EntityTrack: "tracks", admin.EntitySession: "module_sessions",
}

// slugTaken maps the unique violation of an entity's slug to admin.ErrSlugTaken.
func slugTaken(err error, entity, slug string) error {
	if isUniqueViolation(err, tables[entity]+"_slug_key") {
		return admin.ErrSlugTaken.With(slug)
	}
	return err
}

// lockVersion is the skeleton of every back-office update, written once, inside its transaction: it reads the
// stored entity FOR UPDATE (query, scan; none is apperr.ErrNotFound) and refuses an edit made from a stale version
// with an admin.ConflictError carrying the entity as stored now.
func lockVersion[T versioned](ctx context.Context, tx pgx.Tx, entity string, id int64, version int, scan func(pgx.Row, *T, ...any) error, query string, extra ...any) (T, error) {
	var old T
	if err := scan(tx.QueryRow(ctx, query, id), &old, extra...); err != nil {
		return old, notFound(err)
	}
	if old.StoredVersion() != version {
		return old, conflict(ctx, tx, entity, id, old.StoredVersion(), old.Snapshot())
	}
	return old, nil
}

// versioned is what the update flow needs of a back-office entity.
type versioned interface {
	Snapshot() admin.Snapshot
	StoredVersion() int
}

// createEntity is the flow of every back-office creation, written once: in one transaction, insert writes the
// entity as a draft (with what goes with it) and returns its id, and the creation is audited under label with the
// entity as saved.
func (s *Store) createEntity(ctx context.Context, actor admin.Actor, entity, label string, saved admin.Snapshot,
	insert func(pgx.Tx) (int64, error)) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if id, err = insert(tx); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, entity, id, label, admin.ActionCreate, nil, withStatus(saved, "draft"))
	})
	return id, err
}

// updateEntity is the flow of every back-office update of a catalogue entity, written once, in one transaction:
// lockVersion reads the stored entity (query, scan) and refuses a stale version; align, when not nil, makes the
// edit agree with the stored row; an edit that changes nothing writes nothing; write saves the edit over old; the
// change is audited under label.
func updateEntity[T versioned](ctx context.Context, s *Store, actor admin.Actor, entity string, id int64, version int, label string,
	scan func(pgx.Row, *T, ...any) error, query string, edit T, align func(old T, edit *T), write func(tx pgx.Tx, old, edit T) error) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		old, err := lockVersion(ctx, tx, entity, id, version, scan, query)
		if err != nil {
			return err
		}
		if align != nil {
			align(old, &edit)
		}
		if len(admin.Diff(old.Snapshot(), edit.Snapshot())) == 0 {
			return nil
		}
		if err := write(tx, old, edit); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, entity, id, label, admin.ActionUpdate, old.Snapshot().Map(), edit.Snapshot().Map())
	})
}

// insertEntity inserts the row of an entity (sql returns its id) and frees its slug from any redirect; a slug
// already taken is admin.ErrSlugTaken.
func insertEntity(ctx context.Context, tx pgx.Tx, entity, slug, sql string, args ...any) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
		return 0, slugTaken(err, entity, slug)
	}
	return id, slugClaimed(ctx, tx, entity, slug)
}

// updateRow saves the row of an entity (sql) and keeps its old slug answering; a slug already taken is
// admin.ErrSlugTaken.
func updateRow(ctx context.Context, tx pgx.Tx, entity string, id int64, oldSlug, slug, sql string, args ...any) error {
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return slugTaken(err, entity, slug)
	}
	return slugChanged(ctx, tx, entity, id, oldSlug, slug)
}

// slugChanged keeps the old slug of an entity answering (a redirect to its current slug) and frees the new
// one from any redirect it had.
func slugChanged(ctx context.Context, tx pgx.Tx, entity string, id int64, old, new string) error {
	if old == new {
		return nil
	}
	if _, ok := redirectLookups[entity]; !ok {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO slug_redirects (entity, old_slug, target_id) VALUES ($1, $2, $3)
		ON CONFLICT (entity, old_slug) DO UPDATE SET target_id = EXCLUDED.target_id, created_at = now()`, entity, old, id); err != nil {
		return err
	}
	return slugClaimed(ctx, tx, entity, new)
}

// slugClaimed drops the redirect of a slug that an entity now holds.
func slugClaimed(ctx context.Context, tx pgx.Tx, entity, slug string) error {
	if _, ok := redirectLookups[entity]; !ok {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM slug_redirects WHERE entity = $1 AND old_slug = $2`, entity, slug)
	return err
}

// redirectLookups find the current public path of an entity from one of its old slugs; a draft's (or a restricted
// programme's) is not public, nor is its new slug: none.
var redirectLookups = map[string]string{
	admin.EntityDomain: `SELECT '/domaines/' || d.slug FROM slug_redirects r JOIN domains d ON d.id = r.target_id
		WHERE r.entity = 'domain' AND r.old_slug = $1 AND d.status <> 'draft'`,
	admin.EntityPartner: `SELECT '/partenaires/' || p.slug FROM slug_redirects r JOIN partners p ON p.id = r.target_id
		WHERE r.entity = 'partner' AND r.old_slug = $1 AND p.status <> 'draft'`,
	admin.EntityModule: `SELECT '/modules/' || m.slug FROM slug_redirects r JOIN modules m ON m.id = r.target_id
		WHERE r.entity = 'module' AND r.old_slug = $1 AND m.status <> 'draft'`,
	admin.EntityTrack: `SELECT CASE WHEN t.administration <> '' THEN '/programmes-sur-mesure/' ELSE '/parcours/' END || t.slug
		FROM slug_redirects r JOIN tracks t ON t.id = r.target_id WHERE r.entity = 'track' AND r.old_slug = $1 AND NOT t.restricted
		AND t.status <> 'draft'`,
}

// SlugRedirect returns the current public path of the entity that had slug before it was renamed, or
// apperr.ErrNotFound.
func (s *Store) SlugRedirect(ctx context.Context, entity, slug string) (string, error) {
	q, ok := redirectLookups[entity]
	if !ok {
		return "", fmt.Errorf("postgres.SlugRedirect: %w", apperr.ErrNotFound)
	}
	var path string
	if err := s.pool.QueryRow(ctx, q, slug).Scan(&path); err != nil {
		return "", fmt.Errorf("postgres.SlugRedirect: %w", notFound(err))
	}
	return path, nil
}

// AdminRefs returns every domain, partner and audience that a module or track may point to, in display order,
// in one round trip.
func (s *Store) AdminRefs(ctx context.Context) (admin.Refs, error) {
	refs, err := loadRefs(ctx, s.pool)
	if err != nil {
		return refs, fmt.Errorf("postgres.AdminRefs: %w", err)
	}
	return refs, nil
}

func loadRefs(ctx context.Context, q queryer) (admin.Refs, error) {
	rows, err := q.Query(ctx, `
		SELECT kind, id, slug, title, status FROM (
			SELECT 1 AS kind, id, slug, title, status, position AS pos FROM domains
			UNION ALL SELECT 2, id, slug, name, status, 0 FROM partners
			UNION ALL SELECT 3, id, slug, label, status, position FROM audiences) x
		ORDER BY kind, pos, title COLLATE "fr-x-icu", id`)
	if err != nil {
		return admin.Refs{}, err
	}
	defer rows.Close()
	var lists [4][]admin.RefInfo
	for rows.Next() {
		var kind int
		var r admin.RefInfo
		if err := rows.Scan(&kind, &r.ID, &r.Slug, &r.Title, &r.Status); err != nil {
			return admin.Refs{}, err
		}
		lists[kind] = append(lists[kind], r)
	}
	if err := rows.Err(); err != nil {
		return admin.Refs{}, err
	}
	return admin.NewRefs(lists[1], lists[2], lists[3]), nil
}

// SetStatus moves an entity (domain, partner, audience, module, track) to another status, if the rules of
// the catalogue allow it now (admin.CheckTransition, with what it depends on read in the same transaction).
func (s *Store) SetStatus(ctx context.Context, actor admin.Actor, entity string, id int64, to string) error {
	table, ok := tables[entity]
	if !ok || entity == admin.EntitySession {
		return fmt.Errorf("postgres.SetStatus: %s: %w", entity, apperr.ErrNotFound)
	}
	labelCol := map[string]string{admin.EntityPartner: "name", admin.EntityAudience: "label"}[entity]
	if labelCol == "" {
		labelCol = "title"
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var from, label string
		if err := tx.QueryRow(ctx, `SELECT status, `+labelCol+` FROM `+table+` WHERE id = $1 FOR UPDATE`, id).Scan(&from, &label); err != nil {
			return notFound(err)
		}
		var d admin.Deps
		var err error
		switch entity {
		case admin.EntityModule:
			err = tx.QueryRow(ctx, `SELECT d.status, d.title, coalesce(p.status, ''), coalesce(p.name, '')
				FROM modules m JOIN domains d ON d.id = m.domain_id LEFT JOIN partners p ON p.id = m.partner_id WHERE m.id = $1`, id).
				Scan(&d.DomainStatus, &d.DomainTitle, &d.PartnerStatus, &d.PartnerName)
		case admin.EntityTrack:
			err = tx.QueryRow(ctx, `SELECT d.status, d.title, t.restricted FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.id = $1`, id).
				Scan(&d.DomainStatus, &d.DomainTitle, &d.Restricted)
		case admin.EntityDomain:
			err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM modules WHERE domain_id = $1 AND status = 'published'),
				(SELECT count(*) FROM tracks WHERE domain_id = $1 AND status = 'published')`, id).Scan(&d.PublishedModules, &d.PublishedTracks)
		case admin.EntityPartner:
			err = tx.QueryRow(ctx, `SELECT count(*) FROM modules WHERE partner_id = $1 AND status = 'published'`, id).Scan(&d.PublishedModules)
		case admin.EntityAudience:
			err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM module_audiences WHERE audience_id = $1)
				+ (SELECT count(*) FROM track_audiences WHERE audience_id = $1)`, id).Scan(&d.Links)
		}
		if err != nil {
			return err
		}
		if err := admin.CheckTransition(entity, from, to, d); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET status = $2, version = version + 1, updated_at = now() WHERE id = $1`, id, to); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, entity, id, label, admin.ActionStatus,
			map[string]string{"status": admin.StatusLabel(from)}, map[string]string{"status": admin.StatusLabel(to)})
	})
	if err != nil {
		return fmt.Errorf("postgres.SetStatus: %w", err)
	}
	return nil
}

// Trainers lists the users who may run a session (trainers and admins), by name.
func (s *Store) Trainers(ctx context.Context) ([]admin.Person, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, CASE WHEN btrim(given_name || ' ' || usual_name) = '' THEN email
		ELSE btrim(given_name || ' ' || usual_name) END AS name FROM users WHERE role IN ('trainer', 'admin') ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.Trainers: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[admin.Person])
	if err != nil {
		return nil, fmt.Errorf("postgres.Trainers: %w", err)
	}
	return out, nil
}
