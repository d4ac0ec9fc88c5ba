// Package cache keeps in memory what the portal reads far more than it writes (catalogue pages' data, key
// figures), and drops it when the database announces a change (see postgres.Store.ListenChanges). It is off
// until the change feed is listening, and turns itself off again when the feed is lost: a cache that could miss
// an invalidation is never used.
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

// MaxEntries and MaxBytes bound the memory: past either the cache starts afresh. A value's size is what its
// Size method says (Sizer), else DefaultSize.
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

type entry struct {
	val    any
	tags   Tag
	size   int
	stored time.Time
}

// Cache is a map of values with invalidation by tag. The zero value is not usable: call New.
type Cache struct {
	mu      sync.RWMutex
	on      bool
	gen     uint64
	bytes   int
	entries map[string]entry
	flight  singleflight.Group // one computation per missing key at a time

	// Counters for the metrics (Stats): look-ups served from memory, look-ups that computed, values dropped.
	hits, misses, evictions atomic.Uint64
}

// Stats are the cache's counters and size, for the metrics.
type Stats struct {
	Hits, Misses, Evictions uint64
	Entries, Bytes          int
	Enabled                 bool
}

// Stats returns the counters since the process started and the current size.
func (c *Cache) Stats() Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load(), Entries: len(c.entries),
		Bytes: c.bytes, Enabled: c.on}
}

// New returns a disabled cache.
func New() *Cache { return &Cache{entries: map[string]entry{}} }

// Enable turns the cache on or off; either way it starts empty.
func (c *Cache) Enable(on bool) {
	c.mu.Lock()
	c.on = on
	c.gen++
	c.bytes = 0
	c.evictions.Add(uint64(len(c.entries)))
	clear(c.entries)
	c.mu.Unlock()
}

// Enabled reports whether values are kept.
func (c *Cache) Enabled() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.on
}

// Invalidate drops every value that depends on one of tags.
func (c *Cache) Invalidate(tags Tag) {
	c.mu.Lock()
	c.gen++
	for k, e := range c.entries {
		if e.tags&tags != 0 {
			c.bytes -= e.size
			delete(c.entries, k)
			c.evictions.Add(1)
		}
	}
	c.mu.Unlock()
}

// Bytes is the estimated size of the values kept.
func (c *Cache) Bytes() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

// Len is the number of values kept.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Load returns the value cached under key, or computes it with fn and keeps it (errors are not kept). A value
// computed while an invalidation happened is returned but not kept, since it may predate the change. Requests
// that miss the same key at the same time wait for one computation (after a change, a popular page is built
// once, not once per waiting request).
func Load[T any](c *Cache, key string, tags Tag, fn func() (T, error)) (T, error) {
	c.mu.RLock()
	e, ok := c.entries[key]
	on, gen := c.on, c.gen
	c.mu.RUnlock()
	if ok && time.Since(e.stored) < MaxAge {
		c.hits.Add(1)
		return e.val.(T), nil
	}
	c.misses.Add(1)
	if !on {
		return fn()
	}
	// The flight is per generation: a request that comes after a change never waits for a computation that
	// started before it (and would show the old value).
	v, err, shared := c.flight.Do(strconv.FormatUint(gen, 36)+"/"+key, func() (any, error) {
		v, err := fn()
		if err == nil {
			store(c, key, tags, gen, v)
		}
		return v, err
	})
	if err != nil && shared && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fn() // the request that computed it went away: compute for this one
	}
	t, _ := v.(T)
	return t, err
}

// store keeps v under key unless the cache changed generation since gen.
func store[T any](c *Cache, key string, tags Tag, gen uint64, v T) {
	size := DefaultSize
	if sz, ok := any(v).(Sizer); ok {
		size = sz.Size()
	}
	c.mu.Lock()
	if c.on && c.gen == gen {
		if old, ok := c.entries[key]; ok {
			c.bytes -= old.size
		}
		if len(c.entries) >= MaxEntries || c.bytes+size > MaxBytes {
			c.evictions.Add(uint64(len(c.entries)))
			clear(c.entries)
			c.bytes = 0
		}
		c.entries[key] = entry{val: v, tags: tags, size: size, stored: time.Now()}
		c.bytes += size
	}
	c.mu.Unlock()
}
