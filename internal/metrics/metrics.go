// Package metrics holds the portal's Prometheus metrics (the official Go client) and the registry served on the
// metrics listener (CAMPUS_METRICS_ADDR), never on the public port.
//
// The counters that code increments from anywhere (requests, enrolments, licences, rate limits) are package
// variables, cheap to update on the hot path: a request costs one histogram observation and one counter
// increment under its route pattern (never the raw path: a path may carry a token, and paths are unbounded).
// What is a state rather than an event (the pgx pool, the cache, the mail outbox) is read at scrape time by the
// collectors Registry is given.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "campus"

var (
	// requests counts every request by route pattern, method and status class (2xx, 3xx, 4xx, 5xx).
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route pattern, method and status class."}, []string{"route", "method", "code"})
	// duration is the time to answer, by route pattern, method and status class.
	duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status class.",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}}, []string{"route", "method", "code"})
	inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
		Help: "HTTP requests being answered."})
	enrolments = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "enrolments_total",
		Help: "Enrolment requests by outcome: confirmed, waitlisted, already, refused, error."}, []string{"outcome"})
	licences = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "licence_requests_total",
		Help: "Licence requests by outcome: allocated, waiting, closed, unverified, error."}, []string{"outcome"})
	rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "rate_limit_refusals_total",
		Help: "Attempts refused by a rate limit, by limit."}, []string{"limit"})
)

// classes are the status-class label values, indexed by status/100.
var classes = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

func class(status int) string {
	if c := status / 100; c >= 1 && c <= 5 {
		return classes[c]
	}
	return classes[0]
}

// RequestStarted counts a request in flight; call RequestDone when it is answered.
func RequestStarted() { inFlight.Inc() }

// RequestDone records an answered request under its route pattern ("-" when no route matched).
func RequestDone(route, method string, status int, d time.Duration) {
	inFlight.Dec()
	c := class(status)
	requests.WithLabelValues(route, method, c).Inc()
	duration.WithLabelValues(route, method, c).Observe(d.Seconds())
}

// Enrolment counts an enrolment request by outcome (confirmed, waitlisted, already, refused, error).
func Enrolment(outcome string) { enrolments.WithLabelValues(outcome).Inc() }

// Licence counts a licence request by outcome (allocated, waiting, closed, unverified, error).
func Licence(outcome string) { licences.WithLabelValues(outcome).Inc() }

// RateLimited counts an attempt refused by the named limit (a fixed set of names).
func RateLimited(limit string) { rateLimited.WithLabelValues(limit).Inc() }

// PoolStats are the figures of a connection pool (pgxpool.Stat), read at scrape time.
type PoolStats struct {
	Total, Idle, Acquired, Constructing, Max int32
	Acquires, EmptyAcquires, Canceled        int64
	AcquireWait                              time.Duration
}

// CacheStats are the figures of the in-memory cache (cache.Stats), read at scrape time.
type CacheStats struct {
	Hits, Misses, Evictions uint64
	Entries, Bytes          int
	Enabled                 bool
}

// Outbox is the mail outbox backlog: pending mails and the age of the oldest.
type Outbox struct {
	Pending int64
	Oldest  time.Duration
}

// Sources are what the collectors read at scrape time; any may be nil.
type Sources struct {
	Pool   func() PoolStats
	Cache  func() CacheStats
	Outbox func(context.Context) (Outbox, error)
	// Draining reports whether the instance is draining before it stops (from SIGTERM to the listener's close).
	Draining func() bool
}

// Registry returns a registry with the Go runtime and process collectors, the request, enrolment, licence and
// rate-limit metrics, and the collectors of src.
func Registry(src Sources) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		requests, duration, inFlight, enrolments, licences, rateLimited)
	if src.Draining != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "draining",
			Help: "1 from SIGTERM until the listener closes (/readyz answers 503), 0 otherwise."},
			func() float64 { return b2f(src.Draining()) }))
	}
	if src.Pool != nil || src.Cache != nil || src.Outbox != nil {
		reg.MustRegister(&stateCollector{src: src})
	}
	return reg
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
}

var (
	poolConns         = desc("db_pool_connections", "Connections of the pgx pool by state (idle, acquired, constructing).", "state")
	poolMax           = desc("db_pool_max_connections", "Size of the pgx pool (CAMPUS_DB_MAX_CONNS).")
	poolAcquires      = desc("db_pool_acquires_total", "Connections acquired from the pool.")
	poolEmptyAcquires = desc("db_pool_empty_acquires_total", "Acquisitions that had to wait for a connection (the pool was empty).")
	poolCanceled      = desc("db_pool_canceled_acquires_total", "Acquisitions cancelled by their context while waiting.")
	poolWait          = desc("db_pool_acquire_wait_seconds_total", "Total time spent waiting for a connection.")
	cacheHits         = desc("cache_hits_total", "Cache look-ups served from memory.")
	cacheMisses       = desc("cache_misses_total", "Cache look-ups that computed the value.")
	cacheEvictions    = desc("cache_evictions_total", "Values dropped from the cache (invalidations, overflow, cache turned on or off).")
	cacheEntries      = desc("cache_entries", "Values kept in the cache.")
	cacheBytes        = desc("cache_bytes", "Estimated bytes kept in the cache.")
	cacheEnabled      = desc("cache_enabled", "1 while the cache is on (the change feed listens), 0 otherwise.")
	outboxPending     = desc("mail_outbox_pending", "Mails waiting to be sent (retries included).")
	outboxOldest      = desc("mail_outbox_oldest_age_seconds", "Age of the oldest mail waiting to be sent (0 when none).")
	outboxUp          = desc("mail_outbox_scrape_ok", "1 when the outbox backlog could be read at this scrape, 0 otherwise.")
)

// stateCollector reads the pool, the cache and the outbox when scraped.
type stateCollector struct{ src Sources }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolAcquires, poolEmptyAcquires, poolCanceled, poolWait,
		cacheHits, cacheMisses, cacheEvictions, cacheEntries, cacheBytes, cacheEnabled, outboxPending, outboxOldest, outboxUp} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	if c.src.Pool != nil {
		p := c.src.Pool()
		gauge(poolConns, float64(p.Idle), "idle")
		gauge(poolConns, float64(p.Acquired), "acquired")
		gauge(poolConns, float64(p.Constructing), "constructing")
		gauge(poolMax, float64(p.Max))
		counter(poolAcquires, float64(p.Acquires))
		counter(poolEmptyAcquires, float64(p.EmptyAcquires))
		counter(poolCanceled, float64(p.Canceled))
		counter(poolWait, p.AcquireWait.Seconds())
	}
	if c.src.Cache != nil {
		s := c.src.Cache()
		counter(cacheHits, float64(s.Hits))
		counter(cacheMisses, float64(s.Misses))
		counter(cacheEvictions, float64(s.Evictions))
		gauge(cacheEntries, float64(s.Entries))
		gauge(cacheBytes, float64(s.Bytes))
		gauge(cacheEnabled, b2f(s.Enabled))
	}
	if c.src.Outbox != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		o, err := c.src.Outbox(ctx)
		gauge(outboxUp, b2f(err == nil))
		if err == nil {
			gauge(outboxPending, float64(o.Pending))
			gauge(outboxOldest, o.Oldest.Seconds())
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
