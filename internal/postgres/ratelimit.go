package postgres

import (
	"context"
	"fmt"
	"time"
)

// windowStart is the start of the current fixed window of $2 seconds (windowSeconds).
const windowStart = `date_bin(make_interval(secs => $2), now(), timestamptz 'epoch')`

// windowSeconds is a window's length in whole seconds, one at least.
func windowSeconds(window time.Duration) int64 {
	return max(int64(window/time.Second), 1)
}

// RateHit counts one attempt against key in the current fixed window of the given length and returns the
// number of attempts in that window, the hit included, and when the window ends. The counter lives in the
// database, so the limit holds across every instance of the portal; the increment is one atomic statement.
func (s *Store) RateHit(ctx context.Context, key string, window time.Duration) (int, time.Time, error) {
	secs := windowSeconds(window)
	var hits int
	var start time.Time
	err := s.pool.QueryRow(ctx, `
		INSERT INTO rate_limits (key, window_start, hits)
		VALUES ($1, `+windowStart+`, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits, window_start`, key, secs).Scan(&hits, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("postgres.RateHit: %w", err)
	}
	return hits, start.Add(time.Duration(secs) * time.Second), nil
}

// RateReset forgets the attempts counted against key (e.g. after a successful password reset).
func (s *Store) RateReset(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, key); err != nil {
		return fmt.Errorf("postgres.RateReset: %w", err)
	}
	return nil
}

// RateCount returns the attempts counted against key in the current fixed window of the given length, without
// counting one: for a check whose outcome must leave no trace a requester could observe.
func (s *Store) RateCount(ctx context.Context, key string, window time.Duration) (int, error) {
	var hits int
	err := s.pool.QueryRow(ctx, `
		SELECT coalesce(sum(hits), 0) FROM rate_limits
		WHERE key = $1 AND window_start = `+windowStart, key, windowSeconds(window)).Scan(&hits)
	if err != nil {
		return 0, fmt.Errorf("postgres.RateCount: %w", err)
	}
	return hits, nil
}
