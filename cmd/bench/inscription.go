package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
)

// The enrolment scenarios: as many signed-in agents as connections (bench accounts made once in the bench
// database), each in a loop of enrol → cancel on sessions of 20 seats, so that seats, the waitlist and
// promotions are all exercised. Only the enrolment POST is timed (its req/s are enrolments per second); the
// cancellation (reading "Mes formations" for the link, then the POST) runs between two enrolments.
// "inscription" puts every agent on one session (the crowd of an opening: enrolments in one session are
// serialised by its row lock); "inscription 8 sessions" spreads them over eight sessions of another module.

const benchPassword = "banc d’essai cheval agrafe pile"

var cancelLink = regexp.MustCompile(`href="(/mes-formations/[0-9]+/annulation)"`)

// enrolScenario prepares the accounts, the sessions (of the module'th dated module) and one signed-in client
// per connection.
func enrolScenario(base, name string, conns, sessions, module int) (scenario, error) {
	ctx := context.Background()
	db, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return scenario{}, err
	}
	defer db.Close(ctx)
	emails := make([]string, conns)
	for w := range conns {
		emails[w] = fmt.Sprintf("agent.banc.%d@banc.campus.test", w+1)
	}
	if err := benchAgents(ctx, db, emails, "Banc"); err != nil {
		return scenario{}, err
	}
	// Sessions of their own, far ahead, 20 seats each, emptied of the previous run's enrolments.
	var slug string
	var ids []int64
	for k := range sessions {
		var id int64
		err = db.QueryRow(ctx, `
			WITH m AS (SELECT m.id FROM modules m JOIN domains d ON d.id = m.domain_id
				WHERE m.status = 'published' AND d.status = 'published' AND m.format <> 'en_ligne' ORDER BY m.id OFFSET $2 LIMIT 1)
			INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, capacity)
			SELECT $1, m.id, now() + interval '60 days', now() + interval '60 days 7 hours',
				'Campus du numérique', '20 avenue de Ségur', 'Paris', 20 FROM m
			ON CONFLICT (ref) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, status = 'scheduled', capacity = 20
			RETURNING id, (SELECT slug FROM modules WHERE id = module_sessions.module_id)`,
			fmt.Sprintf("banc-inscription-%d-%d", module, k+1), module).Scan(&id, &slug)
		if err != nil {
			return scenario{}, fmt.Errorf("bench session: %w", err)
		}
		if _, err := db.Exec(ctx, `DELETE FROM enrolments WHERE session_id = $1 OR (module_id = (SELECT module_id FROM module_sessions WHERE id = $1)
			AND user_id IN (SELECT id FROM users WHERE email LIKE '%@banc.campus.test'))`, id); err != nil {
			return scenario{}, err
		}
		ids = append(ids, id)
	}

	clients, err := signInAll(base, emails)
	if err != nil {
		return scenario{}, err
	}

	bodies := make([]string, len(ids))
	for k, id := range ids {
		bodies[k] = url.Values{"session": {strconv.FormatInt(id, 10)}}.Encode()
	}
	post := func(c *http.Client, path, body string) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	step := func(w int) (time.Duration, bool, error) {
		c := clients[w]
		t0 := time.Now()
		status, err := post(c, "/modules/"+slug+"/inscription", bodies[w%len(bodies)])
		d := time.Since(t0)
		if err != nil {
			return d, false, err
		}
		ok := status == http.StatusSeeOther
		// Cancel, so that the next enrolment is a new one.
		res, err := c.Get(base + "/mes-formations")
		if err != nil {
			return d, ok, err
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := cancelLink.FindSubmatch(page)
		if m == nil {
			return d, ok, errors.New("no cancellation link on Mes formations")
		}
		if status, err := post(c, string(m[1]), ""); err != nil || status != http.StatusSeeOther {
			return d, ok, fmt.Errorf("cancellation: %d %v", status, err)
		}
		return d, ok, nil
	}
	return scenario{name: name, method: http.MethodPost, path: "/modules/" + slug + "/inscription", step: step}, nil
}

// benchAgents makes (or resets) verified agent accounts with the bench password, their usual names the given
// prefix and their rank.
func benchAgents(ctx context.Context, db *pgx.Conn, emails []string, name string) error {
	hash, err := account.HashPassword(benchPassword)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO users (email, email_verified_at, password_hash, given_name, usual_name, administration)
		SELECT e, now(), $1, 'Agent', $3 || ' ' || n, 'Banc d’essai' FROM unnest($2::text[]) WITH ORDINALITY AS t(e, n)
		ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, email_verified_at = now()`, hash, emails, name)
	return err
}

// signInAll signs each account in (password benchPassword) with its own client and cookie jar, all sharing
// one keep-alive transport, a few at a time.
func signInAll(base string, emails []string) ([]*http.Client, error) {
	n := len(emails)
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, MaxConnsPerHost: n, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	clients := make([]*http.Client, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for w := range n {
		jar, _ := cookiejar.New(nil)
		// A generous timeout: signing in costs an argon2id hash each, and the machine may be busy.
		clients[w] = &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			form := url.Values{"email": {emails[w]}, "password": {benchPassword}}
			req, _ := http.NewRequest(http.MethodPost, base+"/connexion", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", w%250+1))
			res, err := clients[w].Do(req)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				errs <- fmt.Errorf("sign-in of %s: %d", emails[w], res.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return clients, nil
}
