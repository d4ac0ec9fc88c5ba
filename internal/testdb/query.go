package testdb

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"campus/internal/postgres"
)

// The suite's SQL helpers, for a test's setup and for checks the store has no method for: each fails the
// test on any error, so that a setup that did not happen never lets a test pass on the wrong data.

// Exec runs a statement and returns the number of rows it touched.
func Exec(t testing.TB, s *postgres.Store, sql string, args ...any) int64 {
	t.Helper()
	tag, err := s.Pool().Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag.RowsAffected()
}

// Row runs a query of one row; its Scan fails the test on any error, no row included.
func Row(t testing.TB, s *postgres.Store, sql string, args ...any) ScanRow {
	t.Helper()
	return ScanRow{t: t, sql: sql, row: s.Pool().QueryRow(context.Background(), sql, args...)}
}

// ScanRow is Row's result.
type ScanRow struct {
	t   testing.TB
	sql string
	row pgx.Row
}

// Scan copies the row's columns into dest, or fails the test.
func (r ScanRow) Scan(dest ...any) {
	r.t.Helper()
	if err := r.row.Scan(dest...); err != nil {
		r.t.Fatalf("%s: %v", r.sql, err)
	}
}

// Int runs a query of one integer (a count, an id).
func Int(t testing.TB, s *postgres.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	Row(t, s, sql, args...).Scan(&n)
	return n
}

// Int64 is Int for ids.
func Int64(t testing.TB, s *postgres.Store, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	Row(t, s, sql, args...).Scan(&n)
	return n
}

// String runs a query of one text value (a slug, a status).
func String(t testing.TB, s *postgres.Store, sql string, args ...any) string {
	t.Helper()
	var v string
	Row(t, s, sql, args...).Scan(&v)
	return v
}

// Column runs a query of one column and returns its values in order.
func Column[T any](t testing.TB, s *postgres.Store, sql string, args ...any) []T {
	t.Helper()
	return collect(t, s, pgx.RowTo[T], sql, args...)
}

// Rows runs a query and returns its rows in order, each as a T: a struct whose exported fields take the
// columns by position.
func Rows[T any](t testing.TB, s *postgres.Store, sql string, args ...any) []T {
	t.Helper()
	return collect(t, s, pgx.RowToStructByPos[T], sql, args...)
}

func collect[T any](t testing.TB, s *postgres.Store, to pgx.RowToFunc[T], sql string, args ...any) []T {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	vs, err := pgx.CollectRows(rows, to)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return vs
}

// Must returns a call's value, or fails the test with its error: for a setup step, or a read the test relies
// on, whose error would otherwise be dropped (a zero value may pass a check by accident). Go does not let a
// call's two results be passed along with t, so t comes second:
//
//	u := testdb.Must(s.UserByID(ctx, id))(t)
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
