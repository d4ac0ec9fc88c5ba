// Package postgres is the repository layer: one concrete Store over a pgx pool, raw SQL, one file per aggregate.
// Every method wraps its errors with its own name; "not found" is apperr.ErrNotFound, never a nil result.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"campus/internal/enrolment"
	"campus/migrations"
)

// Store is the repository over Postgres.
type Store struct {
	pool    *pgxpool.Pool
	batcher *batcher // the gates and enrolment queues of sessions (batcher.go)
	// mails composes the mails queued with the changes that cause them (accounts, changes of address,
	// enrolments, approvals, sessions, licences, trainers, programme requests), their texts from internal/mail
	// and internal/enrolment, their links with mails.Link; WithMails gives it.
	mails enrolment.Mailer
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, maxConns int32) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: parse DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres.Open: ping: %w", err)
	}
	return &Store{pool: pool, batcher: newBatcher()}, nil
}

// WithMails returns the store that composes its mails with m (the portal's public address for their links,
// the approval hold): the web server makes its store so, once, from its configuration (web.New). It shares
// this store's pool and batcher. A store from Open alone writes links without the address.
func (s *Store) WithMails(m enrolment.Mailer) *Store {
	c := *s
	c.mails = m
	return &c
}

// Pool exposes the pool for the HTTP session store and the tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Unavailable reports whether err means that the database could not be reached or dropped the connection
// (server down, restarting, refusing connections, network cut), as opposed to an error of the query itself:
// the web layer answers 503 with Retry-After to those.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01-57P03: the server is shutting down or starting; 53300: too many
		// connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "53300"
	}
	// The connection broke under the query (the server closed it, the network failed).
	var netErr net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &netErr)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres.Ping: %w", err)
	}
	return nil
}

func (s *Store) provider() (*goose.Provider, *sql.DB, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDBFromPool(s.pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, db, nil
}

// Migrate applies every pending migration under goose's Postgres session lock, so that several instances
// started at once migrate exactly once.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	p, db, err := s.provider()
	if err != nil {
		return fmt.Errorf("postgres.Migrate: %w", err)
	}
	defer db.Close()
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres.Migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// SchemaCurrent reports whether every embedded migration has been applied.
func (s *Store) SchemaCurrent(ctx context.Context) (bool, error) {
	p, db, err := s.provider()
	if err != nil {
		return false, fmt.Errorf("postgres.SchemaCurrent: %w", err)
	}
	defer db.Close()
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres.SchemaCurrent: %w", err)
	}
	return !pending, nil
}
