package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/mail"
)

// enqueueMail writes a mail to the outbox inside the caller's transaction: the mail exists if and only if
// the event that causes it is committed.
func enqueueMail(ctx context.Context, tx pgx.Tx, m mail.Message) error {
	_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (kind, recipient, subject, body) VALUES ($1, $2, $3, $4)`,
		m.Kind, m.To, m.Subject, m.Body)
	return err
}

// ClaimMails leases up to n pending mails whose time has come: their next attempt is pushed five minutes
// ahead, so that another sender (another instance) skips them while this one delivers.
func (s *Store) ClaimMails(ctx context.Context, n int) ([]mail.Outgoing, error) {
	rows, err := s.pool.Query(ctx, `
		UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + interval '5 minutes'
		WHERE id IN (
			SELECT id FROM mail_outbox
			WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $2
			ORDER BY next_attempt_at, id LIMIT $1
			FOR UPDATE SKIP LOCKED)
		RETURNING id, attempts, kind, recipient, subject, body`, n, mail.MaxAttempts)
	if err != nil {
		return nil, fmt.Errorf("postgres.ClaimMails: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.Outgoing, error) {
		var m mail.Outgoing
		err := r.Scan(&m.ID, &m.Attempts, &m.Kind, &m.To, &m.Subject, &m.Body)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ClaimMails: %w", err)
	}
	return out, nil
}

// MarkSent records a delivery; unless keepBody, the body is erased (it may hold a single-use link).
func (s *Store) MarkSent(ctx context.Context, id int64, keepBody bool) error {
	_, err := s.pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), last_error = '',
		body = CASE WHEN $2 THEN body ELSE '' END WHERE id = $1`, id, keepBody)
	if err != nil {
		return fmt.Errorf("postgres.MarkSent: %w", err)
	}
	return nil
}

// MarkFailed records a failed attempt and the time of the next one.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := s.pool.Exec(ctx, `UPDATE mail_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1`, id, reason, retryAt)
	if err != nil {
		return fmt.Errorf("postgres.MarkFailed: %w", err)
	}
	return nil
}

// OutboxMail is a row of the outbox as the development page shows it.
type OutboxMail struct {
	ID        int64
	Kind      string
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
	SentAt    *time.Time
	Attempts  int
	LastError string
}

// RecentMails returns the latest mails of the outbox, newest first; to, when not empty, keeps only the
// mails sent to that address.
func (s *Store) RecentMails(ctx context.Context, to string, limit int) ([]OutboxMail, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, kind, recipient, subject, body, created_at, sent_at, attempts, last_error
		FROM mail_outbox WHERE $1 = '' OR recipient = $1
		ORDER BY id DESC LIMIT $2`, to, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres.RecentMails: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMail, error) {
		var m OutboxMail
		err := r.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.CreatedAt, &m.SentAt, &m.Attempts, &m.LastError)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.RecentMails: %w", err)
	}
	return out, nil
}

// InactiveAccountRetention is how long an account is kept after its last sign-in (the personal-data page says
// so): then Cleanup deletes it with its data, as its owner could ("Supprimer mon compte"). Admins are kept.
const InactiveAccountRetention = "3 years"

// inactiveAccounts are the accounts Cleanup deletes, a thousand at a time (index users_last_seen_idx, 00024).
const inactiveAccounts = `SELECT id FROM users WHERE role <> 'admin'
	AND coalesce(last_login_at, created_at) < now() - interval '` + InactiveAccountRetention + `' LIMIT 1000`

// foldAdministrationMoves folds the rows that the moves and deletions of agents wrote in bilan_administration_tallies
// (one per transaction and key: xact, migration 00030) into one row per key (xact 1), which only this statement
// writes: it waits for no writer of the enrolments nor for any move (their rows are xact 0 and their own
// transaction's), and one instance at a time folds (the others skip). The sums, which the readers take, are the same.
const foldAdministrationMoves = `WITH l AS (SELECT pg_try_advisory_xact_lock(hashtext('bilan_administration_tallies')) AS ok),
	gone AS (DELETE FROM bilan_administration_tallies WHERE xact > 1 AND (SELECT ok FROM l)
		RETURNING administration, module_id, session_key, month, made, done)
	INSERT INTO bilan_administration_tallies AS t (administration, module_id, session_key, month, made, done, xact)
	SELECT administration, module_id, session_key, month, sum(made), sum(done), 1 FROM gone GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (administration, module_id, session_key, month, xact) DO UPDATE SET made = t.made + excluded.made, done = t.done + excluded.done`

// Cleanup removes what has expired: HTTP sessions, used or expired tokens, elapsed rate-limit windows, mails sent
// more than 30 days ago, and accounts not used for InactiveAccountRetention (a thousand at a time; their seats are
// released by the enrolments' trigger); and it folds the tallies the moves of agents wrote (foldAdministrationMoves).
// `serve` runs it periodically; it is safe to run from several instances.
func (s *Store) Cleanup(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM users WHERE id IN (` + inactiveAccounts + `)`,
		foldAdministrationMoves,
		`DELETE FROM sessions WHERE expiry < now()`,
		`DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day' OR used_at < now() - interval '1 day'`,
		`DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'`,
		`DELETE FROM mail_outbox WHERE sent_at < now() - interval '30 days'`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres.Cleanup: %w", err)
		}
	}
	return nil
}

// OutboxBacklog counts the mails still to send (attempts left) and the age of the oldest, for the metrics: a
// growing backlog or an old mail means the relay refuses or the senders are stuck. It reads the partial index of
// pending mails.
func (s *Store) OutboxBacklog(ctx context.Context) (pending int64, oldest time.Duration, err error) {
	var secs float64
	err = s.pool.QueryRow(ctx, `SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
		FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1`, mail.MaxAttempts).Scan(&pending, &secs)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres.OutboxBacklog: %w", err)
	}
	return pending, time.Duration(secs * float64(time.Second)), nil
}
