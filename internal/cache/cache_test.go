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
		v, _ := Load(c, NewKey[int](key, tags), func() (int, error) { calls++; return calls, nil })
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
		v, _ := Load(c, NewKey[int]("racy", Catalogue), func() (int, error) { c.Invalidate(Catalogue); return 7, nil })
		if v != 7 || c.Len() != 0 {
			t.Fatalf("v %d, len %d", v, c.Len())
		}
	})
	t.Run("ErrorsNotKept", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := Load(c, NewKey[int]("e", Catalogue), func() (int, error) { return 0, boom }); err != boom || c.Len() != 0 {
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
			Load(c, NewKey[sized]("page"+string(rune('a'+i%26))+string(rune('a'+i/26)), Catalogue), func() (sized, error) { return page, nil })
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
			v, err := Load(c, NewKey[int]("page", Catalogue), func() (int, error) {
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
		v, _ := Load(c, NewKey[int]("page", Catalogue), func() (int, error) {
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
		v, _ := Load(c, NewKey[int]("page", Catalogue), func() (int, error) { calls.Add(1); return 2, nil })
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
	if again, _ := Load(c, NewKey[int]("page", Catalogue), func() (int, error) { return 3, nil }); again != 2 {
		t.Errorf("kept %d, want the value computed after the change (2)", again)
	}
}

type sized []byte

func (s sized) Size() int { return len(s) }

// TestCache_EvictsLeastRecentlyUsed: a full cache makes room by dropping the values used longest ago, one at
// a time; it never starts afresh, and what was just read stays.
func TestCache_EvictsLeastRecentlyUsed(t *testing.T) {
	c := NewSized(10*100, 1000)
	c.Enable(true)
	put := func(k string) {
		Load(c, NewKey[sized](k, Catalogue), func() (sized, error) { return make(sized, 100), nil })
	}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		put(k)
	}
	if c.Len() != 10 || c.Bytes() != 1000 {
		t.Fatalf("%d values, %d bytes, want 10 and 1000", c.Len(), c.Bytes())
	}
	if _, ok := Get(c, NewKey[sized]("a", 0)); !ok { // a becomes the most recently used; b is now the oldest
		t.Fatal("a missing")
	}
	put("k")
	put("l")
	if c.Len() != 10 || c.Bytes() > 1000 || c.Evictions() != 2 {
		t.Fatalf("%d values, %d bytes, %d evictions, want 10, ≤ 1000, 2", c.Len(), c.Bytes(), c.Evictions())
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": false, "d": true, "j": true, "k": true, "l": true} {
		if _, ok := Get(c, NewKey[sized](k, 0)); ok != want {
			t.Errorf("%s kept: %v, want %v", k, ok, want)
		}
	}
	// A bound on entries evicts the same way.
	n := NewSized(1<<20, 3)
	n.Enable(true)
	for _, k := range []string{"x", "y", "z"} {
		Load(n, NewKey[int](k, Catalogue), func() (int, error) { return 1, nil })
	}
	Get(n, NewKey[int]("x", 0))
	Load(n, NewKey[int]("w", Catalogue), func() (int, error) { return 1, nil })
	if _, ok := Get(n, NewKey[int]("y", 0)); ok || n.Len() != 3 {
		t.Errorf("y (least recently used) kept: %v, %d values", ok, n.Len())
	}
	// A value larger than the whole cache is not kept (and evicts nothing).
	Load(c, NewKey[sized]("huge", Catalogue), func() (sized, error) { return make(sized, 5000), nil })
	if _, ok := Get(c, NewKey[sized]("huge", 0)); ok || c.Len() != 10 {
		t.Errorf("a value over the bound kept: %v, %d values", ok, c.Len())
	}
}

// TestCache_InvalidateOwner: a user's values go when the user changes; other users' and shared values stay;
// a user's value computed while the user changed is not kept.
func TestCache_InvalidateOwner(t *testing.T) {
	c := New()
	c.Enable(true)
	LoadOwned(c, NewKey[int]("u1:page", Catalogue), 1, func() (int, error) { return 1, nil })
	LoadOwned(c, NewKey[int]("u1:session", 0), 1, func() (int, error) { return 1, nil })
	LoadOwned(c, NewKey[int]("u2:page", Catalogue), 2, func() (int, error) { return 2, nil })
	Load(c, NewKey[int]("shared", Catalogue), func() (int, error) { return 0, nil })
	c.InvalidateOwner(1)
	for k, want := range map[string]bool{"u1:page": false, "u1:session": false, "u2:page": true, "shared": true} {
		if _, ok := Get(c, NewKey[int](k, 0)); ok != want {
			t.Errorf("%s kept: %v, want %v", k, ok, want)
		}
	}
	// Tags drop owned values too, except those without tags (sessions).
	c.Invalidate(All)
	if _, ok := Get(c, NewKey[int]("u2:page", 0)); ok {
		t.Error("an owned page survived a catalogue change")
	}
	LoadOwned(c, NewKey[int]("u3:session", 0), 3, func() (int, error) { return 3, nil })
	c.Invalidate(All)
	if _, ok := Get(c, NewKey[int]("u3:session", 0)); !ok {
		t.Error("a session (no tag) dropped by a catalogue change")
	}
	v, _ := LoadOwned(c, NewKey[int]("u3:racy", Catalogue), 3, func() (int, error) { c.InvalidateOwner(3); return 7, nil })
	if _, ok := Get(c, NewKey[int]("u3:racy", 0)); v != 7 || ok {
		t.Errorf("a value computed while its owner changed: %d, kept %v", v, ok)
	}
	if _, ok := Get(c, NewKey[int]("u3:session", 0)); ok {
		t.Error("the owner's session survived its change")
	}
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Errorf("%d values, %d bytes left", c.Len(), c.Bytes())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.owners) != 0 {
		t.Errorf("owner index holds %d users after their values went", len(c.owners))
	}
}

func TestFoldText(t *testing.T) {
	for in, want := range map[string]string{
		"Données":                  "donnees",
		"  DONNÉES   ouvertes ":    "donnees ouvertes",
		"Œuvre cœur Ægide":         "oeuvre coeur aegide",
		"e\u0301te\u0301":          "ete", // decomposed accents
		"Straße\tdes\u00a0Églises": "strasse des eglises",
		"":                         "",
	} {
		if got := FoldText(in); got != want {
			t.Errorf("FoldText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLoadVariant: the spellings of one query share one entry, each with its own value; at most MaxVariants
// of them are kept, the least recently stored going first.
func TestLoadVariant(t *testing.T) {
	c := New()
	c.Enable(true)
	calls := 0
	get := func(typed string) string {
		v, _ := LoadVariant(c, NewKey[string]("search:"+FoldText(typed), Catalogue), typed, 0, func() (string, error) { calls++; return "page for " + typed, nil })
		return v
	}
	spellings := []string{"Données", "données", "DONNEES", "donnees", "Donnees", "dOnnées"}
	for range 3 {
		for _, s := range spellings[:MaxVariants] {
			if got := get(s); got != "page for "+s {
				t.Fatalf("%q got %q", s, got)
			}
		}
	}
	if calls != MaxVariants || c.Len() != 1 {
		t.Fatalf("%d computations, %d entries; want %d and 1", calls, c.Len(), MaxVariants)
	}
	for _, s := range spellings {
		get(s)
	}
	if c.Len() != 1 {
		t.Fatalf("%d entries for one query", c.Len())
	}
	set, _ := lookup[variants](c, NewKey[string]("search:donnees", 0).id)
	if len(set.items) != MaxVariants || set.items[0].variant != "dOnnées" {
		t.Errorf("kept %d spellings, first %q", len(set.items), set.items[0].variant)
	}
}

// TestCache_OtherUsersChangesDoNotStopStoring: a user's value computed while other users changed is kept;
// computed while its own user changed, it is not.
func TestCache_OtherUsersChangesDoNotStopStoring(t *testing.T) {
	c := New()
	c.Enable(true)
	LoadOwned(c, NewKey[int]("u1:session", 0), 1, func() (int, error) {
		for u := range int64(100) {
			c.InvalidateOwner(1000 + u) // a crowd elsewhere
		}
		return 1, nil
	})
	if _, ok := Get(c, NewKey[int]("u1:session", 0)); !ok {
		t.Error("a value not kept because other users changed")
	}
	LoadOwned(c, NewKey[int]("u2:session", 0), 2, func() (int, error) {
		c.InvalidateOwner(7)
		c.InvalidateOwner(2)
		c.InvalidateOwner(8)
		return 2, nil
	})
	if _, ok := Get(c, NewKey[int]("u2:session", 0)); ok {
		t.Error("a value kept though its user changed while it was computed")
	}
	LoadOwned(c, NewKey[int]("u3:session", 0), 3, func() (int, error) {
		for u := range int64(ownerLogSize + 1) {
			c.InvalidateOwner(1000 + u)
		}
		return 3, nil
	})
	if _, ok := Get(c, NewKey[int]("u3:session", 0)); ok {
		t.Error("a value kept though more changes came than the log remembers")
	}
}

// TestKey_OneEntryPerType: two keys spelled alike but declared with two types are two entries: each read gets
// a value of its own type, never the other's (nor a zero value from a failed assertion).
func TestKey_OneEntryPerType(t *testing.T) {
	c := New()
	c.Enable(true)
	n, _ := Load(c, NewKey[int]("domains", Catalogue), func() (int, error) { return 7, nil })
	s, _ := Load(c, NewKey[string]("domains", Catalogue), func() (string, error) { return "sept", nil })
	if n != 7 || s != "sept" || c.Len() != 2 {
		t.Fatalf("%d %q, %d entries", n, s, c.Len())
	}
	if v, ok := Get(c, NewKey[int]("domains", 0)); !ok || v != 7 {
		t.Fatalf("the int is gone: %d %v", v, ok)
	}
	family := NewKeys[int]("domain:", Catalogue)
	Load(c, family.Of("data"), func() (int, error) { return 1, nil })
	if v, ok := Get(c, NewKey[int]("domain:data", 0)); !ok || v != 1 {
		t.Fatalf("a family's key is not the key of the same name: %d %v", v, ok)
	}
	Delete(c, family.Of("data"))
	if _, ok := Get(c, family.Of("data")); ok {
		t.Fatal("Delete kept the value")
	}
}
