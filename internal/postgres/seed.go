package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/catalogue"
	"campus/internal/seed"
)

// SeedReport counts what a seed run inserted.
type SeedReport struct {
	Domains, Partners, Audiences, Modules, Tracks, Sessions int
	LicencePools                                            int
}

// UpcomingSessionsPerModule is how many future sessions the seed keeps for each dated module.
const UpcomingSessionsPerModule = 3

// Seed loads the reference catalogue in one transaction. It only inserts what is missing (matched by slug), so
// running it twice changes nothing and it never overwrites what an administrator edited; a slug an administrator
// renamed (kept in slug_redirects) is not inserted again, so its old address keeps redirecting. Dated modules get
// sessions relative to now, topped up to UpcomingSessionsPerModule future sessions so the catalogue never looks stale.
func (s *Store) Seed(ctx context.Context, c seed.Catalogue, now time.Time) (SeedReport, error) {
	var rep SeedReport
	if err := c.Validate(); err != nil {
		return rep, fmt.Errorf("postgres.Seed: %w", err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, d := range c.Domains {
			tag, err := tx.Exec(ctx, `INSERT INTO domains (slug, title, summary, description, status, position)
				SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM slug_redirects WHERE entity = 'domain' AND old_slug = $1)
				ON CONFLICT (slug) DO NOTHING`,
				d.Slug, d.Title, d.Summary, d.Description, d.Status, d.Position)
			if err != nil {
				return fmt.Errorf("domain %s: %w", d.Slug, err)
			}
			rep.Domains += int(tag.RowsAffected())
		}
		for _, p := range c.Partners {
			tag, err := tx.Exec(ctx, `INSERT INTO partners (slug, name, short_name, kind, summary, description, website)
				SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM slug_redirects WHERE entity = 'partner' AND old_slug = $1)
				ON CONFLICT (slug) DO NOTHING`,
				p.Slug, p.Name, p.ShortName, p.Kind, p.Summary, p.Description, p.Website)
			if err != nil {
				return fmt.Errorf("partner %s: %w", p.Slug, err)
			}
			rep.Partners += int(tag.RowsAffected())
		}
		for _, a := range c.Audiences {
			tag, err := tx.Exec(ctx, `INSERT INTO audiences (slug, label, description, position)
				VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING`, a.Slug, a.Label, a.Description, a.Position)
			if err != nil {
				return fmt.Errorf("audience %s: %w", a.Slug, err)
			}
			rep.Audiences += int(tag.RowsAffected())
		}
		for _, m := range c.Modules {
			n, err := seedModule(ctx, tx, m)
			if err != nil {
				return fmt.Errorf("module %s: %w", m.Slug, err)
			}
			rep.Modules += n
		}
		for _, t := range c.Tracks {
			n, err := seedTrack(ctx, tx, t)
			if err != nil {
				return fmt.Errorf("track %s: %w", t.Slug, err)
			}
			rep.Tracks += n
		}
		for _, m := range c.Modules {
			if m.Format == catalogue.FormatOnline {
				continue
			}
			n, err := seedSessions(ctx, tx, m, now)
			if err != nil {
				return fmt.Errorf("sessions of %s: %w", m.Slug, err)
			}
			rep.Sessions += n
		}
		n, err := seedLicencePools(ctx, tx, c.LicencePools, now)
		if err != nil {
			return fmt.Errorf("licence pools: %w", err)
		}
		rep.LicencePools = n
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("postgres.Seed: %w", err)
	}
	return rep, nil
}

func seedModule(ctx context.Context, tx pgx.Tx, m seed.Module) (int, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO modules (slug, domain_id, partner_id, title, summary, objectives, outline, duration_minutes,
		                     format, level, prerequisites, external_url, keywords, status)
		SELECT $1, d.id, (SELECT id FROM partners WHERE slug = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'published'
		FROM domains d WHERE d.slug = $13
		  AND NOT EXISTS (SELECT 1 FROM slug_redirects WHERE entity = 'module' AND old_slug = $1)
		ON CONFLICT (slug) DO NOTHING RETURNING id`,
		m.Slug, m.Partner, m.Title, m.Summary, m.Objectives, m.Outline, m.DurationMinutes, m.Format, m.Level,
		m.Prerequisites, m.ExternalURL, nonNil(m.Keywords), m.Domain).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, nil // already there
	}
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO module_audiences (module_id, audience_id)
		SELECT $1, id FROM audiences WHERE slug = ANY($2)`, id, nonNil(m.Audiences))
	return 1, err
}

func seedTrack(ctx context.Context, tx pgx.Tx, t seed.Track) (int, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO tracks (slug, domain_id, title, summary, description, featured, administration, participants, status)
		SELECT $1, d.id, $2, $3, $4, $5, $6, $7, 'published' FROM domains d WHERE d.slug = $8
		  AND NOT EXISTS (SELECT 1 FROM slug_redirects WHERE entity = 'track' AND old_slug = $1)
		ON CONFLICT (slug) DO NOTHING RETURNING id`,
		t.Slug, t.Title, t.Summary, t.Description, t.Featured, t.Administration, t.Participants, t.Domain).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO track_modules (track_id, module_id, position)
		SELECT $1, m.id, x.ord FROM unnest($2::text[]) WITH ORDINALITY AS x(slug, ord) JOIN modules m ON m.slug = x.slug`,
		id, t.Modules); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO track_audiences (track_id, audience_id)
		SELECT $1, id FROM audiences WHERE slug = ANY($2)`, id, nonNil(t.Audiences))
	return 1, err
}

// seedSessions tops a dated module up to UpcomingSessionsPerModule future sessions. Dates are spread by a hash of
// the slug (so modules do not all start the same day); seed.SessionDays lays each session out on working days
// (Tuesday to Thursday when it fits) with daily hours that add up to the module's duration, Paris time.
func seedSessions(ctx context.Context, tx pgx.Tx, m seed.Module, now time.Time) (int, error) {
	var upcoming int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM module_sessions ms JOIN modules mo ON mo.id = ms.module_id
		WHERE mo.slug = $1 AND ms.status = 'scheduled' AND ms.starts_at > $2`, m.Slug, now).Scan(&upcoming); err != nil {
		return 0, err
	}
	h := fnv.New32a()
	h.Write([]byte(m.Slug))
	spread := int(h.Sum32())
	today := now.In(catalogue.Paris)
	inserted := 0
	for i := 0; upcoming+inserted < UpcomingSessionsPerModule && i < 10; i++ {
		day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, catalogue.Paris).AddDate(0, 0, 7+spread%21+i*(28+spread%9))
		start, end := seed.SessionDays(day, m.DurationMinutes)
		virtual := ""
		if m.Format == catalogue.FormatHybrid {
			virtual = "https://webconf.numerique.gouv.fr/campus-" + m.Slug
		}
		tag, err := tx.Exec(ctx, `INSERT INTO module_sessions
			(ref, module_id, starts_at, ends_at, place_name, address, city, virtual_url, capacity)
			SELECT $1, id, $2, $3, $4, $5, $6, $7, $8 FROM modules WHERE slug = $9
			ON CONFLICT (ref) DO NOTHING`,
			fmt.Sprintf("%s-%s", m.Slug, start.Format("20060102")), start, end,
			m.Venue.Name, m.Venue.Address, m.Venue.City, virtual, m.Capacity, m.Slug)
		if err != nil {
			return inserted, err
		}
		inserted += int(tag.RowsAffected())
	}
	return inserted, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
