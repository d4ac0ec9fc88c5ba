package web

import (
	"context"
	"strings"
	"time"

	"campus/internal/cache"
	"campus/internal/input"
)

// WatchChanges keeps the catalogue cache in step with the database, across every instance: it listens to the
// change notifications, turning the cache on once listening and off whenever the feed is lost (reconnecting
// with a pause), until ctx ends. `serve` runs it; without it the cache stays off and every request reads the
// database.
func (s *Server) WatchChanges(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.store.ListenChanges(ctx,
			func() { s.cache.Enable(true); s.warmBilan() },
			func(payload string) { s.invalidate(payload) })
		s.cache.Enable(false)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("change feed lost: catalogue cache off until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// invalidate drops what a change makes stale. Handlers that write call it too, so that this instance is
// up to date at once, before the notification comes back.
func (s *Server) invalidate(what string) {
	if id, ok := strings.CutPrefix(what, "user:"); ok {
		// A user changed (role, name, session epoch, data version) or lost a session (migration 00017): their
		// cached sessions and pages go.
		if n := input.ID(id); n != 0 {
			s.cache.InvalidateOwner(n)
		}
		return
	}
	switch what {
	case "seats":
		s.cache.Invalidate(cache.Seats)
	default:
		s.cache.Invalidate(cache.All)
		s.bilans.changed()
		s.warmBilan()
	}
}

// CacheEnabled reports whether the catalogue cache is on (the change feed listens).
func (s *Server) CacheEnabled() bool { return s.cache.Enabled() }

// CacheSize is how many values the catalogue cache holds and their estimated bytes.
func (s *Server) CacheSize() (entries, bytes int) { return s.cache.Len(), s.cache.Bytes() }
