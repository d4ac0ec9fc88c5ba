package web

import (
	"context"
	"net/http"
	"time"
)

// healthz says the process is alive; it does not touch the database.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz says the portal can serve: the database answers and its schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() { // SIGTERM received: the load balancer must stop sending requests here (Drain)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("arrêt en cours\n"))
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("base de données injoignable\n"))
		return
	}
	current, err := s.store.SchemaCurrent(ctx)
	if err != nil || !current {
		s.log.Warn("readyz: schema not current", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("schéma de base de données en retard\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
