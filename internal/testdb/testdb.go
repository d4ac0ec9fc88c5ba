// Package testdb gives tests a real, migrated PostgreSQL database of their own: one fresh database per test
// binary (so packages run in parallel without touching each other), created from TEST_DATABASE_URL.
// `make test` points TEST_DATABASE_URL at the project's private cluster. Without it a test skips with a
// visible message, except under CI=true where it fails: CI may never silently skip a database test.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/postgres"
	"campus/internal/seed"
)

var (
	once    sync.Once
	store   *postgres.Store
	url     string
	openErr error

	seedOnce sync.Once
	seedErr  error
)

// URL returns the URL of this test binary's database, creating and migrating it on first use.
func URL(t testing.TB) string {
	t.Helper()
	open(t)
	return url
}

// Open returns a store on this test binary's migrated database (empty catalogue unless a test seeds it).
func Open(t testing.TB) *postgres.Store {
	t.Helper()
	open(t)
	return store
}

// Seeded returns the store with the reference catalogue loaded (once per test binary).
func Seeded(t testing.TB) *postgres.Store {
	t.Helper()
	s := Open(t)
	seedOnce.Do(func() { _, seedErr = s.Seed(context.Background(), seed.Reference(), time.Now()) })
	if seedErr != nil {
		t.Fatalf("testdb: seed: %v", seedErr)
	}
	return s
}

// Require skips (or, under CI=true, fails) when no test database is configured.
func Require(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_DATABASE_URL is not set and CI=true: database tests may not skip (run them with `make test`)")
		}
		t.Skip("SKIPPED: TEST_DATABASE_URL is not set; run `make test` to use the project's private PostgreSQL")
	}
	return base
}

func open(t testing.TB) {
	base := Require(t)
	once.Do(func() { url, store, openErr = create(base) })
	if openErr != nil {
		t.Fatalf("testdb: %v", openErr)
	}
}

// NewDatabase creates another fresh, empty (unmigrated) database for tests that need one to themselves,
// and drops it at the end of the test.
func NewDatabase(t testing.TB, suffix string) string {
	t.Helper()
	base := Require(t)
	ctx := context.Background()
	name := dbName() + "_" + suffix
	if err := recreate(ctx, base, name); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err == nil {
			conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
			conn.Close(ctx)
		}
	})
	return withDatabase(base, name)
}

// dbName is unique per test binary: the package folder's name and a hash of its path.
func dbName() string {
	wd, _ := os.Getwd()
	sum := sha256.Sum256([]byte(wd))
	pkg := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(filepath.Base(wd)))
	return fmt.Sprintf("test_%s_%s", pkg, hex.EncodeToString(sum[:])[:8])
}

func create(base string) (string, *postgres.Store, error) {
	ctx := context.Background()
	name := dbName()
	if err := recreate(ctx, base, name); err != nil {
		return "", nil, err
	}
	u := withDatabase(base, name)
	s, err := postgres.Open(ctx, u, 20)
	if err != nil {
		return "", nil, err
	}
	if err := s.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return "", nil, err
	}
	return u, s, nil
}

func recreate(ctx context.Context, base, name string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to TEST_DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+id+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+id); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

// withDatabase swaps the database name in a postgres:// URL, keeping its query (e.g. host=/socket/dir).
func withDatabase(base, name string) string {
	scheme, rest, ok := strings.Cut(base, "://")
	if !ok {
		return base
	}
	authority, pathAndQuery, _ := strings.Cut(rest, "/")
	_, query, hasQuery := strings.Cut(pathAndQuery, "?")
	u := scheme + "://" + authority + "/" + name
	if hasQuery {
		u += "?" + query
	}
	return u
}

// NewSeeded creates a fresh database of its own for a test (see NewDatabase), migrated and with the reference
// catalogue loaded, and returns a store of maxConns connections on it, closed at the end of the test.
func NewSeeded(t testing.TB, suffix string, maxConns int32) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, NewDatabase(t, suffix), maxConns)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("testdb: migrate: %v", err)
	}
	if _, err := s.Seed(ctx, seed.Reference(), time.Now()); err != nil {
		t.Fatalf("testdb: seed: %v", err)
	}
	return s
}
