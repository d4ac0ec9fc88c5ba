package config

import (
	"strings"
	"testing"
	"time"
)

func TestFromEnv_Accounts(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := FromEnv(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if c.SessionIdle != 2*time.Hour || c.SessionLifetime != 12*time.Hour || c.SMTP.Enabled() || c.ProConnect.Enabled() ||
			c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" || c.MailFrom != "Campus du numérique public <ne-pas-repondre@localhost>" {
			t.Errorf("defaults: %+v", c)
		}
	})
	t.Run("Set", func(t *testing.T) {
		vars := map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "30m", "CAMPUS_SESSION_LIFETIME": "8h", "CAMPUS_SMTP_HOST": "smtp.example.gouv.fr",
			"CAMPUS_SMTP_TLS": "tls", "CAMPUS_PROCONNECT_ISSUER": "https://auth.agentconnect.gouv.fr/api/v2/", "CAMPUS_PROCONNECT_CLIENT_ID": "id",
			"CAMPUS_PROCONNECT_CLIENT_SECRET": "secret", "CAMPUS_CLIENT_IP_HEADER": "x-real-ip", "CAMPUS_BASE_URL": "https://campus.numerique.gouv.fr"}
		c, err := FromEnv(func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		if c.SessionIdle != 30*time.Minute || c.SessionLifetime != 8*time.Hour || !c.SMTP.Enabled() || c.SMTP.Port != 465 ||
			!c.ProConnect.Enabled() || c.ProConnect.Issuer != "https://auth.agentconnect.gouv.fr/api/v2" || c.ClientIPHeader != "X-Real-Ip" ||
			!strings.HasSuffix(c.MailFrom, "@campus.numerique.gouv.fr>") {
			t.Errorf("parsed: %+v", c)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		bad := map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "jamais", "CAMPUS_SESSION_LIFETIME": "10s", "CAMPUS_SMTP_TLS": "peut-etre",
			"CAMPUS_SMTP_PORT": "99999", "CAMPUS_MAIL_FROM": "pas une adresse", "CAMPUS_PROCONNECT_ISSUER": "https://x.example"}
		_, err := FromEnv(func(k string) string { return bad[k] })
		if err == nil {
			t.Fatal("no error")
		}
		for k := range bad {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("error does not name %s: %v", k, err)
			}
		}
		_, err = FromEnv(func(k string) string {
			return map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "13h"}[k]
		})
		if err == nil || !strings.Contains(err.Error(), "must not exceed") {
			t.Errorf("idle > lifetime: %v", err)
		}
		_, err = FromEnv(func(k string) string {
			return map[string]string{"CAMPUS_ENV": "production", "CAMPUS_PROCONNECT_ISSUER": "http://x.example", "CAMPUS_PROCONNECT_CLIENT_ID": "a",
				"CAMPUS_PROCONNECT_CLIENT_SECRET": "b"}[k]
		})
		if err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("http issuer in production: %v", err)
		}
	})
}
