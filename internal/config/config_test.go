package config

import (
	"strings"
	"testing"
	"time"
)

// fromVars reads a configuration from the variables vars, the others unset.
func fromVars(vars map[string]string) (Config, error) {
	return FromEnv(func(k string) string { return vars[k] })
}

// mustFromVars is fromVars failing the test on an error.
func mustFromVars(t *testing.T, vars map[string]string) Config {
	t.Helper()
	c, err := fromVars(vars)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkAllNamed checks that bad is refused with one error naming each of its variables.
func checkAllNamed(t *testing.T, bad map[string]string) {
	t.Helper()
	_, err := fromVars(bad)
	if err == nil {
		t.Fatal("no error")
	}
	for k := range bad {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c := mustFromVars(t, nil)
		// An unconfigured binary runs as production: no development mail page, https required of ProConnect.
		if c.Addr != "localhost:8080" || c.BaseURL.String() != "http://localhost:8080" || !c.CookieSecure || !c.AutoMigrate || !c.Production() ||
			c.DevMailPage() {
			t.Errorf("defaults: %+v", c)
		}
		if c.RequireDatabase() == nil {
			t.Error("an empty DATABASE_URL must be reported")
		}
	})
	t.Run("AllErrorsAtOnce", func(t *testing.T) {
		checkAllNamed(t, map[string]string{"CAMPUS_ADDR": "8080", "CAMPUS_BASE_URL": "ftp://x", "CAMPUS_ENV": "prod",
			"CAMPUS_COOKIE_SECURE": "peut-être", "CAMPUS_DB_MAX_CONNS": "1", "CAMPUS_LOG_LEVEL": "loud", "CAMPUS_LOG_FORMAT": "xml",
			"CAMPUS_SHUTDOWN_TIMEOUT": "-1s", "CAMPUS_AUTO_MIGRATE": "oui", "CAMPUS_DRAIN": "-1s", "CAMPUS_METRICS_ADDR": "9090"})
	})
	t.Run("DevMailPage", func(t *testing.T) {
		for _, c := range []struct {
			env, base string
			want      bool
		}{
			{"", "", false}, {"production", "http://localhost:8080", false}, {"development", "", true},
			{"development", "http://localhost:8080", true}, {"development", "https://campus.numerique.gouv.fr", false},
		} {
			cfg, err := fromVars(map[string]string{"CAMPUS_ENV": c.env, "CAMPUS_BASE_URL": c.base})
			if err != nil || cfg.DevMailPage() != c.want {
				t.Errorf("CAMPUS_ENV=%q CAMPUS_BASE_URL=%q: DevMailPage() = %v, want %v (%v)", c.env, c.base, cfg.DevMailPage(), c.want, err)
			}
		}
	})
	t.Run("DrainAndMetrics", func(t *testing.T) {
		c, err := fromVars(nil)
		if err != nil || c.Drain != 5*time.Second || c.MetricsAddr != "" {
			t.Errorf("production defaults: drain %v, metrics %q (%v)", c.Drain, c.MetricsAddr, err)
		}
		c, err = fromVars(map[string]string{"CAMPUS_ENV": "development"})
		if err != nil || c.Drain != 0 {
			t.Errorf("development drain %v (%v)", c.Drain, err)
		}
		c, err = fromVars(map[string]string{"CAMPUS_DRAIN": "0s", "CAMPUS_METRICS_ADDR": "127.0.0.1:9090"})
		if err != nil || c.Drain != 0 || c.MetricsAddr != "127.0.0.1:9090" {
			t.Errorf("set: drain %v, metrics %q (%v)", c.Drain, c.MetricsAddr, err)
		}
		_, err = fromVars(map[string]string{"CAMPUS_ADDR": "127.0.0.1:8080", "CAMPUS_METRICS_ADDR": "127.0.0.1:8080"})
		if err == nil || !strings.Contains(err.Error(), "CAMPUS_METRICS_ADDR") {
			t.Errorf("metrics on the public port: %v", err)
		}
	})
	t.Run("BaseURLFromAddr", func(t *testing.T) {
		c, err := fromVars(map[string]string{"CAMPUS_ADDR": ":9000"})
		if err != nil || c.BaseURL.String() != "http://localhost:9000" {
			t.Errorf("%v %v", c.BaseURL, err)
		}
	})
}
