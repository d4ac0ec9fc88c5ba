package cache

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	c := New()
	calls := 0
	get := func(key string, tags Tag) int {
		v, _ := Load(c, key, tags, func() (int, error) { calls++; return calls, nil })
		return v
	}
	t.Run("DisabledComputesEachTime", func(t *testing.T) {
		get("a", Catalogue)
		get("a", Catalogue)
		if calls != 2 || c.Len() != 0 {
			t.Fatalf("calls %d, len %d", calls, c.Len())
		}
	})
	c.Enable(true)
	t.Run("EnabledKeeps", func(t *testing.T) {
		calls = 0
		if get("a", Catalogue) != 1 || get("a", Catalogue) != 1 || calls != 1 {
			t.Fatalf("calls %d", calls)
		}
	})
	t.Run("InvalidateByTag", func(t *testing.T) {
		calls = 0
		get("cat", Catalogue)
		get("seats", Seats|Catalogue)
		c.Invalidate(Seats)
		get("cat", Catalogue)
		get("seats", Seats|Catalogue)
		if calls != 3 {
			t.Fatalf("after a seats change: %d computations, want 3 (the catalogue-only value stays)", calls)
		}
		c.Invalidate(Catalogue)
		if c.Len() != 0 {
			t.Fatalf("%d values left after a catalogue change", c.Len())
		}
	})
	t.Run("ValueComputedDuringInvalidationNotKept", func(t *testing.T) {
		v, _ := Load(c, "racy", Catalogue, func() (int, error) { c.Invalidate(Catalogue); return 7, nil })
		if v != 7 || c.Len() != 0 {
			t.Fatalf("v %d, len %d", v, c.Len())
		}
	})
	t.Run("ErrorsNotKept", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := Load(c, "e", Catalogue, func() (int, error) { return 0, boom }); err != boom || c.Len() != 0 {
			t.Fatalf("err %v, len %d", err, c.Len())
		}
	})
	t.Run("DisableClears", func(t *testing.T) {
		get("x", Catalogue)
		c.Enable(false)
		if c.Len() != 0 || c.Enabled() {
			t.Fatal("disable must clear")
		}
	})
	t.Run("BoundedInBytes", func(t *testing.T) {
		c.Enable(true)
		page := sized(make([]byte, 1<<20))
		for i := range MaxBytes>>20 + 10 {
			Load(c, "page"+string(rune('a'+i%26))+string(rune('a'+i/26)), Catalogue, func() (sized, error) { return page, nil })
			if c.Bytes() > MaxBytes {
				t.Fatalf("%d bytes kept, over %d", c.Bytes(), MaxBytes)
			}
		}
		if c.Len() == 0 || c.Bytes() != c.Len()*(1<<20) {
			t.Fatalf("%d values, %d bytes", c.Len(), c.Bytes())
		}
		c.Invalidate(All)
		if c.Bytes() != 0 {
			t.Fatalf("%d bytes after invalidating everything", c.Bytes())
		}
	})
}

// TestLoad_OneComputationPerKey: requests missing the same key at once share one computation.
func TestLoad_OneComputationPerKey(t *testing.T) {
	c := New()
	c.Enable(true)
	var calls atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, err := Load(c, "page", Catalogue, func() (int, error) {
				calls.Add(1)
				time.Sleep(50 * time.Millisecond)
				return 42, nil
			})
			if v != 42 || err != nil {
				t.Errorf("%d %v", v, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d computations for one key, want 1", n)
	}
}

// TestLoad_NoStaleFlightAfterChange: a request that comes after a change does not share a computation that
// started before it.
func TestLoad_NoStaleFlightAfterChange(t *testing.T) {
	c := New()
	c.Enable(true)
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	done := make(chan int)
	go func() {
		v, _ := Load(c, "page", Catalogue, func() (int, error) {
			calls.Add(1)
			close(started)
			<-release
			return 1, nil // read before the change
		})
		done <- v
	}()
	<-started
	c.Invalidate(Catalogue)
	fresh := make(chan int)
	go func() {
		v, _ := Load(c, "page", Catalogue, func() (int, error) { calls.Add(1); return 2, nil })
		fresh <- v
	}()
	var v int
	select {
	case v = <-fresh:
	case <-time.After(2 * time.Second):
		close(release)
		t.Fatal("a request after the change waited for the computation started before it")
	}
	close(release)
	if old := <-done; old != 1 || v != 2 || calls.Load() != 2 {
		t.Errorf("after the change: %d (want 2), %d computations (want 2)", v, calls.Load())
	}
	if again, _ := Load(c, "page", Catalogue, func() (int, error) { return 3, nil }); again != 2 {
		t.Errorf("kept %d, want the value computed after the change (2)", again)
	}
}

type sized []byte

func (s sized) Size() int { return len(s) }
