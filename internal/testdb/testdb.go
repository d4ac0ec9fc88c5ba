// Package testdb gives tests a real, migrated PostgreSQL database of their own: one fresh database per test
// binary (so packages run in parallel without touching each other), created from TEST_DATABASE_URL.
// `make test` points TEST_DATABASE_URL at the project's private cluster. Without it a test skips with a
// visible message, except under CI=true where it fails: CI may never silently skip a database test.
//
// Migrating a database from scratch costs about a second, and seeding it as much again; dozens of tests want
// one of their own. So each test binary migrates one template database (and seeds a copy of it as a second
// template) once, and every other database — the binary's shared one, NewMigrated's, NewSeeded's — is a copy
// made by `CREATE DATABASE … TEMPLATE`, which takes a few tens of milliseconds. Templates are rebuilt by each
// run of the binary (the seed's sessions are dated from now), and are closed to connections once built:
// PostgreSQL copies a database only while nobody is connected to it.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/postgres"
	"campus/internal/seed"
	"campus/internal/testenv"
)

var (
	once    sync.Once
	store   *postgres.Store
	url     string
	openErr error

	seedOnce sync.Once
	seedErr  error

	copies atomic.Int64 // numbers the databases of NewDatabase, NewMigrated and NewSeeded

	migratedTpl = templateOnce{suffix: "tpl_migrated"}
	seededTpl   = templateOnce{suffix: "tpl_seeded"}
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
	testenv.Require(t, base != "", "TEST_DATABASE_URL is not set (run `make test` to use the project's private PostgreSQL)")
	return base
}

func open(t testing.TB) {
	base := Require(t)
	once.Do(func() { url, store, openErr = create(t, base) })
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
	name := fmt.Sprintf("%s_%s_%d", dbName(), suffix, copies.Add(1))
	if err := recreate(ctx, base, name); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { dropLater(base, name) })
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

// create makes the binary's shared database, a copy of the migrated template.
func create(t testing.TB, base string) (string, *postgres.Store, error) {
	ctx := context.Background()
	tpl, err := migratedTpl.get(t, base)
	if err != nil {
		return "", nil, err
	}
	name := dbName()
	if err := recreateFrom(ctx, base, name, tpl); err != nil {
		return "", nil, err
	}
	u := withDatabase(base, name)
	s, err := postgres.Open(ctx, u, 20)
	if err != nil {
		return "", nil, err
	}
	return u, s, nil
}

func recreate(ctx context.Context, base, name string) error { return recreateFrom(ctx, base, name, "") }

// recreateFrom drops the database name if it exists and creates it empty, or as a copy of the template tpl.
func recreateFrom(ctx context.Context, base, name, tpl string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to TEST_DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if err := drop(ctx, conn, name); err != nil {
		return err
	}
	create := `CREATE DATABASE ` + id
	if tpl != "" {
		create += ` TEMPLATE ` + pgx.Identifier{tpl}.Sanitize()
	}
	// A copy fails with "source database is being accessed by other users" (55006) while anything is connected
	// to the template; the templates refuse connections once built, so only a server process (autovacuum) can
	// be: wait for it a little.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, create)
		if err == nil {
			return nil
		}
		var pg *pgconn.PgError
		if tpl == "" || attempt == 50 || !errors.As(err, &pg) || pg.Code != "55006" {
			return fmt.Errorf("create %s: %w", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drop drops the database name if it exists, a template too.
func drop(ctx context.Context, conn *pgx.Conn, name string) error {
	id := pgx.Identifier{name}.Sanitize()
	var isTemplate bool
	err := conn.QueryRow(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name).Scan(&isTemplate)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	if isTemplate {
		if _, err := conn.Exec(ctx, `ALTER DATABASE `+id+` IS_TEMPLATE false`); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+id+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// templateOnce builds one template database per test binary, on first use, whichever test asks first.
type templateOnce struct {
	suffix string
	once   sync.Once
	name   string
	err    error
}

func (tp *templateOnce) get(t testing.TB, base string) (string, error) {
	tp.once.Do(func() {
		ctx := context.Background()
		name := dbName() + "_" + tp.suffix
		from := ""
		if tp == &seededTpl {
			if from, tp.err = migratedTpl.get(t, base); tp.err != nil {
				return
			}
		}
		if tp.err = recreateFrom(ctx, base, name, from); tp.err != nil {
			return
		}
		s, err := postgres.Open(ctx, withDatabase(base, name), 4)
		if err != nil {
			tp.err = err
			return
		}
		if from == "" {
			err = s.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
		} else {
			_, err = s.Seed(ctx, seed.Reference(), time.Now())
		}
		s.Close()
		if err != nil {
			tp.err = fmt.Errorf("template %s: %w", name, err)
			return
		}
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tp.err = err
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`); err != nil {
			tp.err = fmt.Errorf("template %s: %w", name, err)
			return
		}
		tp.name = name
	})
	return tp.name, tp.err
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

// NewMigrated creates a fresh database of its own for a test (see NewDatabase), migrated (a copy of the
// binary's migrated template), and returns a store of maxConns connections on it, closed at the end of the test.
func NewMigrated(t testing.TB, suffix string, maxConns int32) *postgres.Store {
	t.Helper()
	return newCopy(t, &migratedTpl, suffix, maxConns)
}

// NewSeeded creates a fresh database of its own for a test (see NewDatabase), migrated and with the reference
// catalogue loaded (a copy of the binary's seeded template), and returns a store of maxConns connections on it,
// closed at the end of the test.
func NewSeeded(t testing.TB, suffix string, maxConns int32) *postgres.Store {
	t.Helper()
	return newCopy(t, &seededTpl, suffix, maxConns)
}

func newCopy(t testing.TB, tp *templateOnce, suffix string, maxConns int32) *postgres.Store {
	t.Helper()
	base := Require(t)
	ctx := context.Background()
	tpl, err := tp.get(t, base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	// Numbered: tests running in parallel may ask for copies under the same suffix.
	name := fmt.Sprintf("%s_%s_%d", dbName(), suffix, copies.Add(1))
	if err := recreateFrom(ctx, base, name, tpl); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { dropLater(base, name) })
	s, err := postgres.Open(ctx, withDatabase(base, name), maxConns)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// dropLater drops a test's database at the end of the test.
func dropLater(base, name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err == nil {
		drop(ctx, conn, name)
		conn.Close(ctx)
	}
}
