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
	ctx := context.Background()
	release <- struct{}{}
	if b, err := f.get(ctx, "2026-01", compute); err != nil || b.Enrolments != 1 {
		t.Fatalf("first view: %v %v", b.Enrolments, err)
	}
	// Old figures: served at once, a computation starts and is not waited for.
	f.mu.Lock()
	f.at = time.Now().Add(-bilanRefresh)
	f.mu.Unlock()
	start := time.Now()
	for range 5 {
		if b, _ := f.get(ctx, "2026-01", compute); b.Enrolments != 1 {
			t.Fatalf("while recomputing: %d, want the previous figures", b.Enrolments)
		}
	}
	if time.Since(start) > time.Second {
		t.Fatal("views waited for the computation")
	}
	release <- struct{}{}
	deadline := time.Now().Add(2 * time.Second)
	for {
		if b, _ := f.get(ctx, "2026-01", compute); b.Enrolments == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background computation was not kept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n != 2 {
		t.Fatalf("%d computations, want 2 (one per refresh, not per view)", n)
	}
	// A catalogue change: a computation starts; the next view waits for it (briefly) and gets the new figures.
	f.changed()
	go func() { time.Sleep(20 * time.Millisecond); release <- struct{}{} }()
	if b, _ := f.get(ctx, "2026-01", compute); b.Enrolments != 3 {
		t.Fatalf("after a change: %d, want the new figures (3)", b.Enrolments)
	}
	// A computation slower than bilanChangeWait: the view gets the previous figures, then the new ones come.
	f.changed()
	start = time.Now()
	if b, _ := f.get(ctx, "2026-01", compute); b.Enrolments != 3 || time.Since(start) > 2*bilanChangeWait {
		t.Fatalf("after a change, with a slow computation: %d after %v, want the previous figures (3) at once", b.Enrolments, time.Since(start))
	}
	release <- struct{}{}
	deadline = time.Now().Add(2 * time.Second)
	for {
		if b, _ := f.get(ctx, "2026-01", compute); b.Enrolments == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the figures after the change never came")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A new month: nothing to serve, the view waits; a view whose visitor leaves does not.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.get(cctx, "2026-02", compute); err == nil {
		t.Fatal("a cancelled view got figures without a computation")
	}
	release <- struct{}{}
	if b, _ := f.get(ctx, "2026-02", compute); b.Enrolments != 5 {
		t.Fatalf("new month: %d, want 5", b.Enrolments)
	}
}
