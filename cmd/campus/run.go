package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"campus/internal/config"
	"campus/internal/postgres"
	"campus/internal/seed"
	"campus/internal/web"
	"campus/static"
)

// run is the whole program, testable: it returns when ctx is done (serve) or the command ends.
// ready, when not nil, receives the listening address once the server accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runReady(ctx, args, getenv, stdout, stderr, nil)
}

func runReady(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- string) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	switch args[0] {
	case "serve", "migrate", "seed", "user", "demo":
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	store, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer store.Close()

	switch args[0] {
	case "migrate":
		return store.Migrate(ctx, log)
	case "user":
		return userCommand(ctx, store, args[1:], stdout)
	case "demo":
		return demoCommand(ctx, cfg, store, stdout)
	case "seed":
		rep, err := store.Seed(ctx, seed.Reference(), time.Now())
		if err != nil {
			return err
		}
		log.Info("seed loaded", "domains", rep.Domains, "partners", rep.Partners, "audiences", rep.Audiences,
			"modules", rep.Modules, "tracks", rep.Tracks, "sessions", rep.Sessions, "licence_pools", rep.LicencePools)
		return nil
	}
	return serve(ctx, cfg, store, log, stdout, ready)
}

func serve(ctx context.Context, cfg config.Config, store *postgres.Store, log *slog.Logger, stdout io.Writer, ready chan<- string) error {
	if !static.HasDSFR() {
		return errors.New("the DSFR files are missing from static/dsfr: run `make assets` (or `make run`) before building")
	}
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx, log); err != nil {
			return err
		}
	}
	current, err := store.SchemaCurrent(ctx)
	if err != nil {
		return err
	}
	if !current {
		return errors.New("the database schema is behind this version: run `campus migrate` first")
	}

	portal := web.New(cfg, store, log)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go portal.WatchChanges(watchCtx)
	// Reminders two days before a session, waitlists served into seats freed by deleted accounts.
	go portal.RunEnrolmentJobs(watchCtx)
	// The mail sender and the cleanup of expired rows stop with the server.
	bgCtx, stopBackground := context.WithCancel(ctx)
	waitBackground, err := startBackground(bgCtx, cfg, store, log)
	if err != nil {
		stopBackground()
		return err
	}
	defer func() { stopBackground(); waitBackground() }()
	srv := portal.HTTPServer()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	url := cfg.BaseURL.String()
	if cfg.Addr != ln.Addr().String() && (cfg.BaseURL.Port() == "0") {
		url = "http://" + ln.Addr().String()
	}
	log.Info("serving", "addr", ln.Addr().String(), "url", url, "env", cfg.Env)
	fmt.Fprintf(stdout, "Campus est en ligne : %s\n", url)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	stopMetrics, err := serveMetrics(cfg, portal, log)
	if err != nil {
		srv.Close()
		return err
	}
	defer stopMetrics()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: /readyz answers 503 and answers close their connections, while requests are still served, so that
	// the load balancer stops sending requests here before the listener closes (CAMPUS_DRAIN).
	if cfg.Drain > 0 {
		log.Info("draining", "drain", cfg.Drain)
		portal.Drain()
		select {
		case <-time.After(cfg.Drain):
		case err := <-errc:
			return err
		}
	}
	log.Info("shutting down", "timeout", cfg.ShutdownWait)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// The accounts, links and mails of the last answers (web's work after the answer) before the store closes,
	// with a time of their own: a slow drain above must not drop them.
	settle, cancelSettle := context.WithTimeout(context.Background(), time.Minute)
	defer cancelSettle()
	if err := portal.Settle(settle); err != nil {
		return fmt.Errorf("shutdown: work after the last answers: %w", err)
	}
	return nil
}

// serveMetrics serves the Prometheus metrics on CAMPUS_METRICS_ADDR, a listener of their own (never the public
// port), until the returned function is called. Without CAMPUS_METRICS_ADDR it does nothing.
func serveMetrics(cfg config.Config, portal *web.Server, log *slog.Logger) (func(), error) {
	if cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (CAMPUS_METRICS_ADDR): %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", portal.MetricsHandler())
	msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go msrv.Serve(ln)
	log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return func() { msrv.Close() }, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
