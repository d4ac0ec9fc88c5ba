package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
)

const adminModuleColumns = `m.id, m.status, m.version, m.updated_at, m.slug, m.title, m.domain_id, d.slug, d.title,
	coalesce(m.partner_id, 0), coalesce(p.slug, ''), m.summary, m.objectives, m.outline, m.duration_minutes, m.format, m.level,
	m.prerequisites, m.external_url, m.keywords,
	coalesce((SELECT array_agg(a.id ORDER BY a.position, a.label COLLATE "fr-x-icu", a.id) FROM module_audiences ma
	  JOIN audiences a ON a.id = ma.audience_id WHERE ma.module_id = m.id), '{}'),
	coalesce((SELECT array_agg(a.slug ORDER BY a.position, a.label COLLATE "fr-x-icu", a.id) FROM module_audiences ma
	  JOIN audiences a ON a.id = ma.audience_id WHERE ma.module_id = m.id), '{}')`

const adminModuleFrom = ` FROM modules m JOIN domains d ON d.id = m.domain_id LEFT JOIN partners p ON p.id = m.partner_id`

func scanAdminModule(row pgx.Row, m *admin.Module, extra ...any) error {
	return row.Scan(append([]any{&m.ID, &m.Status, &m.Version, &m.UpdatedAt, &m.Slug, &m.Title, &m.DomainID, &m.Domain, &m.DomainTitle,
		&m.PartnerID, &m.Partner, &m.Summary, &m.Objectives, &m.Outline, &m.DurationMinutes, &m.Format, &m.Level,
		&m.Prerequisites, &m.ExternalURL, &m.Keywords, &m.AudienceIDs, &m.Audiences}, extra...)...)
}

// ModuleFilter narrows the back-office's list of modules.
type ModuleFilter struct {
	Status string // "" for every status
	Domain int64  // 0 for every domain
	Query  string // part of the title or slug
}

// AdminModules returns a page of modules (every status) with their number of upcoming sessions, and the
// number of modules matching the filter.
func (s *Store) AdminModules(ctx context.Context, f ModuleFilter, limit, offset int) ([]admin.Module, int, error) {
	where := `($1 = '' OR m.status = $1) AND ($2 = 0 OR m.domain_id = $2)
		AND ($3 = '' OR m.title ILIKE '%' || $3 || '%' OR m.slug ILIKE '%' || $3 || '%')`
	args := []any{f.Status, f.Domain, likeEscape(f.Query)}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM modules m WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminModules: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+adminModuleColumns+`,
		(SELECT count(*) FROM module_sessions ms WHERE ms.module_id = m.id AND ms.status = 'scheduled' AND ms.starts_at > now())
		`+adminModuleFrom+` WHERE `+where+` ORDER BY m.title COLLATE "fr-x-icu", m.id LIMIT $4 OFFSET $5`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminModules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Module, error) {
		var m admin.Module
		err := scanAdminModule(r, &m, &m.Sessions)
		return m, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminModules: %w", err)
	}
	return out, total, nil
}

// likeEscape makes a typed text match literally in LIKE.
func likeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// AdminModule returns a module whatever its status.
func (s *Store) AdminModule(ctx context.Context, id int64) (admin.Module, error) {
	var m admin.Module
	if err := scanAdminModule(s.pool.QueryRow(ctx, `SELECT `+adminModuleColumns+adminModuleFrom+` WHERE m.id = $1`, id), &m); err != nil {
		return m, fmt.Errorf("postgres.AdminModule: %w", notFound(err))
	}
	return m, nil
}

// modulesBySlug loads the modules with these slugs (locked when lock is set), by slug.
func modulesBySlug(ctx context.Context, q queryer, slugs []string, lock bool) (map[string]admin.Module, error) {
	sql := `SELECT ` + adminModuleColumns + adminModuleFrom + ` WHERE m.slug = ANY($1) ORDER BY m.id`
	if lock {
		sql += ` FOR UPDATE OF m`
	}
	rows, err := q.Query(ctx, sql, slugs)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Module, error) {
		var m admin.Module
		err := scanAdminModule(r, &m)
		return m, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]admin.Module, len(list))
	for _, m := range list {
		out[m.Slug] = m
	}
	return out, nil
}

func insertModule(ctx context.Context, tx pgx.Tx, m admin.Module, status string) (int64, error) {
	var partner *int64
	if m.PartnerID != 0 {
		partner = &m.PartnerID
	}
	id, err := insertEntity(ctx, tx, admin.EntityModule, m.Slug, `INSERT INTO modules (slug, domain_id, partner_id, title, summary,
		objectives, outline, duration_minutes, format, level, prerequisites, external_url, keywords, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		m.Slug, m.DomainID, partner, m.Title, m.Summary, nonNil(m.Objectives), nonNil(m.Outline), m.DurationMinutes, m.Format, m.Level,
		m.Prerequisites, m.ExternalURL, nonNil(m.Keywords), status)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO module_audiences (module_id, audience_id) SELECT $1, unnest($2::bigint[])`, id, m.AudienceIDs)
	return id, err
}

// writeModule saves the fields of a module over old (its status too, when it changes).
func writeModule(ctx context.Context, tx pgx.Tx, old, m admin.Module, status string) error {
	var partner *int64
	if m.PartnerID != 0 {
		partner = &m.PartnerID
	}
	if err := updateRow(ctx, tx, admin.EntityModule, old.ID, old.Slug, m.Slug, `UPDATE modules SET slug = $2, domain_id = $3,
		partner_id = $4, title = $5, summary = $6, objectives = $7, outline = $8, duration_minutes = $9, format = $10, level = $11,
		prerequisites = $12, external_url = $13, keywords = $14, status = $15, version = version + 1, updated_at = now() WHERE id = $1`,
		old.ID, m.Slug, m.DomainID, partner, m.Title, m.Summary, nonNil(m.Objectives), nonNil(m.Outline), m.DurationMinutes, m.Format,
		m.Level, m.Prerequisites, m.ExternalURL, nonNil(m.Keywords), status); err != nil {
		return err
	}
	if admin.JoinList(old.Audiences) == admin.JoinList(m.Audiences) {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM module_audiences WHERE module_id = $1`, old.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO module_audiences (module_id, audience_id) SELECT $1, unnest($2::bigint[])`, old.ID, m.AudienceIDs)
	return err
}

// CreateModule inserts a draft module with its audiences.
func (s *Store) CreateModule(ctx context.Context, actor admin.Actor, m admin.Module) (int64, error) {
	id, err := s.createEntity(ctx, actor, admin.EntityModule, m.Title, m.Snapshot(), func(tx pgx.Tx) (int64, error) {
		return insertModule(ctx, tx, m, "draft")
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateModule: %w", err)
	}
	return id, nil
}

// UpdateModule saves a module edited from version; a stale version is refused with an admin.ConflictError.
// The checks that depend on the status (a published module needs a visible domain) are the caller's, made
// with the status returned by AdminModule; a status changed in between is caught by the version.
func (s *Store) UpdateModule(ctx context.Context, actor admin.Actor, id int64, version int, m admin.Module) error {
	err := updateEntity(ctx, s, actor, admin.EntityModule, id, version, m.Title, scanAdminModule,
		`SELECT `+adminModuleColumns+adminModuleFrom+` WHERE m.id = $1 FOR UPDATE OF m`, m, nil, func(tx pgx.Tx, old, m admin.Module) error {
			return writeModule(ctx, tx, old, m, old.Status)
		})
	if err != nil {
		return fmt.Errorf("postgres.UpdateModule: %w", err)
	}
	return nil
}

// ModuleChoices lists the modules sessions may be created for (dated formats, not archived), by title.
func (s *Store) ModuleChoices(ctx context.Context) ([]admin.ModuleChoice, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, slug, title, format, status FROM modules
		WHERE format <> 'en_ligne' AND status <> 'archived' ORDER BY title COLLATE "fr-x-icu", id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ModuleChoices: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[admin.ModuleChoice])
	if err != nil {
		return nil, fmt.Errorf("postgres.ModuleChoices: %w", err)
	}
	return out, nil
}

// ModuleChoice returns one module by slug as a session sees it, whatever its format and status.
func (s *Store) ModuleChoice(ctx context.Context, slug string) (admin.ModuleChoice, error) {
	var m admin.ModuleChoice
	err := s.pool.QueryRow(ctx, `SELECT id, slug, title, format, status FROM modules WHERE slug = $1`, slug).
		Scan(&m.ID, &m.Slug, &m.Title, &m.Format, &m.Status)
	if err != nil {
		return m, fmt.Errorf("postgres.ModuleChoice: %w", notFound(err))
	}
	return m, nil
}
