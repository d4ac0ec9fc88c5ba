package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
)

// Domains, partners and audiences as the back-office edits them: every status, with their version.

const adminDomainColumns = `d.id, d.status, d.version, d.updated_at, d.slug, d.title, d.summary, d.description, d.position`

func scanAdminDomain(row pgx.Row, d *admin.Domain, extra ...any) error {
	return row.Scan(append([]any{&d.ID, &d.Status, &d.Version, &d.UpdatedAt, &d.Slug, &d.Title, &d.Summary, &d.Description,
		&d.Position}, extra...)...)
}

// AdminDomains lists every domain with its number of modules and tracks (all statuses).
func (s *Store) AdminDomains(ctx context.Context) ([]admin.Domain, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminDomainColumns+`,
		(SELECT count(*) FROM modules m WHERE m.domain_id = d.id), (SELECT count(*) FROM tracks t WHERE t.domain_id = d.id)
		FROM domains d ORDER BY d.position, d.title COLLATE "fr-x-icu", d.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminDomains: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Domain, error) {
		var d admin.Domain
		err := scanAdminDomain(r, &d, &d.Modules, &d.Tracks)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminDomains: %w", err)
	}
	return out, nil
}

// AdminDomain returns a domain whatever its status.
func (s *Store) AdminDomain(ctx context.Context, id int64) (admin.Domain, error) {
	var d admin.Domain
	if err := scanAdminDomain(s.pool.QueryRow(ctx, `SELECT `+adminDomainColumns+` FROM domains d WHERE d.id = $1`, id), &d); err != nil {
		return d, fmt.Errorf("postgres.AdminDomain: %w", notFound(err))
	}
	return d, nil
}

// CreateDomain inserts a draft domain.
func (s *Store) CreateDomain(ctx context.Context, actor admin.Actor, d admin.Domain) (int64, error) {
	id, err := s.createEntity(ctx, actor, admin.EntityDomain, d.Title, d.Snapshot(), func(tx pgx.Tx) (int64, error) {
		return insertEntity(ctx, tx, admin.EntityDomain, d.Slug, `INSERT INTO domains (slug, title, summary, description, position, status)
			VALUES ($1, $2, $3, $4, $5, 'draft') RETURNING id`, d.Slug, d.Title, d.Summary, d.Description, d.Position)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateDomain: %w", err)
	}
	return id, nil
}

// UpdateDomain saves a domain edited from version; a stale version is refused with an admin.ConflictError.
func (s *Store) UpdateDomain(ctx context.Context, actor admin.Actor, id int64, version int, d admin.Domain) error {
	err := updateEntity(ctx, s, actor, admin.EntityDomain, id, version, d.Title, scanAdminDomain,
		`SELECT `+adminDomainColumns+` FROM domains d WHERE d.id = $1 FOR UPDATE`, d, nil, func(tx pgx.Tx, old, d admin.Domain) error {
			return updateRow(ctx, tx, admin.EntityDomain, id, old.Slug, d.Slug, `UPDATE domains SET slug = $2, title = $3, summary = $4,
				description = $5, position = $6, version = version + 1, updated_at = now() WHERE id = $1`,
				id, d.Slug, d.Title, d.Summary, d.Description, d.Position)
		})
	if err != nil {
		return fmt.Errorf("postgres.UpdateDomain: %w", err)
	}
	return nil
}

func withStatus(s admin.Snapshot, status string) map[string]string {
	m := s.Map()
	m["status"] = admin.StatusLabel(status)
	return m
}

// ---- Partners ----

const adminPartnerColumns = `p.id, p.status, p.version, p.updated_at, p.slug, p.name, p.short_name, p.kind, p.website, p.summary, p.description`

func scanAdminPartner(row pgx.Row, p *admin.Partner, extra ...any) error {
	return row.Scan(append([]any{&p.ID, &p.Status, &p.Version, &p.UpdatedAt, &p.Slug, &p.Name, &p.ShortName, &p.Kind, &p.Website,
		&p.Summary, &p.Description}, extra...)...)
}

// AdminPartners lists every partner with its number of modules.
func (s *Store) AdminPartners(ctx context.Context) ([]admin.Partner, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminPartnerColumns+`, (SELECT count(*) FROM modules m WHERE m.partner_id = p.id)
		FROM partners p ORDER BY p.name COLLATE "fr-x-icu", p.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminPartners: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Partner, error) {
		var p admin.Partner
		err := scanAdminPartner(r, &p, &p.Modules)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminPartners: %w", err)
	}
	return out, nil
}

// AdminPartner returns a partner whatever its status.
func (s *Store) AdminPartner(ctx context.Context, id int64) (admin.Partner, error) {
	var p admin.Partner
	if err := scanAdminPartner(s.pool.QueryRow(ctx, `SELECT `+adminPartnerColumns+` FROM partners p WHERE p.id = $1`, id), &p); err != nil {
		return p, fmt.Errorf("postgres.AdminPartner: %w", notFound(err))
	}
	return p, nil
}

// CreatePartner inserts a draft partner.
func (s *Store) CreatePartner(ctx context.Context, actor admin.Actor, p admin.Partner) (int64, error) {
	id, err := s.createEntity(ctx, actor, admin.EntityPartner, p.Name, p.Snapshot(), func(tx pgx.Tx) (int64, error) {
		return insertEntity(ctx, tx, admin.EntityPartner, p.Slug, `INSERT INTO partners (slug, name, short_name, kind, website, summary,
			description, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft') RETURNING id`,
			p.Slug, p.Name, p.ShortName, p.Kind, p.Website, p.Summary, p.Description)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreatePartner: %w", err)
	}
	return id, nil
}

// UpdatePartner saves a partner edited from version.
func (s *Store) UpdatePartner(ctx context.Context, actor admin.Actor, id int64, version int, p admin.Partner) error {
	err := updateEntity(ctx, s, actor, admin.EntityPartner, id, version, p.Name, scanAdminPartner,
		`SELECT `+adminPartnerColumns+` FROM partners p WHERE p.id = $1 FOR UPDATE`, p, nil, func(tx pgx.Tx, old, p admin.Partner) error {
			return updateRow(ctx, tx, admin.EntityPartner, id, old.Slug, p.Slug, `UPDATE partners SET slug = $2, name = $3, short_name = $4,
				kind = $5, website = $6, summary = $7, description = $8, version = version + 1, updated_at = now() WHERE id = $1`,
				id, p.Slug, p.Name, p.ShortName, p.Kind, p.Website, p.Summary, p.Description)
		})
	if err != nil {
		return fmt.Errorf("postgres.UpdatePartner: %w", err)
	}
	return nil
}

// ---- Audiences ----

const adminAudienceColumns = `a.id, a.status, a.version, a.updated_at, a.slug, a.label, a.description, a.position`

func scanAdminAudience(row pgx.Row, a *admin.Audience, extra ...any) error {
	return row.Scan(append([]any{&a.ID, &a.Status, &a.Version, &a.UpdatedAt, &a.Slug, &a.Label, &a.Description, &a.Position}, extra...)...)
}

// AdminAudiences lists every audience with the number of modules and tracks it is attached to.
func (s *Store) AdminAudiences(ctx context.Context) ([]admin.Audience, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminAudienceColumns+`,
		(SELECT count(*) FROM module_audiences ma WHERE ma.audience_id = a.id) + (SELECT count(*) FROM track_audiences ta WHERE ta.audience_id = a.id)
		FROM audiences a ORDER BY a.position, a.label COLLATE "fr-x-icu", a.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminAudiences: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Audience, error) {
		var a admin.Audience
		err := scanAdminAudience(r, &a, &a.Links)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminAudiences: %w", err)
	}
	return out, nil
}

// AdminAudience returns an audience whatever its status.
func (s *Store) AdminAudience(ctx context.Context, id int64) (admin.Audience, error) {
	var a admin.Audience
	if err := scanAdminAudience(s.pool.QueryRow(ctx, `SELECT `+adminAudienceColumns+` FROM audiences a WHERE a.id = $1`, id), &a); err != nil {
		return a, fmt.Errorf("postgres.AdminAudience: %w", notFound(err))
	}
	return a, nil
}

// CreateAudience inserts a draft audience.
func (s *Store) CreateAudience(ctx context.Context, actor admin.Actor, a admin.Audience) (int64, error) {
	id, err := s.createEntity(ctx, actor, admin.EntityAudience, a.Label, a.Snapshot(), func(tx pgx.Tx) (int64, error) {
		return insertEntity(ctx, tx, admin.EntityAudience, a.Slug, `INSERT INTO audiences (slug, label, description, position, status)
			VALUES ($1, $2, $3, $4, 'draft') RETURNING id`, a.Slug, a.Label, a.Description, a.Position)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateAudience: %w", err)
	}
	return id, nil
}

// UpdateAudience saves an audience edited from version.
func (s *Store) UpdateAudience(ctx context.Context, actor admin.Actor, id int64, version int, a admin.Audience) error {
	err := updateEntity(ctx, s, actor, admin.EntityAudience, id, version, a.Label, scanAdminAudience,
		`SELECT `+adminAudienceColumns+` FROM audiences a WHERE a.id = $1 FOR UPDATE`, a, nil, func(tx pgx.Tx, old, a admin.Audience) error {
			return updateRow(ctx, tx, admin.EntityAudience, id, old.Slug, a.Slug, `UPDATE audiences SET slug = $2, label = $3,
				description = $4, position = $5, version = version + 1, updated_at = now() WHERE id = $1`,
				id, a.Slug, a.Label, a.Description, a.Position)
		})
	if err != nil {
		return fmt.Errorf("postgres.UpdateAudience: %w", err)
	}
	return nil
}
