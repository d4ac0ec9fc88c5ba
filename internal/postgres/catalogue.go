package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/apperr"
	"campus/internal/catalogue"
)

// Published catalogue rows: a module is public when it and its domain are published or its domain is coming.
const moduleCardColumns = `
	m.id, m.slug, m.title, m.summary, m.duration_minutes, m.format, m.level,
	d.slug, d.title, coalesce(p.slug, ''), coalesce(p.name, ''),
	(SELECT min(ms.starts_at) FROM module_sessions ms
	  WHERE ms.module_id = m.id AND ms.status = 'scheduled' AND ms.starts_at > now())`

const moduleCardFrom = `
	FROM modules m
	JOIN domains d ON d.id = m.domain_id
	LEFT JOIN partners p ON p.id = m.partner_id`

func scanModuleCard(row pgx.Row, c *catalogue.ModuleCard, extra ...any) error {
	dest := append([]any{&c.ID, &c.Slug, &c.Title, &c.Summary, &c.DurationMinutes, &c.Format, &c.Level,
		&c.Domain.Slug, &c.Domain.Title, &c.Partner.Slug, &c.Partner.Title, &c.NextSession}, extra...)
	return row.Scan(dest...)
}

// moduleCards lists the published modules matching where, by title; limit > 0 keeps the first ones.
func (s *Store) moduleCards(ctx context.Context, op, where string, limit int, args ...any) ([]catalogue.ModuleCard, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+moduleCardColumns+moduleCardFrom+`
		WHERE m.status = 'published' AND `+where+` ORDER BY m.title COLLATE "fr-x-icu", m.id`+limitSQL(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []catalogue.ModuleCard
	for rows.Next() {
		var c catalogue.ModuleCard
		if err := scanModuleCard(rows, &c); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// ListDomains returns the public domains (published and coming) in display order with their counts.
func (s *Store) ListDomains(ctx context.Context) ([]catalogue.Domain, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT d.id, d.slug, d.title, d.summary, d.description, d.status, d.position,
		       (SELECT count(*) FROM modules m WHERE m.domain_id = d.id AND m.status = 'published'),
		       (SELECT count(*) FROM tracks t WHERE t.domain_id = d.id AND t.status = 'published' AND t.administration = '')
		FROM domains d
		WHERE d.status IN ('published', 'coming')
		ORDER BY d.position, d.title`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ListDomains: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.Domain, error) {
		var d catalogue.Domain
		err := r.Scan(&d.ID, &d.Slug, &d.Title, &d.Summary, &d.Description, &d.Status, &d.Position, &d.ModuleCount, &d.TrackCount)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ListDomains: %w", err)
	}
	return out, nil
}

// DomainBySlug returns a public domain with its published tracks and modules.
func (s *Store) DomainBySlug(ctx context.Context, slug string) (catalogue.DomainPage, error) {
	var p catalogue.DomainPage
	d := &p.Domain
	err := s.pool.QueryRow(ctx, `
		SELECT id, slug, title, summary, description, status, position FROM domains WHERE slug = $1`, slug).
		Scan(&d.ID, &d.Slug, &d.Title, &d.Summary, &d.Description, &d.Status, &d.Position)
	if err != nil {
		return p, fmt.Errorf("postgres.DomainBySlug: %w", notFound(err))
	}
	switch d.Status {
	case catalogue.StatusArchived:
		return p, fmt.Errorf("postgres.DomainBySlug: %w", apperr.ErrGone)
	case catalogue.StatusDraft:
		return p, fmt.Errorf("postgres.DomainBySlug: %w", apperr.ErrNotFound)
	}
	// The first tracks and modules (a domain of the national catalogue holds a thousand modules: the page links
	// to the search for the rest), and how many there are.
	if p.Modules, err = s.moduleCards(ctx, "postgres.DomainBySlug", "m.domain_id = $1", catalogue.DomainPageModules, d.ID); err != nil {
		return p, err
	}
	if p.Tracks, err = s.trackCards(ctx, "postgres.DomainBySlug", "t.domain_id = $1 AND t.administration = ''", catalogue.DomainPageTracks, d.ID); err != nil {
		return p, err
	}
	d.ModuleCount, d.TrackCount = len(p.Modules), len(p.Tracks)
	if d.ModuleCount == catalogue.DomainPageModules || d.TrackCount == catalogue.DomainPageTracks {
		err = s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM modules m WHERE m.domain_id = $1 AND m.status = 'published'),
			(SELECT count(*) FROM tracks t WHERE t.domain_id = $1 AND t.status = 'published' AND t.administration = '')`, d.ID).
			Scan(&d.ModuleCount, &d.TrackCount)
		if err != nil {
			return p, fmt.Errorf("postgres.DomainBySlug: %w", err)
		}
	}
	return p, nil
}

const trackCardColumns = `
	t.id, t.slug, t.title, t.summary, d.slug, d.title, t.administration, t.participants, t.featured,
	(SELECT count(*) FROM track_modules tm JOIN modules m ON m.id = tm.module_id
	  WHERE tm.track_id = t.id AND m.status = 'published'),
	(SELECT coalesce(sum(m.duration_minutes), 0) FROM track_modules tm JOIN modules m ON m.id = tm.module_id
	  WHERE tm.track_id = t.id AND m.status = 'published')`

// trackCards lists the published tracks matching where, featured first; limit > 0 keeps the first ones.
func (s *Store) trackCards(ctx context.Context, op, where string, limit int, args ...any) ([]catalogue.TrackCard, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+trackCardColumns+`
		FROM tracks t JOIN domains d ON d.id = t.domain_id
		WHERE t.status = 'published' AND `+where+` ORDER BY t.featured DESC, t.title COLLATE "fr-x-icu", t.id`+limitSQL(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.TrackCard, error) {
		var c catalogue.TrackCard
		err := scanTrackCard(r, &c)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func scanTrackCard(row pgx.Row, c *catalogue.TrackCard, extra ...any) error {
	dest := append([]any{&c.ID, &c.Slug, &c.Title, &c.Summary, &c.Domain.Slug, &c.Domain.Title, &c.Administration,
		&c.Participants, &c.Featured, &c.ModuleCount, &c.DurationMinutes}, extra...)
	return row.Scan(dest...)
}

// FeaturedTracks returns the tracks put forward on the home page.
func (s *Store) FeaturedTracks(ctx context.Context) ([]catalogue.TrackCard, error) {
	return s.trackCards(ctx, "postgres.FeaturedTracks", "t.featured AND t.administration = ''", 0)
}

// TailoredProgrammes returns the published tailored programmes.
func (s *Store) TailoredProgrammes(ctx context.Context) ([]catalogue.TrackCard, error) {
	return s.trackCards(ctx, "postgres.TailoredProgrammes", "t.administration <> ''", 0)
}

// TrackBySlug returns a published track with its modules in order. A restricted programme is not found, whatever
// its status: only RestrictedProgrammes shows it, to the accounts its access list opens it to.
func (s *Store) TrackBySlug(ctx context.Context, slug string) (catalogue.Track, error) {
	var t catalogue.Track
	err := s.pool.QueryRow(ctx, `SELECT `+trackCardColumns+`, t.description, t.status
		FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.slug = $1 AND NOT t.restricted`, slug).
		Scan(&t.ID, &t.Slug, &t.Title, &t.Summary, &t.Domain.Slug, &t.Domain.Title, &t.Administration,
			&t.Participants, &t.Featured, &t.ModuleCount, &t.DurationMinutes, &t.Description, &t.Status)
	if err != nil {
		return t, fmt.Errorf("postgres.TrackBySlug: %w", notFound(err))
	}
	if err := visible(t.Status); err != nil {
		return t, fmt.Errorf("postgres.TrackBySlug: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+moduleCardColumns+moduleCardFrom+`
		JOIN track_modules tm ON tm.module_id = m.id
		WHERE tm.track_id = $1 AND m.status = 'published' ORDER BY tm.position`, t.ID)
	if err != nil {
		return t, fmt.Errorf("postgres.TrackBySlug: modules: %w", err)
	}
	t.Modules, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.ModuleCard, error) {
		var c catalogue.ModuleCard
		err := scanModuleCard(r, &c)
		return c, err
	})
	if err != nil {
		return t, fmt.Errorf("postgres.TrackBySlug: modules: %w", err)
	}
	if t.Audiences, err = s.audiences(ctx, `SELECT a.id, a.slug, a.label, a.description FROM audiences a
		JOIN track_audiences ta ON ta.audience_id = a.id WHERE ta.track_id = $1 ORDER BY a.position`, t.ID); err != nil {
		return t, fmt.Errorf("postgres.TrackBySlug: %w", err)
	}
	return t, nil
}

func visible(status string) error {
	switch status {
	case catalogue.StatusArchived:
		return apperr.ErrGone
	case catalogue.StatusDraft:
		return apperr.ErrNotFound
	}
	return nil
}

func (s *Store) audiences(ctx context.Context, sql string, args ...any) ([]catalogue.Audience, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.Audience, error) {
		var a catalogue.Audience
		err := r.Scan(&a.ID, &a.Slug, &a.Label, &a.Description)
		return a, err
	})
}

// ModuleBySlug returns a published module with its audiences, the tracks it belongs to and its upcoming sessions.
func (s *Store) ModuleBySlug(ctx context.Context, slug string) (catalogue.Module, error) {
	return s.modulePage(ctx, "postgres.ModuleBySlug", slug, true)
}

// modulePage reads the page of a module (ModuleBySlug, PreviewModule): only a published one when published is
// set, whatever its status otherwise. name is the caller's, for the errors.
func (s *Store) modulePage(ctx context.Context, name, slug string, published bool) (catalogue.Module, error) {
	var m catalogue.Module
	err := scanModuleCard(s.pool.QueryRow(ctx, `SELECT `+moduleCardColumns+`,
			m.objectives, m.outline, m.prerequisites, m.external_url, m.keywords, m.status, d.status, m.updated_at
		`+moduleCardFrom+` WHERE m.slug = $1`, slug), &m.ModuleCard,
		&m.Objectives, &m.Outline, &m.Prerequisites, &m.ExternalURL, &m.Keywords, &m.Status, &m.DomainStatus, &m.UpdatedAt)
	if err != nil {
		return m, fmt.Errorf("%s: %w", name, notFound(err))
	}
	if published {
		if err := visible(m.Status); err != nil {
			return m, fmt.Errorf("%s: %w", name, err)
		}
	}
	if m.Audiences, err = s.audiences(ctx, `SELECT a.id, a.slug, a.label, a.description FROM audiences a
		JOIN module_audiences ma ON ma.audience_id = a.id WHERE ma.module_id = $1 ORDER BY a.position`, m.ID); err != nil {
		return m, fmt.Errorf("%s: audiences: %w", name, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT t.slug, t.title, t.administration <> '' FROM tracks t JOIN track_modules tm ON tm.track_id = t.id
		WHERE tm.module_id = $1 AND t.status = 'published' ORDER BY t.administration <> '', t.title COLLATE "fr-x-icu"`, m.ID)
	if err != nil {
		return m, fmt.Errorf("%s: tracks: %w", name, err)
	}
	if m.Tracks, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.TrackLink, error) {
		var l catalogue.TrackLink
		err := r.Scan(&l.Slug, &l.Title, &l.Tailored)
		return l, err
	}); err != nil {
		return m, fmt.Errorf("%s: tracks: %w", name, err)
	}
	if m.Sessions, err = s.sessions(ctx, `WHERE ms.module_id = $1 AND ms.status = 'scheduled' AND ms.starts_at > now()
		ORDER BY ms.starts_at, ms.id`, m.ID); err != nil {
		return m, fmt.Errorf("%s: sessions: %w", name, err)
	}
	return m, nil
}

const sessionColumns = `ms.id, ms.ref, ms.module_id, ms.starts_at, ms.ends_at, ms.place_name, ms.address, ms.city,
	ms.virtual_url, ms.capacity, ms.seats_taken, ms.status, ms.approval_required, ms.half_days`

func scanSession(row pgx.Row, x *catalogue.Session, extra ...any) error {
	dest := append([]any{&x.ID, &x.Ref, &x.ModuleID, &x.StartsAt, &x.EndsAt, &x.PlaceName, &x.Address, &x.City,
		&x.VirtualURL, &x.Capacity, &x.SeatsTaken, &x.Status, &x.ApprovalRequired, &x.HalfDays}, extra...)
	return row.Scan(dest...)
}

func (s *Store) sessions(ctx context.Context, tail string, args ...any) ([]catalogue.Session, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sessionColumns+` FROM module_sessions ms `+tail, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.Session, error) {
		var x catalogue.Session
		err := scanSession(r, &x)
		return x, err
	})
}

// UpcomingSessions returns the next scheduled sessions of published modules that still have seats.
func (s *Store) UpcomingSessions(ctx context.Context, limit int) ([]catalogue.UpcomingSession, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sessionColumns+`, m.slug, m.title, m.format
		FROM module_sessions ms JOIN modules m ON m.id = ms.module_id JOIN domains d ON d.id = m.domain_id
		WHERE ms.status = 'scheduled' AND ms.starts_at > now() AND ms.seats_taken < ms.capacity
		  AND m.status = 'published' AND d.status = 'published'
		ORDER BY ms.starts_at, ms.id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres.UpcomingSessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.UpcomingSession, error) {
		var u catalogue.UpcomingSession
		err := scanSession(r, &u.Session, &u.Module.Slug, &u.Module.Title, &u.Format)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.UpcomingSessions: %w", err)
	}
	return out, nil
}

// ListPartners returns the published partners with the number of published modules they deliver.
func (s *Store) ListPartners(ctx context.Context) ([]catalogue.Partner, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.slug, p.name, p.short_name, p.kind, p.summary, p.description, p.website,
		       (SELECT count(*) FROM modules m WHERE m.partner_id = p.id AND m.status = 'published')
		FROM partners p WHERE p.status = 'published' ORDER BY p.name COLLATE "fr-x-icu"`)
	if err != nil {
		return nil, fmt.Errorf("postgres.ListPartners: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.Partner, error) {
		var p catalogue.Partner
		err := r.Scan(&p.ID, &p.Slug, &p.Name, &p.ShortName, &p.Kind, &p.Summary, &p.Description, &p.Website, &p.ModuleCount)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ListPartners: %w", err)
	}
	return out, nil
}

// PartnerBySlug returns a published partner and its published modules.
func (s *Store) PartnerBySlug(ctx context.Context, slug string) (catalogue.PartnerPage, error) {
	var pp catalogue.PartnerPage
	p := &pp.Partner
	var status string
	err := s.pool.QueryRow(ctx, `SELECT id, slug, name, short_name, kind, summary, description, website, status
		FROM partners WHERE slug = $1`, slug).
		Scan(&p.ID, &p.Slug, &p.Name, &p.ShortName, &p.Kind, &p.Summary, &p.Description, &p.Website, &status)
	if err != nil {
		return pp, fmt.Errorf("postgres.PartnerBySlug: %w", notFound(err))
	}
	if err := visible(status); err != nil {
		return pp, fmt.Errorf("postgres.PartnerBySlug: %w", err)
	}
	if pp.Modules, err = s.moduleCards(ctx, "postgres.PartnerBySlug", "m.partner_id = $1", catalogue.PartnerPageModules, p.ID); err != nil {
		return pp, err
	}
	p.ModuleCount = len(pp.Modules)
	if p.ModuleCount == catalogue.PartnerPageModules {
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM modules m WHERE m.partner_id = $1 AND m.status = 'published'`, p.ID).
			Scan(&p.ModuleCount); err != nil {
			return pp, fmt.Errorf("postgres.PartnerBySlug: %w", err)
		}
	}
	return pp, nil
}

// KeyFigures counts the public catalogue in one round trip.
func (s *Store) KeyFigures(ctx context.Context) (catalogue.KeyFigures, error) {
	var k catalogue.KeyFigures
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM domains WHERE status = 'published'),
		(SELECT count(*) FROM modules m JOIN domains d ON d.id = m.domain_id
		  WHERE m.status = 'published' AND d.status = 'published'),
		(SELECT count(*) FROM tracks WHERE status = 'published' AND administration = ''),
		(SELECT count(*) FROM tracks WHERE status = 'published' AND administration <> ''),
		(SELECT count(*) FROM partners WHERE status = 'published'),
		(SELECT count(*) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()),
		(SELECT coalesce(sum(capacity - seats_taken), 0) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()),
		(SELECT coalesce(sum(participants), 0) FROM tracks WHERE status = 'published' AND administration <> '')`).
		Scan(&k.Domains, &k.Modules, &k.Tracks, &k.TailoredProgrammes, &k.Partners, &k.UpcomingSessions,
			&k.SeatsAvailable, &k.ProgrammeAgents)
	if err != nil {
		return k, fmt.Errorf("postgres.KeyFigures: %w", err)
	}
	return k, nil
}

// Sitemap lists every public catalogue page (domains, tracks, programmes, modules, partners) with the time of
// its latest change, its own or that of what it shows (a domain's modules and tracks, a track's modules, a
// module's sessions, a partner's modules); tracks, programmes and modules grouped by domain.
func (s *Store) Sitemap(ctx context.Context) ([]catalogue.SitemapEntry, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT kind, slug, title, grp, lastmod FROM (
		  SELECT 'domaine' AS kind, d.slug, d.title, d.title AS grp, d.position, 0 AS o,
		         greatest(d.updated_at,
		           (SELECT max(m.updated_at) FROM modules m WHERE m.domain_id = d.id AND m.status = 'published'),
		           (SELECT max(t.updated_at) FROM tracks t WHERE t.domain_id = d.id AND t.status = 'published')) AS lastmod
		    FROM domains d WHERE d.status IN ('published', 'coming')
		  UNION ALL
		  SELECT CASE WHEN t.administration = '' THEN 'parcours' ELSE 'programme' END, t.slug, t.title, d.title, d.position,
		         CASE WHEN t.administration = '' THEN 1 ELSE 2 END,
		         greatest(t.updated_at, (SELECT max(m.updated_at) FROM track_modules tm JOIN modules m ON m.id = tm.module_id
		                                 WHERE tm.track_id = t.id AND m.status = 'published'))
		    FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.status = 'published' AND NOT t.restricted
		  UNION ALL
		  SELECT 'module', m.slug, m.title, d.title, d.position, 3,
		         greatest(m.updated_at, (SELECT max(x.updated_at) FROM module_sessions x WHERE x.module_id = m.id))
		    FROM modules m JOIN domains d ON d.id = m.domain_id WHERE m.status = 'published'
		  UNION ALL
		  SELECT 'partenaire', p.slug, p.name, '', 2147483647, 4,
		         greatest(p.updated_at, (SELECT max(m.updated_at) FROM modules m WHERE m.partner_id = p.id AND m.status = 'published'))
		    FROM partners p WHERE p.status = 'published'
		) x ORDER BY position, grp, o, title COLLATE "fr-x-icu"`)
	if err != nil {
		return nil, fmt.Errorf("postgres.Sitemap: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalogue.SitemapEntry, error) {
		var e catalogue.SitemapEntry
		err := r.Scan(&e.Kind, &e.Slug, &e.Title, &e.Group, &e.LastMod)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.Sitemap: %w", err)
	}
	return out, nil
}

// Tracks returns every published track (tailored programmes excepted).
func (s *Store) Tracks(ctx context.Context) ([]catalogue.TrackCard, error) {
	return s.trackCards(ctx, "postgres.Tracks", "t.administration = ''", 0)
}

// limitSQL is a LIMIT clause, or nothing when n <= 0.
func limitSQL(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(n)
}

// OpenDataPeriods are the temporal coverage of the open data: the first start and the last end of the upcoming
// sessions of the catalogue, and the first enrolment the results count. A zero time: none yet.
func (s *Store) OpenDataPeriods(ctx context.Context) (sessionsFrom, sessionsTo, enrolmentsFrom time.Time, err error) {
	var from, to, first *time.Time
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT min(starts_at) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()),
		(SELECT max(ends_at) FROM module_sessions WHERE status = 'scheduled' AND starts_at > now()),
		(SELECT min(created_at) FROM enrolments)`).Scan(&from, &to, &first)
	if err != nil {
		return time.Time{}, time.Time{}, time.Time{}, fmt.Errorf("postgres.OpenDataPeriods: %w", err)
	}
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{from, &sessionsFrom}, {to, &sessionsTo}, {first, &enrolmentsFrom}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return sessionsFrom, sessionsTo, enrolmentsFrom, nil
}
