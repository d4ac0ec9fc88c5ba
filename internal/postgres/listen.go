package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ChangesChannel is the channel the database triggers announce changes on (migration 00004).
const ChangesChannel = "campus_changes"

// ListenChanges holds a dedicated connection listening on ChangesChannel: it calls ready once listening, then
// change with each payload ("catalogue", "seats"), until ctx ends or the connection fails (returned error).
func (s *Store) ListenChanges(ctx context.Context, ready func(), change func(payload string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("postgres.ListenChanges: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return fmt.Errorf("postgres.ListenChanges: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("postgres.ListenChanges: %w", err)
		}
		change(n.Payload)
	}
}
