package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
)

// The "Mes formations" scenario: as many signed-in agents as connections, each reading their own page of
// enrolments again and again. On the national dataset they are agents of the dataset, spread over it, with
// the enrolments the dataset gave them (about ten each); on the seed they are bench agents given ten
// enrolments in online modules (eight completed, two in progress), so the page has the same weight.
func myTrainingsScenario(base string, conns int) (scenario, []string, error) {
	cookies, err := signedInAgents(base, conns)
	if err != nil {
		return scenario{}, nil, err
	}
	return scenario{name: "mes formations", path: "/mes-formations", signedIn: true,
		header: func(w int) string { return "Cookie: " + cookies[w] + "\r\n" }}, cookies, nil
}

// signedInAgents signs in as many agents as connections (see myTrainingsScenario) and returns each one's
// cookies, as a Cookie header's value.
func signedInAgents(base string, conns int) ([]string, error) {
	ctx := context.Background()
	db, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	defer db.Close(ctx)
	hash, err := account.HashPassword(benchPassword)
	if err != nil {
		return nil, err
	}
	var national int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM users WHERE email LIKE '%@national.exemple.gouv.fr'`).Scan(&national); err != nil {
		return nil, err
	}
	emails := make([]string, conns)
	for w := range conns {
		if national > 0 {
			emails[w] = fmt.Sprintf("agent%d@national.exemple.gouv.fr", 1+w*(national/conns))
		} else {
			emails[w] = fmt.Sprintf("agent.formations.%d@banc.campus.test", w+1)
		}
	}
	if national > 0 {
		if _, err := db.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE email = ANY ($2)`, hash, emails); err != nil {
			return nil, err
		}
	} else {
		if err := benchAgents(ctx, db, emails, "Formations"); err != nil {
			return nil, err
		}
		tx, err := db.Begin(ctx)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `DELETE FROM enrolments WHERE user_id IN (SELECT id FROM users WHERE email = ANY ($1))`, emails); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `
			WITH online AS (SELECT m.id, row_number() OVER (ORDER BY m.id) - 1 AS n FROM modules m JOIN domains d ON d.id = m.domain_id
			                WHERE m.format = 'en_ligne' AND m.status = 'published' AND d.status = 'published'),
			     agents AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email = ANY ($1))
			INSERT INTO enrolments (user_id, module_id, status, created_at, confirmed_at, completed_at)
			SELECT a.id, o.id, CASE WHEN g <= 8 THEN 'completed' ELSE 'confirmed' END,
			       now() - (40 - g) * interval '3 days', now() - (40 - g) * interval '3 days',
			       CASE WHEN g <= 8 THEN now() - (30 - g) * interval '3 days' END
			FROM agents a CROSS JOIN generate_series(1, 10) g
			JOIN online o ON o.n = (a.n * 7 + g) % (SELECT count(*) FROM online)`, emails); err != nil {
			return nil, err
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, err
		}
	}
	clients, err := signInAll(base, emails)
	if err != nil {
		return nil, err
	}
	// Each agent's session cookie, sent as a plain header on the worker's own connection (like
	// wrk -H "Cookie: …"); a status other than 200 (a redirect to the sign-in page) counts as an error.
	u, _ := url.Parse(base)
	cookies := make([]string, len(clients))
	for w, c := range clients {
		var parts []string
		for _, ck := range c.Jar.Cookies(u) {
			parts = append(parts, ck.Name+"="+ck.Value)
		}
		cookies[w] = strings.Join(parts, "; ")
		if !strings.Contains(cookies[w], "campus_session=") {
			return nil, fmt.Errorf("no session cookie for %s", emails[w])
		}
	}
	return cookies, nil
}
