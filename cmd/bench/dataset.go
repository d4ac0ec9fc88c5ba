package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// nationalSteps grow the seeded database to national scale with set-based SQL (INSERT … SELECT over
// generate_series: no row-by-row round trip): the catalogue ×100 for search, 20,000 module sessions,
// 1,000,000 agents and 10,000,000 enrolments (9,000,000 online modules completed, 700,000 in progress, the rest attendance of past sessions). Each step is skipped when its rows are already there, so a second
// run costs nothing.
var nationalSteps = []struct {
	name, done, sql string
}{
	{"modules ×100", `SELECT count(*) >= 10000 FROM modules`, `
		INSERT INTO modules (slug, domain_id, partner_id, title, summary, objectives, outline, duration_minutes, format,
		                     level, prerequisites, external_url, keywords, status)
		SELECT m.slug || '-copie-' || g, m.domain_id, m.partner_id, m.title || ' (édition ' || g || ')', m.summary,
		       m.objectives, m.outline, m.duration_minutes, m.format, m.level, m.prerequisites, m.external_url, m.keywords,
		       m.status
		FROM modules m CROSS JOIN generate_series(1, 99) g
		WHERE m.slug NOT LIKE '%-copie-%'`},
	{"audiences of the copies", `SELECT count(*) >= 20000 FROM module_audiences`, `
		INSERT INTO module_audiences (module_id, audience_id)
		SELECT c.id, ma.audience_id FROM modules c
		JOIN modules m ON c.slug LIKE m.slug || '-copie-%' AND m.slug NOT LIKE '%-copie-%'
		JOIN module_audiences ma ON ma.module_id = m.id
		ON CONFLICT DO NOTHING`},
	{"tracks ×100", `SELECT count(*) >= 5000 FROM tracks`, `
		INSERT INTO tracks (slug, domain_id, title, summary, description, featured, administration, participants, status)
		SELECT t.slug || '-copie-' || g, t.domain_id, t.title || ' (édition ' || g || ')', t.summary, t.description,
		       false, t.administration, t.participants, t.status
		FROM tracks t CROSS JOIN generate_series(1, 99) g
		WHERE t.slug NOT LIKE '%-copie-%'`},
	{"modules of the track copies", `SELECT count(*) >= 20000 FROM track_modules`, `
		INSERT INTO track_modules (track_id, module_id, position)
		SELECT c.id, tm.module_id, tm.position FROM tracks c
		JOIN tracks t ON c.slug LIKE t.slug || '-copie-%' AND t.slug NOT LIKE '%-copie-%'
		JOIN track_modules tm ON tm.track_id = t.id`},
	// The online modules numbered 0…n-1, to spread enrolments over them without a subquery per row.
	{"numbering of the online modules", `SELECT false`, `
		CREATE TEMP TABLE IF NOT EXISTS online AS
		  SELECT id, (row_number() OVER (ORDER BY id) - 1) AS n FROM modules WHERE format = 'en_ligne';
		CREATE UNIQUE INDEX IF NOT EXISTS online_n ON online (n);
		CREATE TEMP TABLE IF NOT EXISTS dated AS
		  SELECT id, (row_number() OVER (ORDER BY id) - 1) AS n FROM modules WHERE format <> 'en_ligne';
		CREATE UNIQUE INDEX IF NOT EXISTS dated_n ON dated (n)`},
	{"20,000 module sessions", `SELECT count(*) >= 20000 FROM module_sessions`, `
		INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, capacity)
		SELECT 'national-' || g, m.id,
		       date_trunc('day', now()) + ((g % 540) - 360) * interval '1 day' + interval '8 hours 30 minutes',
		       date_trunc('day', now()) + ((g % 540) - 360) * interval '1 day' + interval '16 hours',
		       'Préfecture', '1 place de la République', (ARRAY['Paris','Lyon','Lille','Rennes','Marseille','Toulouse'])[1 + g % 6],
		       30
		FROM generate_series(1, 20000 - (SELECT count(*) FROM module_sessions)) g
		JOIN dated m ON m.n = g % (SELECT count(*) FROM dated)`},
	{"1,000,000 agents", `SELECT count(*) >= 1000000 FROM users`, `
		INSERT INTO users (email, email_verified_at, given_name, usual_name, administration, role)
		SELECT 'agent' || g || '@national.exemple.gouv.fr', now(), 'Agent', 'N' || g,
		       (ARRAY['DINUM','DGFiP','Ministère de la Justice','Ministère des Armées','Préfecture du Rhône','CNAM'])[1 + g % 6],
		       'agent'
		FROM generate_series(1, 1000000) g`},
	{"9,000,000 completed online enrolments", `SELECT count(*) >= 9000000 FROM enrolments`, `
		INSERT INTO enrolments (user_id, module_id, status, created_at, completed_at)
		SELECT u.id, o.id, 'completed', now() - ((u.n + g) % 700) * interval '1 day', now() - ((u.n + g) % 690) * interval '1 day'
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE '%@national.exemple.gouv.fr') u
		CROSS JOIN generate_series(1, 9) g
		JOIN online o ON o.n = (u.n * 9 + g) % (SELECT count(*) FROM online)`},
	{"700,000 online enrolments in progress", `SELECT count(*) >= 9700000 FROM enrolments`, `
		INSERT INTO enrolments (user_id, module_id, status, created_at, confirmed_at)
		SELECT u.id, o.id, 'confirmed', now() - (u.n % 60) * interval '1 day', now() - (u.n % 60) * interval '1 day'
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE '%@national.exemple.gouv.fr') u
		JOIN online o ON o.n = (u.n * 9 + 10) % (SELECT count(*) FROM online)
		WHERE u.n <= 700000`},
	{"attendance of the past sessions", `SELECT count(*) >= 9900000 FROM enrolments`, `
		WITH past AS (SELECT id, module_id, capacity, sum(capacity) OVER (ORDER BY id) - capacity AS before
		              FROM module_sessions WHERE ref LIKE 'national-%' AND starts_at < now()),
		     agents AS (SELECT min(id) AS first FROM users WHERE email LIKE '%@national.exemple.gouv.fr')
		INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq, created_at, confirmed_at, attendance_at)
		SELECT agents.first + (p.before + s) % 1000000, p.module_id, p.id, CASE WHEN s % 10 = 0 THEN 'no_show' ELSE 'attended' END,
		       nextval('enrolment_queue_seq'), now() - interval '400 days', now() - interval '400 days', now() - interval '1 day'
		FROM past p CROSS JOIN agents CROSS JOIN generate_series(1, p.capacity) s`},
	{"seats taken of the past sessions", `SELECT NOT EXISTS (SELECT 1 FROM module_sessions WHERE ref LIKE 'national-%' AND starts_at < now() AND seats_taken = 0)`, `
		UPDATE module_sessions SET seats_taken = capacity WHERE ref LIKE 'national-%' AND starts_at < now()`},
	{"statistics", `SELECT false`, `ANALYZE`},
}

// loadNational runs the steps that are not done yet.
func loadNational(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	start := time.Now()
	for _, st := range nationalSteps {
		var done bool
		if err := conn.QueryRow(ctx, st.done).Scan(&done); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		if done {
			continue
		}
		t := time.Now()
		tag, err := conn.Exec(ctx, st.sql)
		if err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		fmt.Fprintf(os.Stderr, "bench: dataset: %-40s %9d rows in %v\n", st.name, tag.RowsAffected(), time.Since(t).Round(time.Second))
	}
	fmt.Fprintf(os.Stderr, "bench: national dataset ready in %v\n", time.Since(start).Round(time.Second))
	return nil
}
