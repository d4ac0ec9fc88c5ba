package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/apperr"
)

// The helpers every file of the store uses: transactions and the reading of Postgres errors.

// queryer is a pool or a transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx runs fn in a transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// queryAll runs sql and reads every row with scan.
func queryAll[T any](ctx context.Context, q queryer, scan func(pgx.Row, *T) error, sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) {
		var v T
		err := scan(r, &v)
		return v, err
	})
}

// uniqueSlug finds a free slug from base ("lot", "lot-2", …; fallback when base is empty): taken is a query of
// one boolean, whether its $1 is taken.
func uniqueSlug(ctx context.Context, tx pgx.Tx, base, fallback, taken string) (string, error) {
	if base == "" {
		base = fallback
	}
	for i := 1; ; i++ {
		slug := base
		if i > 1 {
			slug = base + "-" + strconv.Itoa(i)
		}
		var used bool
		if err := tx.QueryRow(ctx, taken, slug).Scan(&used); err != nil {
			return "", err
		}
		if !used {
			return slug, nil
		}
	}
}

// isUniqueViolation reports whether err is a violation of the unique constraint named constraint (of any
// unique constraint when constraint is "").
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// notFound maps pgx.ErrNoRows to apperr.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.ErrNotFound
	}
	return err
}

// countByStatus counts the rows of table (a name written in the code, never user input) by their status.
func (s *Store) countByStatus(ctx context.Context, table, op string) (map[string]int, error) {
	type count struct {
		status string
		n      int
	}
	counts, err := queryAll(ctx, s.pool, func(r pgx.Row, c *count) error { return r.Scan(&c.status, &c.n) },
		`SELECT status, count(*) FROM `+table+` GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.status] = c.n
	}
	return out, nil
}
