// Package cache keeps in memory what the portal reads far more than it writes (catalogue pages' data, key
// figures, rendered pages, signed-in sessions), and drops it when the database announces a change (see
// postgres.Store.ListenChanges). It is off until the change feed is listening, and turns itself off again when
// the feed is lost: a cache that could miss an invalidation is never used.
//
// It is bounded by bytes (and entries) and evicts the least recently used values to make room, one at a time:
// a full cache never starts afresh.
package cache

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Tag says what a cached value depends on.
type Tag uint8

const (
	// Catalogue: domains, partners, modules, tracks, sessions' dates and places.
	Catalogue Tag = 1 << iota
	// Seats: the seats taken of sessions.
	Seats
	// All is every tag.
	All = Catalogue | Seats
)

// MaxEntries and MaxBytes bound the memory: past either the least recently used values go. A value's size is
// what its Size method says (Sizer), else DefaultSize.
const (
	MaxEntries  = 20000
	MaxBytes    = 48 << 20
	DefaultSize = 4 << 10
)

// Sizer is a value that knows roughly how many bytes it holds.
type Sizer interface{ Size() int }

// MaxAge bounds how long a value is kept without any change announced, for what time alone makes stale
// (a session that has started is no longer "upcoming").
const MaxAge = time.Minute

// entry is a value in the map and in the recency list (most recent at head.next).
type entry struct {
	key        string
	val        any
	tags       Tag
	owner      int64 // the user the value belongs to (InvalidateOwner), 0 for shared values
	size       int
	stored     time.Time
	prev, next *entry
}

// Cache is a map of values with invalidation by tag and by owner, and least-recently-used eviction. The zero
// value is not usable: call New.
type Cache struct {
	mu         sync.Mutex
	on         bool
	gen        uint64              // moves at every invalidation by tag (and Enable)
	ownerSeq   uint64              // counts the invalidations by owner
	ownerLog   [ownerLogSize]int64 // ownerLog[seq%ownerLogSize]: the owner of invalidation seq
	bytes      int
	maxBytes   int
	maxEntries int
	entries    map[string]*entry
	owners     map[int64]map[*entry]struct{}
	head       entry              // sentinel of the recency list
	flight     singleflight.Group // one computation per missing key at a time
	evictions  uint64

	// Look-ups served from memory and look-ups that missed, for the metrics (Stats).
	hits, misses atomic.Uint64
}

// Stats are the cache's counters and size, for the metrics.
type Stats struct {
	Hits, Misses, Evictions uint64
	Entries, Bytes          int
	Enabled                 bool
}

// Stats returns the counters since the cache was made and its current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions, Entries: len(c.entries),
		Bytes: c.bytes, Enabled: c.on}
}

// New returns a disabled cache bounded by MaxBytes and MaxEntries.
func New() *Cache { return NewSized(MaxBytes, MaxEntries) }

// NewSized returns a disabled cache bounded by maxBytes and maxEntries.
func NewSized(maxBytes, maxEntries int) *Cache {
	c := &Cache{entries: map[string]*entry{}, owners: map[int64]map[*entry]struct{}{}, maxBytes: maxBytes, maxEntries: maxEntries}
	c.head.prev, c.head.next = &c.head, &c.head
	return c
}

// Enable turns the cache on or off; either way it starts empty.
func (c *Cache) Enable(on bool) {
	c.mu.Lock()
	c.on = on
	c.gen++
	c.bytes = 0
	clear(c.entries)
	clear(c.owners)
	c.head.prev, c.head.next = &c.head, &c.head
	c.mu.Unlock()
}

// Enabled reports whether values are kept.
func (c *Cache) Enabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.on
}

// Invalidate drops every value that depends on one of tags.
func (c *Cache) Invalidate(tags Tag) {
	c.mu.Lock()
	c.gen++
	for _, e := range c.entries {
		if e.tags&tags != 0 {
			c.remove(e)
		}
	}
	c.mu.Unlock()
}

// InvalidateOwner drops every value that belongs to the user owner (their session, their pages): the
// database announced a change of the user (role, name, sign-out everywhere, their enrolments).
func (c *Cache) InvalidateOwner(owner int64) {
	c.mu.Lock()
	c.ownerSeq++
	c.ownerLog[c.ownerSeq%ownerLogSize] = owner
	for e := range c.owners[owner] {
		c.remove(e)
	}
	c.mu.Unlock()
}

// Delete drops the value under k, if any.
func Delete[T any](c *Cache, k Key[T]) {
	c.mu.Lock()
	if e, ok := c.entries[k.id]; ok {
		c.remove(e)
	}
	c.mu.Unlock()
}

// Bytes is the estimated size of the values kept.
func (c *Cache) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Len is the number of values kept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Evictions is how many values were dropped to make room since the cache was made.
func (c *Cache) Evictions() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evictions
}

// Get returns the value under k if it is kept and younger than MaxAge (and marks it as just used).
func Get[T any](c *Cache, k Key[T]) (T, bool) {
	return lookup[T](c, k.id)
}

// lookup returns the value under the entry id if it is kept, younger than MaxAge and a T.
func lookup[T any](c *Cache, id string) (T, bool) {
	c.mu.Lock()
	e, ok := c.entries[id]
	if ok && time.Since(e.stored) < MaxAge {
		c.touch(e)
		c.mu.Unlock()
		c.hits.Add(1)
		t, ok := e.val.(T)
		return t, ok
	}
	c.mu.Unlock()
	c.misses.Add(1)
	var zero T
	return zero, false
}

// Snapshot is the state of the cache before computing a value: Put keeps the value only if no invalidation
// happened since (it may predate the change): by tag, or of the value's owner.
type Snapshot struct {
	on            bool
	gen, ownerGen uint64
}

// ownerLogSize is how many invalidations by owner are remembered: a value owned by a user is not kept when
// that user changed while it was computed, and a change of another user does not stop it (a crowd's enrolments
// announce hundreds of users a second); after more changes than that during one computation, it is not kept.
const ownerLogSize = 4096

// Begin takes a Snapshot (for a value whose owner may be known only once computed).
func (c *Cache) Begin() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{c.on, c.gen, c.ownerSeq}
}

// ownerChangedSince reports whether owner was invalidated after the snapshot seq (or may have been: the log
// has turned over since). c.mu is held.
func (c *Cache) ownerChangedSince(owner int64, seq uint64) bool {
	if c.ownerSeq-seq >= ownerLogSize {
		return true
	}
	for i := seq + 1; i <= c.ownerSeq; i++ {
		if c.ownerLog[i%ownerLogSize] == owner {
			return true
		}
	}
	return false
}

// Put keeps v under k, with k's tags and owner (0: shared), unless the cache is off or an invalidation
// happened since snap (an owned value is dropped by invalidations of either kind, a shared one by tags only).
func Put[T any](c *Cache, snap Snapshot, k Key[T], owner int64, v T) {
	store(c, k.id, k.tags, owner, snap, v)
}

// Load returns the value cached under k, or computes it with fn and keeps it (errors are not kept). A value
// computed while an invalidation happened is returned but not kept, since it may predate the change. Requests
// that miss the same key at the same time wait for one computation (after a change, a popular page is built
// once, not once per waiting request).
func Load[T any](c *Cache, k Key[T], fn func() (T, error)) (T, error) {
	return LoadOwned(c, k, 0, fn)
}

// LoadOwned is Load for a value that belongs to the user owner (dropped by InvalidateOwner too).
func LoadOwned[T any](c *Cache, k Key[T], owner int64, fn func() (T, error)) (T, error) {
	if t, ok := Get(c, k); ok {
		return t, nil
	}
	snap := c.Begin()
	if !snap.on {
		return fn()
	}
	// The flight is per generation: a request that comes after a change never waits for a computation that
	// started before it (and would show the old value).
	v, err, shared := c.flight.Do(strconv.FormatUint(snap.gen, 36)+"/"+strconv.FormatUint(snap.ownerGen, 36)+"/"+k.id, func() (any, error) {
		v, err := fn()
		if err == nil {
			store(c, k.id, k.tags, owner, snap, v)
		}
		return v, err
	})
	if err != nil && shared && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fn() // the request that computed it went away: compute for this one
	}
	t, _ := v.(T)
	return t, err
}

// store keeps v under key unless the cache changed generation since snap, evicting the least recently used
// values until it fits.
func store[T any](c *Cache, key string, tags Tag, owner int64, snap Snapshot, v T) {
	size := DefaultSize
	if sz, ok := any(v).(Sizer); ok {
		size = sz.Size()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || c.gen != snap.gen || (owner != 0 && c.ownerChangedSince(owner, snap.ownerGen)) || size > c.maxBytes {
		return
	}
	if old, ok := c.entries[key]; ok {
		c.remove(old)
	}
	for c.head.prev != &c.head && (len(c.entries) >= c.maxEntries || c.bytes+size > c.maxBytes) {
		c.remove(c.head.prev)
		c.evictions++
	}
	e := &entry{key: key, val: v, tags: tags, owner: owner, size: size, stored: time.Now()}
	c.entries[key] = e
	c.bytes += size
	if owner != 0 {
		set := c.owners[owner]
		if set == nil {
			set = map[*entry]struct{}{}
			c.owners[owner] = set
		}
		set[e] = struct{}{}
	}
	e.prev, e.next = &c.head, c.head.next
	e.prev.next, e.next.prev = e, e
}

// touch moves e to the head of the recency list. c.mu is held.
func (c *Cache) touch(e *entry) {
	if c.head.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = &c.head, c.head.next
	e.prev.next, e.next.prev = e, e
}

// remove drops e. c.mu is held.
func (c *Cache) remove(e *entry) {
	delete(c.entries, e.key)
	c.bytes -= e.size
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	if e.owner != 0 {
		if set := c.owners[e.owner]; set != nil {
			delete(set, e)
			if len(set) == 0 {
				delete(c.owners, e.owner)
			}
		}
	}
}
