package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"campus/internal/postgres"
	"campus/internal/testdb"
)

// TestUnavailable tells a database that cannot be reached from a query that fails: the first is a 503 for the
// web layer, the second a 500 (or the handler's own answer).
func TestUnavailable(t *testing.T) {
	store := testdb.Open(t)
	ctx := context.Background()
	queryErr := func(sql string, args ...any) error {
		_, err := store.Pool().Exec(ctx, sql, args...)
		if err == nil {
			t.Fatalf("%s did not fail", sql)
		}
		return fmt.Errorf("postgres.Thing: %w", err)
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"invalid UTF-8", queryErr(`SELECT $1::text`, "\xff"), false},
		{"syntax", queryErr(`SELEC 1`), false},
		{"shutting down", queryErr(`DO $$BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'admin_shutdown'; END$$`), true},
		{"connection failure", queryErr(`DO $$BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'connection_failure'; END$$`), true},
		{"too many connections", queryErr(`DO $$BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'too_many_connections'; END$$`), true},
	} {
		if got := postgres.Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable(%v) = %v", c.name, c.err, got)
		}
	}
	// A server nobody listens on.
	if _, err := postgres.Open(ctx, "postgres://campus@127.0.0.1:1/campus?connect_timeout=2", 1); !postgres.Unavailable(err) {
		t.Errorf("connection refused: Unavailable(%v) = false", err)
	}
}
