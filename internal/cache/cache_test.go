package cache

import (
	"errors"
	"testing"
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
}
