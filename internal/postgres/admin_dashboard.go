package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/mail"
)

// StatusCounts counts the catalogue by kind and status, in one query: kinds are the entities, with tracks
// split into "track" and "programme" (tailored programmes).
func (s *Store) StatusCounts(ctx context.Context) ([]admin.StatusCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT 'domain', status, count(*) FROM domains GROUP BY status
		UNION ALL SELECT 'track', status, count(*) FROM tracks WHERE administration = '' GROUP BY status
		UNION ALL SELECT 'programme', status, count(*) FROM tracks WHERE administration <> '' GROUP BY status
		UNION ALL SELECT 'module', status, count(*) FROM modules GROUP BY status
		UNION ALL SELECT 'partner', status, count(*) FROM partners GROUP BY status
		UNION ALL SELECT 'audience', status, count(*) FROM audiences GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("postgres.StatusCounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[admin.StatusCount])
	if err != nil {
		return nil, fmt.Errorf("postgres.StatusCounts: %w", err)
	}
	return out, nil
}

// PendingWork counts what waits for an admin among what this part of the portal knows, in one query:
// upcoming sessions in the next 60 days without a trainer, and mails the sender gave up on.
func (s *Store) PendingWork(ctx context.Context) ([]admin.Pending, error) {
	var noTrainer, mailsFailed int
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM module_sessions WHERE status = 'scheduled' AND trainer_id IS NULL
		   AND starts_at > now() AND starts_at < now() + interval '60 days'),
		(SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts >= $1)`, mail.MaxAttempts).Scan(&noTrainer, &mailsFailed)
	if err != nil {
		return nil, fmt.Errorf("postgres.PendingWork: %w", err)
	}
	return []admin.Pending{
		{Label: "Sessions des 60 prochains jours sans formateur ou formatrice", Count: noTrainer, Href: "/admin/sessions?formateur=aucun"},
		{Label: "Courriels que l’envoi n’a pas pu remettre", Count: mailsFailed},
	}, nil
}
