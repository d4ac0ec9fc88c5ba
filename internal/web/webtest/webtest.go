// Package webtest starts the real portal (web.New) for a test, on a loopback port, until the test ends. Every
// answer it serves is given once the work handed over after the answer (web's afterwards.go: accounts, links,
// their mails) is done, so that a test reads the mails of a request as soon as its answer comes.
package webtest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"campus/internal/config"
	"campus/internal/postgres"
	"campus/internal/web"
)

// Start serves the portal configured by env (config.FromEnv; a name it lacks is unset) over store. logs
// receives its logs (nil: discarded).
func Start(t testing.TB, store *postgres.Store, env map[string]string, logs slog.Handler) (*httptest.Server, *web.Server) {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if logs == nil {
		logs = slog.DiscardHandler
	}
	portal := web.New(cfg, store, slog.New(logs))
	h := portal.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if err := portal.Settle(context.WithoutCancel(r.Context())); err != nil {
			t.Errorf("webtest: the work after the answer to %s %s: %v", r.Method, r.URL.Path, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, portal
}

// Watched is Start with the change feed listening, as `serve` runs it (web.Server.WatchChanges): the cache is
// on once it returns.
func Watched(t testing.TB, store *postgres.Store, env map[string]string) (*httptest.Server, *web.Server) {
	t.Helper()
	srv, portal := Start(t, store, env, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { portal.WatchChanges(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(5 * time.Second); !portal.CacheEnabled(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the change feed did not start")
		}
	}
	return srv, portal
}
