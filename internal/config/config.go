// Package config reads the portal's configuration from the environment once, into a typed and validated struct
// that is passed down; nothing else reads the environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
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
	Env          string        // CAMPUS_ENV: "production" (default: what an unconfigured binary gets) or "development"
	CookieSecure bool          // CAMPUS_COOKIE_SECURE, default true
	AutoMigrate  bool          // CAMPUS_AUTO_MIGRATE, default true: `serve` applies pending migrations at start
	DBMaxConns   int32         // CAMPUS_DB_MAX_CONNS, default 16
	LogLevel     slog.Level    // CAMPUS_LOG_LEVEL: debug, info (default), warn, error
	LogFormat    string        // CAMPUS_LOG_FORMAT: text (default) or json
	ShutdownWait time.Duration // CAMPUS_SHUTDOWN_TIMEOUT, default 15s
	Drain        time.Duration // CAMPUS_DRAIN, default 5s (0 in development): /readyz answers 503 that long after SIGTERM before the listener closes
	MetricsAddr  string        // CAMPUS_METRICS_ADDR: address of the Prometheus metrics listener; empty (default): no metrics listener
	BenchCeiling bool          // CAMPUS_BENCH_CEILING, default false: serve the home page's bytes statically at /_plafond (make bench)
	Hosting      string        // CAMPUS_HOSTING: the host's identity for the legal notice (name, address, telephone), as the operator states it

	SessionIdle     time.Duration // CAMPUS_SESSION_IDLE_TIMEOUT, default 2h: a session unused that long ends
	ReauthWindow    time.Duration // CAMPUS_REAUTH_WINDOW, default 10m: how recent a ProConnect sign-in stands in for a password
	ApprovalHold    time.Duration // CAMPUS_APPROVAL_HOLD, default 168h: how long a seat waits for the line manager's approval
	SessionLifetime time.Duration // CAMPUS_SESSION_LIFETIME, default 12h: a session ends that long after sign-in
	ClientIPHeader  string        // CAMPUS_CLIENT_IP_HEADER: header set by the reverse proxy with the client's address (X-Real-IP, X-Forwarded-For)

	SMTP       SMTP       // CAMPUS_SMTP_*: without a host, mails are logged (and shown at /dev/courriels in development)
	MailFrom   string     // CAMPUS_MAIL_FROM, default "Campus du numérique public <ne-pas-repondre@HOST>"
	ProConnect ProConnect // CAMPUS_PROCONNECT_*: the ProConnect button shows only when all three are set
}

// SMTP is the relay that delivers the portal's mails.
type SMTP struct {
	Host     string // CAMPUS_SMTP_HOST
	Port     int    // CAMPUS_SMTP_PORT, default 587 (465 with CAMPUS_SMTP_TLS=tls)
	Username string // CAMPUS_SMTP_USERNAME
	Password string // CAMPUS_SMTP_PASSWORD
	TLS      string // CAMPUS_SMTP_TLS: starttls (default, required), tls (implicit) or none (local relay only)
}

// Enabled reports whether mails are delivered through SMTP.
func (s SMTP) Enabled() bool { return s.Host != "" }

// ProConnect is the OpenID Connect client registration at ProConnect.
type ProConnect struct {
	Issuer       string // CAMPUS_PROCONNECT_ISSUER, e.g. https://fca.integ01.dev-agentconnect.fr/api/v2
	ClientID     string // CAMPUS_PROCONNECT_CLIENT_ID
	ClientSecret string // CAMPUS_PROCONNECT_CLIENT_SECRET
}

// Enabled reports whether ProConnect sign-in is configured.
func (p ProConnect) Enabled() bool { return p.Issuer != "" }

// Production reports whether the portal runs in production.
func (c Config) Production() bool { return c.Env == "production" }

// DevMailPage reports whether /dev/courriels (the outbox, with every live link in it) is served: only when
// development was asked for explicitly, and never for a portal reached over https (a real deployment).
func (c Config) DevMailPage() bool {
	return c.Env == "development" && c.BaseURL != nil && c.BaseURL.Scheme == "http"
}

// FromEnv builds the configuration from getenv, reporting every invalid variable at once.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:  strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:         or(getenv("CAMPUS_ADDR"), "localhost:8080"),
		Env:          or(getenv("CAMPUS_ENV"), "production"),
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
	c.Drain = 5 * time.Second
	if c.Env == "development" {
		c.Drain = 0
	}
	if v := getenv("CAMPUS_DRAIN"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 5*time.Minute {
			bad("CAMPUS_DRAIN", v, "expected a duration from 0s to 5m, such as 5s")
		}
		c.Drain = d
	}
	if c.MetricsAddr = strings.TrimSpace(getenv("CAMPUS_METRICS_ADDR")); c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("CAMPUS_METRICS_ADDR", c.MetricsAddr, "expected host:port, e.g. 127.0.0.1:9090")
		} else if c.MetricsAddr == c.Addr {
			bad("CAMPUS_METRICS_ADDR", c.MetricsAddr, "must differ from CAMPUS_ADDR: the metrics are never served on the public port")
		}
	}
	if c.BenchCeiling, ok = boolean(getenv("CAMPUS_BENCH_CEILING"), false); !ok {
		bad("CAMPUS_BENCH_CEILING", getenv("CAMPUS_BENCH_CEILING"), "expected true or false")
	}
	if v := getenv("CAMPUS_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("CAMPUS_SHUTDOWN_TIMEOUT", v, "expected a duration such as 15s")
		}
		c.ShutdownWait = d
	}
	c.Hosting = strings.Join(strings.Fields(getenv("CAMPUS_HOSTING")), " ")
	c.SessionIdle, c.SessionLifetime = 2*time.Hour, 12*time.Hour
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"CAMPUS_SESSION_IDLE_TIMEOUT", &c.SessionIdle}, {"CAMPUS_SESSION_LIFETIME", &c.SessionLifetime}} {
		if v := getenv(d.name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x < time.Minute {
				bad(d.name, v, "expected a duration of at least 1m, such as 2h")
			}
			*d.dst = x
		}
	}
	c.ReauthWindow = 10 * time.Minute
	if v := getenv("CAMPUS_REAUTH_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			bad("CAMPUS_REAUTH_WINDOW", v, "expected a duration from 1s to 1h, such as 10m")
		}
		c.ReauthWindow = d
	}
	c.ApprovalHold = 7 * 24 * time.Hour
	if v := getenv("CAMPUS_APPROVAL_HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Hour || d > 60*24*time.Hour {
			bad("CAMPUS_APPROVAL_HOLD", v, "expected a duration from 1h to 1440h (60 days), such as 168h")
		}
		c.ApprovalHold = d
	}
	if c.SessionIdle > c.SessionLifetime {
		bad("CAMPUS_SESSION_IDLE_TIMEOUT", getenv("CAMPUS_SESSION_IDLE_TIMEOUT"), "must not exceed CAMPUS_SESSION_LIFETIME")
	}
	c.ClientIPHeader = http.CanonicalHeaderKey(strings.TrimSpace(getenv("CAMPUS_CLIENT_IP_HEADER")))

	c.SMTP = SMTP{Host: strings.TrimSpace(getenv("CAMPUS_SMTP_HOST")), Username: getenv("CAMPUS_SMTP_USERNAME"),
		Password: getenv("CAMPUS_SMTP_PASSWORD"), TLS: or(getenv("CAMPUS_SMTP_TLS"), "starttls")}
	if c.SMTP.TLS != "starttls" && c.SMTP.TLS != "tls" && c.SMTP.TLS != "none" {
		bad("CAMPUS_SMTP_TLS", c.SMTP.TLS, "expected starttls, tls or none")
	}
	c.SMTP.Port = 587
	if c.SMTP.TLS == "tls" {
		c.SMTP.Port = 465
	}
	if v := getenv("CAMPUS_SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			bad("CAMPUS_SMTP_PORT", v, "expected a port number")
		}
		c.SMTP.Port = n
	}
	host := "localhost"
	if c.BaseURL != nil && c.BaseURL.Hostname() != "" {
		host = c.BaseURL.Hostname()
	}
	c.MailFrom = or(getenv("CAMPUS_MAIL_FROM"), "Campus du numérique public <ne-pas-repondre@"+host+">")
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		bad("CAMPUS_MAIL_FROM", c.MailFrom, "expected an address such as Campus <ne-pas-repondre@example.gouv.fr>")
	}

	c.ProConnect = ProConnect{Issuer: strings.TrimRight(strings.TrimSpace(getenv("CAMPUS_PROCONNECT_ISSUER")), "/"),
		ClientID: strings.TrimSpace(getenv("CAMPUS_PROCONNECT_CLIENT_ID")), ClientSecret: getenv("CAMPUS_PROCONNECT_CLIENT_SECRET")}
	if p := c.ProConnect; p.Issuer != "" || p.ClientID != "" || p.ClientSecret != "" {
		if p.Issuer == "" || p.ClientID == "" || p.ClientSecret == "" {
			bad("CAMPUS_PROCONNECT_ISSUER", p.Issuer, "CAMPUS_PROCONNECT_ISSUER, CAMPUS_PROCONNECT_CLIENT_ID and CAMPUS_PROCONNECT_CLIENT_SECRET go together")
		} else if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && c.Env == "development")) {
			bad("CAMPUS_PROCONNECT_ISSUER", p.Issuer, "expected an https URL")
		}
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
