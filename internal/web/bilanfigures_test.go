package web

import (
	"context"
	"testing"
	"time"

	"campus/internal/programme"
)

// TestBilanFigures_StaleWhileRevalidating: the public figures are served at once from the last computation,
// which is started again in the background once they are bilanRefresh old (a view never waits for it); the
// first view waits for a computation; after a catalogue change a view waits briefly for the new figures.
func TestBilanFigures_StaleWhileRevalidating(t *testing.T) {
	var f bilanFigures
	n := 0
	release := make(chan struct{}, 10)
	compute := func(context.Context) (programme.Bilan, error) {
		<-release
		n++
		return programme.Bilan{Enrolments: n}, nil
	}
	ctx := t.Context()
	// figures is what a view of month gets; an error fails the test (no view here is cancelled).
	figures := func(month string) int {
		t.Helper()
		b, err := f.get(ctx, month, compute)
		if err != nil {
			t.Fatalf("view of %s: %v", month, err)
		}
		return b.Enrolments
	}
	// waitFor waits (2 s at most) for a view of January to get want, a computation running in the background.
	waitFor := func(want int, failure string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for figures("2026-01") != want {
			if time.Now().After(deadline) {
				t.Fatal(failure)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	release <- struct{}{}
	if got := figures("2026-01"); got != 1 {
		t.Fatalf("first view: %d", got)
	}
	// Old figures: served at once, a computation starts and is not waited for.
	f.mu.Lock()
	f.at = time.Now().Add(-bilanRefresh)
	f.mu.Unlock()
	start := time.Now()
	for range 5 {
		if got := figures("2026-01"); got != 1 {
			t.Fatalf("while recomputing: %d, want the previous figures", got)
		}
	}
	if time.Since(start) > time.Second {
		t.Fatal("views waited for the computation")
	}
	release <- struct{}{}
	waitFor(2, "the background computation was not kept")
	if n != 2 {
		t.Fatalf("%d computations, want 2 (one per refresh, not per view)", n)
	}
	// A catalogue change: a computation starts; the next view waits for it (briefly) and gets the new figures.
	f.changed()
	go func() { time.Sleep(20 * time.Millisecond); release <- struct{}{} }()
	if got := figures("2026-01"); got != 3 {
		t.Fatalf("after a change: %d, want the new figures (3)", got)
	}
	// A computation slower than bilanChangeWait: the view gets the previous figures, then the new ones come.
	f.changed()
	start = time.Now()
	if got := figures("2026-01"); got != 3 || time.Since(start) > 2*bilanChangeWait {
		t.Fatalf("after a change, with a slow computation: %d after %v, want the previous figures (3) at once", got, time.Since(start))
	}
	release <- struct{}{}
	waitFor(4, "the figures after the change never came")
	// A new month: nothing to serve, the view waits; a view whose visitor leaves does not.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.get(cctx, "2026-02", compute); err == nil {
		t.Fatal("a cancelled view got figures without a computation")
	}
	release <- struct{}{}
	if got := figures("2026-02"); got != 5 {
		t.Fatalf("new month: %d, want 5", got)
	}
}
