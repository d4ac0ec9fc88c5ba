package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRequestDone_CountsByRouteMethodAndClass(t *testing.T) {
	before := testutil.ToFloat64(requests.WithLabelValues("/modules/{slug}", "GET", "4xx"))
	RequestStarted()
	RequestDone("/modules/{slug}", "GET", 404, 3*time.Millisecond)
	if got := testutil.ToFloat64(requests.WithLabelValues("/modules/{slug}", "GET", "4xx")); got != before+1 {
		t.Errorf("requests_total = %v, want %v", got, before+1)
	}
	for status, want := range map[int]string{200: "2xx", 304: "3xx", 429: "4xx", 503: "5xx", 0: "other", 999: "other"} {
		if class(status) != want {
			t.Errorf("class(%d) = %q, want %q", status, class(status), want)
		}
	}
	if testutil.ToFloat64(inFlight) != 0 {
		t.Errorf("in flight %v after a request ended", testutil.ToFloat64(inFlight))
	}
}

func TestRegistry_Gathers(t *testing.T) {
	reg := Registry(Sources{
		Pool:  func() PoolStats { return PoolStats{Idle: 3, Acquired: 1, Max: 16, Acquires: 42} },
		Cache: func() CacheStats { return CacheStats{Hits: 7, Misses: 2, Enabled: true, Bytes: 1024} },
	})
	RateLimited("connexion:adresse")
	n, err := testutil.GatherAndCount(reg, "campus_db_pool_connections", "campus_cache_hits_total", "campus_rate_limit_refusals_total",
		"go_goroutines")
	if err != nil || n < 6 {
		t.Errorf("gathered %d samples (%v)", n, err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP campus_cache_hits_total Cache look-ups served from memory.
# TYPE campus_cache_hits_total counter
campus_cache_hits_total 7
`), "campus_cache_hits_total"); err != nil {
		t.Error(err)
	}
}

// BenchmarkRequestDone is what the access log adds to every request: the in-flight gauge, one counter and one
// histogram observation under the route's labels.
func BenchmarkRequestDone(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			RequestStarted()
			RequestDone("/modules/{slug}", "GET", 200, 1500*time.Microsecond)
		}
	})
}
