// Package config reads the portal's configuration from the environment once, into a typed and validated struct
// that is passed down; nothing else reads the environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the portal.
type Config struct {
	DatabaseURL  string        // DATABASE_URL (required; `make run` and `make test` provide a private one)
	Addr         string        // CAMPUS_ADDR, default "localhost:8080"
	BaseURL      *url.URL      // CAMPUS_BASE_URL, default "http://" + Addr
	Env          string        // CAMPUS_ENV: "development" (default) or "production"
	CookieSecure bool          // CAMPUS_COOKIE_SECURE, default true
	AutoMigrate  bool          // CAMPUS_AUTO_MIGRATE, default true: `serve` applies pending migrations at start
	DBMaxConns   int32         // CAMPUS_DB_MAX_CONNS, default 16
	LogLevel     slog.Level    // CAMPUS_LOG_LEVEL: debug, info (default), warn, error
	LogFormat    string        // CAMPUS_LOG_FORMAT: text (default) or json
	ShutdownWait time.Duration // CAMPUS_SHUTDOWN_TIMEOUT, default 15s
}

// Production reports whether the portal runs in production.
func (c Config) Production() bool { return c.Env == "production" }

// FromEnv builds the configuration from getenv, reporting every invalid variable at once.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:  strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:         or(getenv("CAMPUS_ADDR"), "localhost:8080"),
		Env:          or(getenv("CAMPUS_ENV"), "development"),
		LogFormat:    or(getenv("CAMPUS_LOG_FORMAT"), "text"),
		ShutdownWait: 15 * time.Second,
	}
	var errs []error
	bad := func(name, v, why string) { errs = append(errs, fmt.Errorf("%s=%q: %s", name, v, why)) }

	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("CAMPUS_ADDR", c.Addr, "expected host:port, e.g. localhost:8080 or :8080")
	}
	base := getenv("CAMPUS_BASE_URL")
	if base == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		base = "http://" + host
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("CAMPUS_BASE_URL", base, "expected an absolute http(s) URL")
	}
	c.BaseURL = u
	if c.Env != "development" && c.Env != "production" {
		bad("CAMPUS_ENV", c.Env, "expected development or production")
	}
	var ok bool
	if c.CookieSecure, ok = boolean(getenv("CAMPUS_COOKIE_SECURE"), true); !ok {
		bad("CAMPUS_COOKIE_SECURE", getenv("CAMPUS_COOKIE_SECURE"), "expected true or false")
	}
	if c.AutoMigrate, ok = boolean(getenv("CAMPUS_AUTO_MIGRATE"), true); !ok {
		bad("CAMPUS_AUTO_MIGRATE", getenv("CAMPUS_AUTO_MIGRATE"), "expected true or false")
	}
	c.DBMaxConns = 16
	if v := getenv("CAMPUS_DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1000 {
			bad("CAMPUS_DB_MAX_CONNS", v, "expected a whole number from 2 to 1000")
		}
		c.DBMaxConns = int32(n)
	}
	if v := getenv("CAMPUS_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("CAMPUS_LOG_LEVEL", v, "expected debug, info, warn or error")
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("CAMPUS_LOG_FORMAT", c.LogFormat, "expected text or json")
	}
	if v := getenv("CAMPUS_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("CAMPUS_SHUTDOWN_TIMEOUT", v, "expected a duration such as 15s")
		}
		c.ShutdownWait = d
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// RequireDatabase checks DATABASE_URL is set, for the commands that need the database.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: use `make run` (it starts a private database) or set it, " +
			"e.g. DATABASE_URL=postgres://user@localhost:5432/campus")
	}
	return nil
}

func or(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func boolean(v string, def bool) (bool, bool) {
	if v == "" {
		return def, true
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}
