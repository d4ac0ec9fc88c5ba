package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/postgres"
)

// backup dumps a database that a `campus serve` is using with deploy/backup/campus-backup.sh, restores the
// dump into a fresh database, runs `campus migrate` against it, compares the row counts of every table with
// those of the dump's own snapshot, serves the restored database, and checks the script's retention.
func (c *checker) backup(ctx context.Context) error {
	bin, err := c.devdbBin(ctx)
	if err != nil {
		return err
	}
	pgDump, pgRestore := filepath.Join(bin, "pg_dump"), filepath.Join(bin, "pg_restore")
	for _, p := range []string{pgDump, pgRestore} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	c.step("a running portal on a fresh database")
	src, err := c.freshDatabase(ctx, "campus_backup_check")
	if err != nil {
		return err
	}
	env := map[string]string{"DATABASE_URL": src, "CAMPUS_LOG_LEVEL": "warn"}
	for _, cmd := range []string{"migrate", "seed"} {
		if err := c.campusCmd(ctx, env, cmd); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	in := &instance{name: "portal", addr: fmt.Sprintf("127.0.0.1:%d", port), logPath: filepath.Join(c.tmp, "campus.log"),
		env: map[string]string{"DATABASE_URL": src, "CAMPUS_ADDR": fmt.Sprintf("127.0.0.1:%d", port), "CAMPUS_DRAIN": "0s", "CAMPUS_LOG_LEVEL": "warn"}}
	if err := c.startInstance(in); err != nil {
		return err
	}
	if err := in.waitReady(ctx, 60*time.Second); err != nil {
		return err
	}
	store, err := postgres.Open(ctx, src, 4)
	if err != nil {
		return err
	}
	defer store.Close()
	// Accounts (users, links, mails in the outbox) besides the catalogue.
	for i := range 5 {
		e := fmt.Sprintf("sauvegarde.%d@numerique.gouv.fr", i)
		if _, _, err := store.SignUp(ctx, postgres.NewAccount{Email: e, PasswordHash: "x", GivenName: "Agent", UsualName: "Sauvegarde",
			Administration: "DINUM"}); err != nil {
			return err
		}
	}

	c.step("dump with deploy/backup/campus-backup.sh, counting rows in the dump's snapshot")
	conn, err := pgx.Connect(ctx, src)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return err
	}
	dir := filepath.Join(c.tmp, "backups")
	script := filepath.Join(c.root, "deploy/backup/campus-backup.sh")
	backupEnv := map[string]string{"DATABASE_URL": src, "CAMPUS_BACKUP_DIR": dir, "CAMPUS_BACKUP_RETENTION_DAYS": "14",
		"PG_DUMP": pgDump, "PG_RESTORE": pgRestore}
	started := time.Now()
	dump, err := runScript(ctx, script, backupEnv, "--snapshot="+snapshot)
	if err != nil {
		return err
	}
	st, err := os.Stat(dump)
	if !c.expect(err == nil && strings.HasSuffix(dump, ".dump") && st.Mode().Perm() == 0o600,
		"campus-backup.sh wrote %s (%d bytes, mode %v) in %v", filepath.Base(dump), size(st), mode(st), time.Since(started).Round(time.Millisecond)) {
		return fmt.Errorf("no dump")
	}
	want, err := rowCounts(ctx, tx)
	if err != nil {
		return err
	}
	tx.Rollback(ctx)

	c.step("restore into a fresh database, then `campus migrate`")
	restored, err := c.freshDatabase(ctx, "campus_backup_check_restore")
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, pgRestore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname="+restored, dump).CombinedOutput()
	if !c.expect(err == nil, "pg_restore into a fresh database %s", strings.TrimSpace(errOrEmpty(err)+" "+string(out))) {
		return fmt.Errorf("restore failed")
	}
	restoredEnv := map[string]string{"DATABASE_URL": restored, "CAMPUS_LOG_LEVEL": "warn"}
	c.expect(c.campusCmd(ctx, restoredEnv, "migrate") == nil, "`campus migrate` against the restored database")
	rconn, err := pgx.Connect(ctx, restored)
	if err != nil {
		return err
	}
	defer rconn.Close(ctx)
	rtx, err := rconn.Begin(ctx)
	if err != nil {
		return err
	}
	got, err := rowCounts(ctx, rtx)
	rtx.Rollback(ctx)
	if err != nil {
		return err
	}
	tables := slices.Sorted(maps.Keys(want))
	c.expect(slices.Equal(tables, slices.Sorted(maps.Keys(got))), "the restored database has the same %d tables", len(tables))
	var diffs []string
	var rows int64
	for _, t := range tables {
		rows += want[t]
		if got[t] != want[t] {
			diffs = append(diffs, fmt.Sprintf("%s: %d in the dump's snapshot, %d restored", t, want[t], got[t]))
		}
	}
	c.expect(len(diffs) == 0 && want["modules"] > 0 && want["users"] >= 5 && want["mail_outbox"] >= 5,
		"row counts of every table equal (%d tables, %d rows; modules %d, users %d, mail_outbox %d) %s",
		len(tables), rows, want["modules"], want["users"], want["mail_outbox"], strings.Join(diffs, "; "))

	// The restored database serves.
	rport, err := freePort()
	if err != nil {
		return err
	}
	rin := &instance{name: "restored", addr: fmt.Sprintf("127.0.0.1:%d", rport), logPath: filepath.Join(c.tmp, "campus-restored.log"),
		env: map[string]string{"DATABASE_URL": restored, "CAMPUS_ADDR": fmt.Sprintf("127.0.0.1:%d", rport), "CAMPUS_DRAIN": "0s",
			"CAMPUS_LOG_LEVEL": "warn", "CAMPUS_AUTO_MIGRATE": "false"}}
	if err := c.startInstance(rin); err != nil {
		return err
	}
	err = rin.waitReady(ctx, 60*time.Second)
	c.expect(err == nil, "`campus serve` on the restored database is ready (/readyz 200) %v", errOrEmpty(err))
	if err == nil {
		p := do(httpClient(), "GET", "http://"+rin.addr+"/domaines", nil, nil)
		c.expect(p.status == 200 && p.doc.Find("main a[href^='/domaines/']").Length() > 0, "its catalogue pages answer (%d)", p.status)
	}
	rin.stop(syscall.SIGTERM, 20*time.Second)
	c.expect(in.stop(syscall.SIGTERM, 20*time.Second) == nil, "the portal that was dumped stops cleanly")

	c.step("retention")
	old := filepath.Join(dir, "campus-20000101T000000Z.dump")
	recent := filepath.Join(dir, "campus-20000102T000000Z.dump")
	for p, age := range map[string]time.Duration{old: 30 * 24 * time.Hour, recent: 2 * 24 * time.Hour} {
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, time.Now().Add(-age), time.Now().Add(-age))
	}
	second, err := runScript(ctx, script, backupEnv)
	if err != nil {
		return err
	}
	_, errOld := os.Stat(old)
	_, errRecent := os.Stat(recent)
	_, errFirst := os.Stat(dump)
	_, errSecond := os.Stat(second)
	c.expect(os.IsNotExist(errOld) && errRecent == nil && errFirst == nil && errSecond == nil,
		"a second backup removes the dumps older than 14 days and keeps the others")
	return nil
}

// rowCounts counts the rows of every table of the public schema, in tx's snapshot.
func rowCounts(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, n := range names {
		var count int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{"public", n}.Sanitize()).Scan(&count); err != nil {
			return nil, err
		}
		out[n] = count
	}
	return out, nil
}

func runScript(ctx context.Context, script string, env map[string]string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, script, args...)
	cmd.Env = campusEnv(env)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", filepath.Base(script), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func size(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}

func mode(st os.FileInfo) os.FileMode {
	if st == nil {
		return 0
	}
	return st.Mode().Perm()
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
