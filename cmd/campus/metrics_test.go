package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"campus/internal/testdb"
)

// freeAddr is a loopback address with a port nobody listens on (for a listener the program opens itself).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, res.Header, string(b)
}

// metricValue is the value of one sample line of a Prometheus text exposition (name with its labels as
// printed), or -1 when the line is missing.
func metricValue(body, series string) float64 {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// TestServe_MetricsAndDrain runs `serve` with a metrics listener and a drain period: the metrics are on their
// own listener only (the public port answers 404 on /metrics), carry route patterns (never paths), and move
// with the traffic; on SIGTERM /readyz answers 503 at once while pages are still served (with Connection:
// close), and the listener closes only once the drain period has passed.
func TestServe_MetricsAndDrain(t *testing.T) {
	// Not parallel: the request and enrolment counters are the process's, which other tests would move.
	url := testdb.NewDatabase(t, "metrics")
	metricsAddr := freeAddr(t)
	drain := 1500 * time.Millisecond
	vars := env(map[string]string{"DATABASE_URL": url, "CAMPUS_ADDR": "127.0.0.1:0", "CAMPUS_LOG_LEVEL": "warn",
		"CAMPUS_METRICS_ADDR": metricsAddr, "CAMPUS_DRAIN": drain.String()})
	var out bytes.Buffer
	runAll(t, vars, &out, "migrate", "seed")
	srv := startServe(t, vars, &out)
	public, metrics := "http://"+srv.addr, "http://"+metricsAddr+"/metrics"

	t.Run("NotOnThePublicPort", func(t *testing.T) {
		for _, p := range []string{"/metrics", "/metrics/"} {
			if code, _, _ := get(t, public+p); code != http.StatusNotFound {
				t.Errorf("public GET %s: %d, want 404", p, code)
			}
		}
	})

	const home = `campus_http_requests_total{code="2xx",method="GET",route="/"}`
	const homeDuration = `campus_http_request_duration_seconds_count{code="2xx",method="GET",route="/"}`
	// The catalogue cache is on once the change feed listens, which may come a moment after the server is ready on
	// a loaded machine: the cache hits below are counted from then.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, _, m := get(t, metrics); strings.Contains(m, "campus_cache_enabled 1") {
			break
		} else if time.Now().After(deadline) {
			t.Fatal("the catalogue cache did not turn on (the change feed does not listen)")
		}
	}
	_, _, before := get(t, metrics)
	for range 5 {
		get(t, public+"/")
	}
	get(t, public+"/modules/un-module-qui-n-existe-pas")
	code, hdr, after := get(t, metrics)
	t.Run("Served", func(t *testing.T) {
		if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics listener: %d %s", code, hdr.Get("Content-Type"))
		}
		for _, name := range []string{"campus_http_requests_in_flight", "campus_http_draining 0", "campus_db_pool_connections{state=\"idle\"}",
			"campus_db_pool_max_connections", "campus_db_pool_acquires_total", "campus_cache_hits_total", "campus_cache_misses_total",
			"campus_cache_evictions_total", "campus_cache_bytes", "campus_cache_enabled 1", "campus_mail_outbox_pending",
			"campus_mail_outbox_oldest_age_seconds", "campus_mail_outbox_scrape_ok 1", "go_goroutines", "go_memstats_heap_alloc_bytes",
			"process_resident_memory_bytes", `campus_http_request_duration_seconds_bucket{code="2xx",method="GET",route="/",le="0.1"}`} {
			if !strings.Contains(after, name) {
				t.Errorf("metrics lack %s", name)
			}
		}
	})
	t.Run("MoveWithTraffic", func(t *testing.T) {
		b, a := max(metricValue(before, home), 0), metricValue(after, home)
		if a-b != 5 {
			t.Errorf("%s went from %v to %v, want +5", home, b, a)
		}
		if metricValue(after, homeDuration) != a {
			t.Errorf("histogram count %v, want %v", metricValue(after, homeDuration), a)
		}
		// Four of five requests of the home page are cache hits, unless a change announced meanwhile (a job of
		// the server's own, moving seats) dropped the page: then the next five show it.
		hits := metricValue(after, "campus_cache_hits_total") - max(metricValue(before, "campus_cache_hits_total"), 0)
		for try := 0; hits < 4 && try < 3; try++ {
			_, _, m0 := get(t, metrics)
			for range 5 {
				get(t, public+"/")
			}
			_, _, m1 := get(t, metrics)
			hits = metricValue(m1, "campus_cache_hits_total") - metricValue(m0, "campus_cache_hits_total")
		}
		if hits < 4 {
			t.Errorf("cache hits %v after 5 requests of the home page", hits)
		}
	})
	t.Run("RoutePatternsNotPaths", func(t *testing.T) {
		if !strings.Contains(after, `code="4xx",method="GET",route="/modules/{slug}"`) {
			t.Error("the 404 of a module is not counted under /modules/{slug}")
		}
		if strings.Contains(after, "un-module-qui-n-existe-pas") {
			t.Error("a raw path is a label value")
		}
		for _, l := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(after, -1) {
			if l[1] != "-" && !strings.HasPrefix(l[1], "/") {
				t.Errorf("route label %q", l[1])
			}
		}
	})

	t.Run("Drain", func(t *testing.T) {
		if code, _, _ := get(t, public+"/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz before SIGTERM: %d", code)
		}
		sigterm := time.Now()
		srv.stop()
		deadline := time.Now().Add(drain / 2)
		for {
			code, _, body := get(t, public+"/readyz")
			if code == http.StatusServiceUnavailable {
				if !strings.Contains(body, "arrêt") {
					t.Errorf("/readyz while draining says %q", body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz still %d %v after SIGTERM", code, time.Since(sigterm))
			}
			time.Sleep(20 * time.Millisecond)
		}
		res, err := http.Get(public + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// net/http's client takes the Connection: close header out of the response and sets Close.
		if res.StatusCode != http.StatusOK || !res.Close {
			t.Errorf("GET / while draining: %d, close %v; want 200 and Connection: close", res.StatusCode, res.Close)
		}
		if _, _, m := get(t, metrics); !strings.Contains(m, "campus_http_draining 1") {
			t.Error("campus_http_draining is not 1 while draining")
		}
		srv.wait(t, drain+15*time.Second)
		if elapsed := time.Since(sigterm); elapsed < drain {
			t.Errorf("the listener closed %v after SIGTERM, before the drain period (%v)", elapsed, drain)
		}
		if _, err := http.Get(public + "/healthz"); err == nil {
			t.Error("the public port still answers after the shutdown")
		}
		if _, err := http.Get(metrics); err == nil {
			t.Error("the metrics listener still answers after the shutdown")
		}
	})
}
