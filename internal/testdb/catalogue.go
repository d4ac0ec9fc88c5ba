package testdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/postgres"
)

// ReplicateCatalogue adds to store's database copies of every published module and track (with their
// audiences, track steps and upcoming sessions), with slugs suffixed "-copie-N", in a few set-based statements.
// It exists for benchmarks ("a catalogue 100 times larger"); never run it on a real database.
func ReplicateCatalogue(ctx context.Context, store *postgres.Store, copies int) error {
	if copies < 1 {
		return nil
	}
	err := pgx.BeginFunc(ctx, store.Pool(), func(tx pgx.Tx) error {
		stmts := []string{
			`CREATE TEMP TABLE rep_modules ON COMMIT DROP AS
			 SELECT m.id AS src, g.n, nextval(pg_get_serial_sequence('modules', 'id')) AS id
			 FROM modules m, generate_series(1, %[1]d) g(n) WHERE m.status = 'published'`,
			`INSERT INTO modules (id, slug, domain_id, partner_id, title, summary, objectives, outline, duration_minutes, format,
			   level, prerequisites, external_url, keywords, status)
			 OVERRIDING SYSTEM VALUE
			 SELECT r.id, m.slug || '-copie-' || r.n, m.domain_id, m.partner_id, m.title || ' (édition ' || r.n || ')', m.summary,
			   m.objectives, m.outline, m.duration_minutes, m.format, m.level, m.prerequisites, m.external_url, m.keywords, m.status
			 FROM rep_modules r JOIN modules m ON m.id = r.src`,
			`INSERT INTO module_audiences (module_id, audience_id)
			 SELECT r.id, ma.audience_id FROM rep_modules r JOIN module_audiences ma ON ma.module_id = r.src`,
			`INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, virtual_url, capacity, seats_taken)
			 SELECT ms.ref || '-copie-' || r.n, r.id, ms.starts_at + make_interval(days => r.n % 60), ms.ends_at + make_interval(days => r.n % 60),
			   ms.place_name, ms.address, ms.city, ms.virtual_url, ms.capacity, CASE WHEN r.n % 4 = 0 THEN ms.capacity ELSE ms.seats_taken END
			 FROM rep_modules r JOIN module_sessions ms ON ms.module_id = r.src
			 WHERE ms.status = 'scheduled' AND ms.starts_at > now()`,
			`CREATE TEMP TABLE rep_tracks ON COMMIT DROP AS
			 SELECT t.id AS src, g.n, nextval(pg_get_serial_sequence('tracks', 'id')) AS id
			 FROM tracks t, generate_series(1, %[1]d) g(n) WHERE t.status = 'published'`,
			`INSERT INTO tracks (id, slug, domain_id, title, summary, description, featured, administration, participants, status)
			 OVERRIDING SYSTEM VALUE
			 SELECT r.id, t.slug || '-copie-' || r.n, t.domain_id, t.title || ' (édition ' || r.n || ')', t.summary, t.description,
			   false, t.administration, t.participants, t.status
			 FROM rep_tracks r JOIN tracks t ON t.id = r.src`,
			`INSERT INTO track_modules (track_id, module_id, position)
			 SELECT r.id, coalesce(rm.id, tm.module_id), tm.position
			 FROM rep_tracks r JOIN track_modules tm ON tm.track_id = r.src
			 LEFT JOIN rep_modules rm ON rm.src = tm.module_id AND rm.n = r.n`,
			`INSERT INTO track_audiences (track_id, audience_id)
			 SELECT r.id, ta.audience_id FROM rep_tracks r JOIN track_audiences ta ON ta.track_id = r.src`,
		}
		for i, q := range stmts {
			if strings.Contains(q, "%[1]d") {
				q = fmt.Sprintf(q, copies)
			}
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("statement %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("testdb.ReplicateCatalogue: %w", err)
	}
	// Statistics for the planner and the visibility map for index-only scans, as autovacuum would leave them.
	for _, q := range []string{`VACUUM (ANALYZE) search_docs, search_signatures, search_terms`, `ANALYZE modules, tracks,
			module_sessions, module_audiences, track_modules, track_audiences`} {
		if _, err := store.Pool().Exec(ctx, q); err != nil {
			return fmt.Errorf("testdb.ReplicateCatalogue: %w", err)
		}
	}
	return nil
}
