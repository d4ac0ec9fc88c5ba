// Package cache keeps in memory what the portal reads far more than it writes (catalogue pages' data, key
// figures), and drops it when the database announces a change (see postgres.Store.ListenChanges). It is off
// until the change feed is listening, and turns itself off again when the feed is lost: a cache that could miss
// an invalidation is never used.
package cache

import (
	"sync"
	"time"
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

// MaxEntries bounds the memory: past it the cache starts afresh.
const MaxEntries = 20000

// MaxAge bounds how long a value is kept without any change announced, for what time alone makes stale
// (a session that has started is no longer "upcoming").
const MaxAge = time.Minute

type entry struct {
	val    any
	tags   Tag
	stored time.Time
}

// Cache is a map of values with invalidation by tag. The zero value is not usable: call New.
type Cache struct {
	mu      sync.RWMutex
	on      bool
	gen     uint64
	entries map[string]entry
}

// New returns a disabled cache.
func New() *Cache { return &Cache{entries: map[string]entry{}} }

// Enable turns the cache on or off; either way it starts empty.
func (c *Cache) Enable(on bool) {
	c.mu.Lock()
	c.on = on
	c.gen++
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
			delete(c.entries, k)
		}
	}
	c.mu.Unlock()
}

// Len is the number of values kept.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Load returns the value cached under key, or computes it with fn and keeps it (errors are not kept). A value
// computed while an invalidation happened is returned but not kept, since it may predate the change.
func Load[T any](c *Cache, key string, tags Tag, fn func() (T, error)) (T, error) {
	c.mu.RLock()
	e, ok := c.entries[key]
	on, gen := c.on, c.gen
	c.mu.RUnlock()
	if ok && time.Since(e.stored) < MaxAge {
		return e.val.(T), nil
	}
	v, err := fn()
	if err != nil || !on {
		return v, err
	}
	c.mu.Lock()
	if c.on && c.gen == gen {
		if len(c.entries) >= MaxEntries {
			clear(c.entries)
		}
		c.entries[key] = entry{val: v, tags: tags, stored: time.Now()}
	}
	c.mu.Unlock()
	return v, nil
}
