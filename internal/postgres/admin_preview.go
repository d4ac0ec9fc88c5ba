package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"campus/internal/catalogue"
)

// Previews: a catalogue page as agents will see it once published, whatever the entity's status now. They
// read what the public pages read (same columns and helpers), without the check that hides drafts.

// PreviewModule returns the module page of a module whatever its status.
func (s *Store) PreviewModule(ctx context.Context, slug string) (catalogue.Module, error) {
	return s.modulePage(ctx, "postgres.PreviewModule", slug, false)
}

// PreviewTrack returns the page of a track or tailored programme whatever its status (with its published
// modules, as agents will see it).
func (s *Store) PreviewTrack(ctx context.Context, slug string) (catalogue.Track, error) {
	var t catalogue.Track
	err := s.pool.QueryRow(ctx, `SELECT `+trackCardColumns+`, t.description, t.status
		FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.slug = $1`, slug).
		Scan(&t.ID, &t.Slug, &t.Title, &t.Summary, &t.Domain.Slug, &t.Domain.Title, &t.Administration,
			&t.Participants, &t.Featured, &t.ModuleCount, &t.DurationMinutes, &t.Description, &t.Status)
	if err != nil {
		return t, fmt.Errorf("postgres.PreviewTrack: %w", notFound(err))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+moduleCardColumns+moduleCardFrom+`
		JOIN track_modules tm ON tm.module_id = m.id
		WHERE tm.track_id = $1 AND m.status = 'published' ORDER BY tm.position`, t.ID)
	if err != nil {
		return t, fmt.Errorf("postgres.PreviewTrack: modules: %w", err)
	}
	if t.Modules, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.ModuleCard, error) {
		var c catalogue.ModuleCard
		err := scanModuleCard(r, &c)
		return c, err
	}); err != nil {
		return t, fmt.Errorf("postgres.PreviewTrack: modules: %w", err)
	}
	if t.Audiences, err = s.audiences(ctx, `SELECT a.id, a.slug, a.label, a.description FROM audiences a
		JOIN track_audiences ta ON ta.audience_id = a.id WHERE ta.track_id = $1 ORDER BY a.position`, t.ID); err != nil {
		return t, fmt.Errorf("postgres.PreviewTrack: %w", err)
	}
	return t, nil
}

// PreviewDomain returns the page of a domain whatever its status, with its published tracks and modules.
func (s *Store) PreviewDomain(ctx context.Context, slug string) (catalogue.DomainPage, error) {
	var p catalogue.DomainPage
	d := &p.Domain
	err := s.pool.QueryRow(ctx, `SELECT id, slug, title, summary, description, status, position FROM domains WHERE slug = $1`, slug).
		Scan(&d.ID, &d.Slug, &d.Title, &d.Summary, &d.Description, &d.Status, &d.Position)
	if err != nil {
		return p, fmt.Errorf("postgres.PreviewDomain: %w", notFound(err))
	}
	if p.Modules, err = s.moduleCards(ctx, "postgres.PreviewDomain", "m.domain_id = $1", 0, d.ID); err != nil {
		return p, err
	}
	if p.Tracks, err = s.trackCards(ctx, "postgres.PreviewDomain", "t.domain_id = $1 AND t.administration = ''", 0, d.ID); err != nil {
		return p, err
	}
	d.ModuleCount, d.TrackCount = len(p.Modules), len(p.Tracks)
	return p, nil
}

// PreviewPartner returns the page of a partner whatever its status, with its published modules, and its status.
func (s *Store) PreviewPartner(ctx context.Context, slug string) (catalogue.PartnerPage, string, error) {
	var pp catalogue.PartnerPage
	var status string
	p := &pp.Partner
	err := s.pool.QueryRow(ctx, `SELECT id, slug, name, short_name, kind, summary, description, website, status FROM partners WHERE slug = $1`, slug).
		Scan(&p.ID, &p.Slug, &p.Name, &p.ShortName, &p.Kind, &p.Summary, &p.Description, &p.Website, &status)
	if err != nil {
		return pp, "", fmt.Errorf("postgres.PreviewPartner: %w", notFound(err))
	}
	if pp.Modules, err = s.moduleCards(ctx, "postgres.PreviewPartner", "m.partner_id = $1", 0, p.ID); err != nil {
		return pp, "", err
	}
	p.ModuleCount = len(pp.Modules)
	return pp, status, nil
}
