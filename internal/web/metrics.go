package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"campus/internal/enrolment"
	lic "campus/internal/licence"
	"campus/internal/metrics"
)

// MetricsHandler serves the Prometheus metrics of this instance: requests, the pgx pool, the cache, the mail
// outbox, enrolments, licences, rate limits and the Go runtime. `serve` mounts it on its own listener
// (CAMPUS_METRICS_ADDR), never on the public router: the public port answers 404 on /metrics.
func (s *Server) MetricsHandler() http.Handler {
	reg := s.MetricsRegistry()
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorLog: slogPrinter{s}})
}

// MetricsRegistry is the registry MetricsHandler serves.
func (s *Server) MetricsRegistry() *prometheus.Registry {
	return metrics.Registry(metrics.Sources{
		Pool: func() metrics.PoolStats {
			st := s.store.Pool().Stat()
			return metrics.PoolStats{Total: st.TotalConns(), Idle: st.IdleConns(), Acquired: st.AcquiredConns(),
				Constructing: st.ConstructingConns(), Max: st.MaxConns(), Acquires: st.AcquireCount(),
				EmptyAcquires: st.EmptyAcquireCount(), Canceled: st.CanceledAcquireCount(), AcquireWait: st.AcquireDuration()}
		},
		Cache: func() metrics.CacheStats {
			st := s.cache.Stats()
			return metrics.CacheStats{Hits: st.Hits, Misses: st.Misses, Evictions: st.Evictions, Entries: st.Entries,
				Bytes: st.Bytes, Enabled: st.Enabled}
		},
		Outbox: func(ctx context.Context) (metrics.Outbox, error) {
			n, age, err := s.store.OutboxBacklog(ctx)
			return metrics.Outbox{Pending: n, Oldest: age}, err
		},
		Draining: s.draining.Load,
	})
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Warn("metrics", "err", v) }

// Drain starts the drain before a stop: /readyz answers 503 so that load balancers stop sending new requests,
// and every answer closes its connection so that no proxy keeps an idle one to this instance, while requests are
// still served normally until the listener closes.
func (s *Server) Drain() {
	s.draining.Store(true)
}

// enrolmentOutcome is the metrics label of an enrolment request's result.
func enrolmentOutcome(out enrolment.Outcome, err error) string {
	switch ref, _ := refused(err); {
	case ref != nil:
		return "refused"
	case err != nil:
		return "error"
	case out.Already:
		return "already"
	case out.Enrolment.Status == enrolment.Waitlisted:
		return "waitlisted"
	}
	return "confirmed"
}

// licenceOutcome is the metrics label of a licence request's result.
func licenceOutcome(req lic.Request, err error) string {
	switch {
	case errors.Is(err, lic.ErrPoolClosed):
		return "closed"
	case errors.Is(err, lic.ErrUnverified):
		return "unverified"
	case errors.Is(err, lic.ErrNotPublicAgent):
		return "not_public_agent"
	case err != nil:
		return "error"
	case req.Status == lic.StatusAllocated:
		return "allocated"
	}
	return "waiting"
}
