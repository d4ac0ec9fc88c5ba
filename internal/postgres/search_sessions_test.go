package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"campus/internal/testdb"
)

// TestSearchDocs_SeatsRebuildTracksOnlyWhenTheModuleChanges: a change of a session's seats refreshes its
// module's search document and rebuilds the documents of the tracks holding the module only when the module's
// document changed (migration 00023): a cancellation followed by a promotion (full, open, full again in one
// transaction) rewrites no track, which on the national dataset (a module in hundreds of tracks) cost 60–100 ms
// at the commit of every cancellation of a hot session. The tracks still follow a real change.
func TestSearchDocs_SeatsRebuildTracksOnlyWhenTheModuleChanges(t *testing.T) {
	s, mod, early := enModuleSession(t, "presentiel", 2, 30*24*time.Hour)
	ctx := context.Background()
	late := enSession(t, s, mod, 2, 60*24*time.Hour)
	var tracks []int64
	for i := range 3 {
		id := testdb.Int64(t, s, `WITH t AS (
				INSERT INTO tracks (slug, domain_id, title, status)
				SELECT $1, domain_id, $2, 'published' FROM modules WHERE id = $3 RETURNING id)
			INSERT INTO track_modules (track_id, module_id, position) SELECT t.id, $3, 1 FROM t RETURNING track_id`,
			fmt.Sprintf("parcours-places-%d-%d", mod, i), fmt.Sprintf("Parcours des places %d", i), mod)
		tracks = append(tracks, id)
	}
	// The documents' open_until.
	docs := func() (*time.Time, []*time.Time) {
		t.Helper()
		var m *time.Time
		testdb.Row(t, s, `SELECT open_until FROM search_docs WHERE kind = 'module' AND id = $1`, mod).Scan(&m)
		var ts []*time.Time
		for _, id := range tracks {
			var d *time.Time
			testdb.Row(t, s, `SELECT open_until FROM search_docs WHERE kind = 'parcours' AND id = $1`, id).Scan(&d)
			ts = append(ts, d)
		}
		return m, ts
	}
	startOf := func(session int64) time.Time {
		var at time.Time
		testdb.Row(t, s, `SELECT starts_at FROM module_sessions WHERE id = $1`, session).Scan(&at)
		return at
	}
	check := func(step string, want *time.Time) {
		t.Helper()
		m, ts := docs()
		same := func(a *time.Time) bool { return (a == nil) == (want == nil) && (a == nil || a.Equal(*want)) }
		if !same(m) {
			t.Errorf("%s: the module is open until %v, want %v", step, m, want)
		}
		for i, d := range ts {
			if !same(d) {
				t.Errorf("%s: track %d is open until %v, want %v", step, i, d, want)
			}
		}
	}
	// trackReads runs statements in one transaction and returns how many times it read the tracks' modules
	// (scans of track_modules: what rebuilding a track's document starts with), the deferred refresh fired
	// before the count.
	trackReads := func(stmts ...string) int {
		t.Helper()
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		// The counts not yet reported (of this connection's earlier transactions too), before and after.
		reads := func() int {
			var n int
			if err := tx.QueryRow(ctx, `SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)
				FROM pg_stat_xact_user_tables WHERE relname = 'track_modules'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := reads()
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		n := reads() - before
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return n
	}
	seats := func(session int64, change string) string {
		return fmt.Sprintf(`UPDATE module_sessions SET seats_taken = %s WHERE id = %d`, change, session)
	}

	lateStart, earlyStart := startOf(late), startOf(early)
	check("start", &lateStart)

	// The early session fills: the module stays open until the late one; no track is rebuilt.
	if n := trackReads(seats(early, "capacity")); n != 0 {
		t.Errorf("filling a session that is not the module's latest open one read the tracks %d times", n)
	}
	check("the early session full", &lateStart)

	// The late session fills: no seat left anywhere, the module and its tracks leave "places".
	if n := trackReads(seats(late, "capacity")); n == 0 {
		t.Error("filling the last open session did not rebuild its tracks")
	}
	check("every session full", nil)

	// A cancellation and a promotion in one transaction (full, open, full again): no track is rebuilt.
	if n := trackReads(seats(late, "seats_taken - 1"), seats(late, "seats_taken + 1")); n != 0 {
		t.Errorf("a cancellation and a promotion read the tracks %d times", n)
	}
	check("a cancellation and a promotion", nil)

	// A seat freed in the early session: the module and its tracks are open until it again.
	trackReads(seats(early, "seats_taken - 1"))
	check("a seat freed", &earlyStart)

	// A session moved later: its tracks follow, upcoming starts included.
	trackReads(`UPDATE module_sessions SET starts_at = starts_at + interval '100 days', ends_at = ends_at + interval '100 days' WHERE id = ` +
		fmt.Sprint(early))
	moved := startOf(early)
	check("a session moved", &moved)
	var moduleUpcoming, trackUpcoming string
	testdb.Row(t, s, `SELECT (SELECT upcoming::text FROM search_docs WHERE kind = 'module' AND id = $1),
			(SELECT upcoming::text FROM search_docs WHERE kind = 'parcours' AND id = $2)`, mod, tracks[0]).Scan(&moduleUpcoming, &trackUpcoming)
	if moduleUpcoming != trackUpcoming {
		t.Errorf("upcoming starts: module %s, its track %s", moduleUpcoming, trackUpcoming)
	}
}

// TestSearchDocs_TextIndexPendingListIsSmall: every search reads the text index's pending list (GIN fastupdate)
// in full until it is merged; migration 00023 merges it from 64 kB on rather than 4 MB.
func TestSearchDocs_TextIndexPendingListIsSmall(t *testing.T) {
	s := enStore(t)
	var opts []string
	testdb.Row(t, s, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = 'search_docs_vector_idx'`).Scan(&opts)
	if len(opts) != 1 || opts[0] != "gin_pending_list_limit=64" {
		t.Errorf("search_docs_vector_idx options %v, want gin_pending_list_limit=64", opts)
	}
}
