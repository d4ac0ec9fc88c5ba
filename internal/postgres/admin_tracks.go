package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/programme"
)

const adminTrackColumns = `t.id, t.status, t.version, t.updated_at, t.slug, t.title, t.domain_id, d.slug, d.title, t.administration,
	t.participants, t.featured, t.summary, t.description,
	coalesce((SELECT array_agg(a.id ORDER BY a.position, a.label COLLATE "fr-x-icu", a.id) FROM track_audiences ta
	  JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = t.id), '{}'),
	coalesce((SELECT array_agg(a.slug ORDER BY a.position, a.label COLLATE "fr-x-icu", a.id) FROM track_audiences ta
	  JOIN audiences a ON a.id = ta.audience_id WHERE ta.track_id = t.id), '{}'),
	t.restricted,
	coalesce((SELECT array_agg(x.kind ORDER BY x.kind, x.value) FROM track_access x WHERE x.track_id = t.id), '{}'),
	coalesce((SELECT array_agg(x.value ORDER BY x.kind, x.value) FROM track_access x WHERE x.track_id = t.id), '{}')`

const adminTrackFrom = ` FROM tracks t JOIN domains d ON d.id = t.domain_id`

func scanAdminTrack(row pgx.Row, t *admin.Track, extra ...any) error {
	var kinds, values []string
	err := row.Scan(append([]any{&t.ID, &t.Status, &t.Version, &t.UpdatedAt, &t.Slug, &t.Title, &t.DomainID, &t.Domain, &t.DomainTitle,
		&t.Administration, &t.Participants, &t.Featured, &t.Summary, &t.Description, &t.AudienceIDs, &t.Audiences,
		&t.Restricted, &kinds, &values}, extra...)...)
	t.Access = accessEntries(kinds, values)
	return err
}

// AdminTracks lists the tracks (tailored false) or the tailored programmes (tailored true), every status, with
// their number of modules.
func (s *Store) AdminTracks(ctx context.Context, tailored bool) ([]admin.Track, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminTrackColumns+`, (SELECT count(*) FROM track_modules tm WHERE tm.track_id = t.id)
		`+adminTrackFrom+` WHERE (t.administration <> '') = $1 ORDER BY t.title COLLATE "fr-x-icu", t.id`, tailored)
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminTracks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Track, error) {
		var t admin.Track
		err := scanAdminTrack(r, &t, &t.Modules)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.AdminTracks: %w", err)
	}
	return out, nil
}

// AdminTrack returns a track whatever its status.
func (s *Store) AdminTrack(ctx context.Context, id int64) (admin.Track, error) {
	var t admin.Track
	if err := scanAdminTrack(s.pool.QueryRow(ctx, `SELECT `+adminTrackColumns+adminTrackFrom+` WHERE t.id = $1`, id), &t); err != nil {
		return t, fmt.Errorf("postgres.AdminTrack: %w", notFound(err))
	}
	return t, nil
}

// setTrackAccess replaces the access list of a restricted programme.
func setTrackAccess(ctx context.Context, tx pgx.Tx, id int64, es []programme.AccessEntry) error {
	if _, err := tx.Exec(ctx, `DELETE FROM track_access WHERE track_id = $1`, id); err != nil {
		return err
	}
	kinds, values := make([]string, len(es)), make([]string, len(es))
	for i, e := range es {
		kinds[i], values[i] = e.Kind, e.Value
	}
	_, err := tx.Exec(ctx, `INSERT INTO track_access (track_id, kind, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)`,
		id, kinds, values)
	return err
}

// accessEntries builds an access list from its stored columns, in its order (programme.SortAccess).
func accessEntries(kinds, values []string) []programme.AccessEntry {
	if len(kinds) == 0 {
		return nil
	}
	out := make([]programme.AccessEntry, len(kinds))
	for i := range kinds {
		out[i] = programme.AccessEntry{Kind: kinds[i], Value: values[i]}
	}
	programme.SortAccess(out)
	return out
}

func setTrackAudiences(ctx context.Context, tx pgx.Tx, id int64, ids []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM track_audiences WHERE track_id = $1`, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO track_audiences (track_id, audience_id) SELECT $1, unnest($2::bigint[])`, id, ids)
	return err
}

// CreateTrack inserts a draft track (or tailored programme) with its audiences.
func (s *Store) CreateTrack(ctx context.Context, actor admin.Actor, t admin.Track) (int64, error) {
	id, err := s.createEntity(ctx, actor, admin.EntityTrack, t.Title, t.Snapshot(), func(tx pgx.Tx) (int64, error) {
		id, err := insertEntity(ctx, tx, admin.EntityTrack, t.Slug, `INSERT INTO tracks (slug, domain_id, title, summary, description,
			featured, administration, participants, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft') RETURNING id`,
			t.Slug, t.DomainID, t.Title, t.Summary, t.Description, t.Featured, t.Administration, t.Participants)
		if err != nil {
			return 0, err
		}
		return id, setTrackAudiences(ctx, tx, id, t.AudienceIDs)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateTrack: %w", err)
	}
	return id, nil
}

// UpdateTrack saves a track edited from version. Whether the track is restricted is the stored row's, never the
// form's: only a restricted programme has an access list.
func (s *Store) UpdateTrack(ctx context.Context, actor admin.Actor, id int64, version int, t admin.Track) error {
	err := updateEntity(ctx, s, actor, admin.EntityTrack, id, version, t.Title, scanAdminTrack,
		`SELECT `+adminTrackColumns+adminTrackFrom+` WHERE t.id = $1 FOR UPDATE OF t`, t,
		func(old admin.Track, t *admin.Track) {
			if t.Restricted = old.Restricted; !t.Restricted {
				t.Access = nil
			}
		},
		func(tx pgx.Tx, old, t admin.Track) error {
			if err := updateRow(ctx, tx, admin.EntityTrack, id, old.Slug, t.Slug, `UPDATE tracks SET slug = $2, domain_id = $3, title = $4,
				summary = $5, description = $6, featured = $7, administration = $8, participants = $9, version = version + 1,
				updated_at = now() WHERE id = $1`,
				id, t.Slug, t.DomainID, t.Title, t.Summary, t.Description, t.Featured, t.Administration, t.Participants); err != nil {
				return err
			}
			if !slices.Equal(old.Access, t.Access) {
				if err := setTrackAccess(ctx, tx, id, t.Access); err != nil {
					return err
				}
			}
			if admin.JoinList(old.Audiences) == admin.JoinList(t.Audiences) {
				return nil
			}
			return setTrackAudiences(ctx, tx, id, t.AudienceIDs)
		})
	if err != nil {
		return fmt.Errorf("postgres.UpdateTrack: %w", err)
	}
	return nil
}

func trackModules(ctx context.Context, q queryer, id int64) ([]admin.TrackModule, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.slug, m.title, m.status, tm.position FROM track_modules tm
		JOIN modules m ON m.id = tm.module_id WHERE tm.track_id = $1 ORDER BY tm.position`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[admin.TrackModule])
}

// TrackModules lists the modules of a track in order, whatever their status.
func (s *Store) TrackModules(ctx context.Context, id int64) ([]admin.TrackModule, error) {
	out, err := trackModules(ctx, s.pool, id)
	if err != nil {
		return nil, fmt.Errorf("postgres.TrackModules: %w", err)
	}
	return out, nil
}

// Changes of a track's modules.
const (
	TrackAdd    = "add"
	TrackRemove = "remove"
	TrackUp     = "up"
	TrackDown   = "down"
)

// ChangeTrackModules adds a module at the end of a track, removes one, or moves one up or down, and records
// the new order in the audit log. The track row is locked, so that concurrent changes apply one after the other.
func (s *Store) ChangeTrackModules(ctx context.Context, actor admin.Actor, trackID, moduleID int64, op string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var title string
		if err := tx.QueryRow(ctx, `SELECT title FROM tracks WHERE id = $1 FOR UPDATE`, trackID).Scan(&title); err != nil {
			return notFound(err)
		}
		before, err := trackModules(ctx, tx, trackID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(before))
		for i, m := range before {
			ids[i] = m.ID
		}
		i := slices.Index(ids, moduleID)
		switch op {
		case TrackAdd:
			if i >= 0 {
				return admin.ErrTrackHasModule
			}
			var status string
			if err := tx.QueryRow(ctx, `SELECT status FROM modules WHERE id = $1`, moduleID).Scan(&status); err != nil {
				return notFound(err)
			}
			if status == "archived" {
				return admin.ErrTrackArchivedModule
			}
			if _, err := tx.Exec(ctx, `INSERT INTO track_modules (track_id, module_id, position)
				VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM track_modules WHERE track_id = $1))`, trackID, moduleID); err != nil {
				return err
			}
		case TrackRemove, TrackUp, TrackDown:
			if i < 0 {
				return apperr.ErrNotFound
			}
			switch op {
			case TrackRemove:
				if _, err := tx.Exec(ctx, `DELETE FROM track_modules WHERE track_id = $1 AND module_id = $2`, trackID, moduleID); err != nil {
					return err
				}
				ids = slices.Delete(ids, i, i+1)
			case TrackUp:
				if i == 0 {
					return admin.ErrTrackFirst
				}
				ids[i-1], ids[i] = ids[i], ids[i-1]
			case TrackDown:
				if i == len(ids)-1 {
					return admin.ErrTrackLast
				}
				ids[i+1], ids[i] = ids[i], ids[i+1]
			}
			// One statement: the unique (track, position) constraint is deferrable, so checked at its end.
			if _, err := tx.Exec(ctx, `UPDATE track_modules tm SET position = x.ord FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord)
				WHERE tm.track_id = $1 AND tm.module_id = x.id AND tm.position <> x.ord`, trackID, ids); err != nil {
				return err
			}
		default:
			return apperr.ErrNotFound
		}
		after, err := trackModules(ctx, tx, trackID)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, admin.EntityTrack, trackID, title, admin.ActionModules,
			map[string]string{"modules": moduleList(before)}, map[string]string{"modules": moduleList(after)})
	})
	if err != nil {
		return fmt.Errorf("postgres.ChangeTrackModules: %w", err)
	}
	return nil
}

func moduleList(ms []admin.TrackModule) string {
	slugs := make([]string, len(ms))
	for i, m := range ms {
		slugs[i] = m.Slug
	}
	return slugList(slugs)
}

// slugList is how the audit log writes an ordered list of modules: their slugs, separated by " | ".
func slugList(slugs []string) string { return strings.Join(slugs, " | ") }

// ModulesNotInTrack lists the modules that may be added to a track (not archived, not already in it).
func (s *Store) ModulesNotInTrack(ctx context.Context, trackID int64) ([]admin.ModuleChoice, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, slug, title, format, status FROM modules m
		WHERE status <> 'archived' AND NOT EXISTS (SELECT 1 FROM track_modules tm WHERE tm.track_id = $1 AND tm.module_id = m.id)
		ORDER BY title COLLATE "fr-x-icu", id`, trackID)
	if err != nil {
		return nil, fmt.Errorf("postgres.ModulesNotInTrack: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[admin.ModuleChoice])
	if err != nil {
		return nil, fmt.Errorf("postgres.ModulesNotInTrack: %w", err)
	}
	return out, nil
}
