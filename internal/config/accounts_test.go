package config

import (
	"strings"
	"testing"
	"time"
)

func TestFromEnv_Accounts(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c := mustFromVars(t, nil)
		if c.SessionIdle != 2*time.Hour || c.SessionLifetime != 12*time.Hour || c.SMTP.Enabled() || c.ProConnect.Enabled() ||
			c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" || c.MailFrom != "Campus du numérique public <ne-pas-repondre@localhost>" {
			t.Errorf("defaults: %+v", c)
		}
	})
	t.Run("Set", func(t *testing.T) {
		c := mustFromVars(t, map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "30m", "CAMPUS_SESSION_LIFETIME": "8h", "CAMPUS_SMTP_HOST": "smtp.example.gouv.fr",
			"CAMPUS_SMTP_TLS": "tls", "CAMPUS_PROCONNECT_ISSUER": "https://auth.agentconnect.gouv.fr/api/v2/", "CAMPUS_PROCONNECT_CLIENT_ID": "id",
			"CAMPUS_PROCONNECT_CLIENT_SECRET": "secret", "CAMPUS_CLIENT_IP_HEADER": "x-real-ip", "CAMPUS_BASE_URL": "https://campus.numerique.gouv.fr"})
		if c.SessionIdle != 30*time.Minute || c.SessionLifetime != 8*time.Hour || !c.SMTP.Enabled() || c.SMTP.Port != 465 ||
			!c.ProConnect.Enabled() || c.ProConnect.Issuer != "https://auth.agentconnect.gouv.fr/api/v2" || c.ClientIPHeader != "X-Real-Ip" ||
			!strings.HasSuffix(c.MailFrom, "@campus.numerique.gouv.fr>") {
			t.Errorf("parsed: %+v", c)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		checkAllNamed(t, map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "jamais", "CAMPUS_SESSION_LIFETIME": "10s", "CAMPUS_SMTP_TLS": "peut-etre",
			"CAMPUS_SMTP_PORT": "99999", "CAMPUS_MAIL_FROM": "pas une adresse", "CAMPUS_PROCONNECT_ISSUER": "https://x.example"})
		_, err := fromVars(map[string]string{"CAMPUS_SESSION_IDLE_TIMEOUT": "13h"})
		if err == nil || !strings.Contains(err.Error(), "must not exceed") {
			t.Errorf("idle > lifetime: %v", err)
		}
		_, err = fromVars(map[string]string{"CAMPUS_ENV": "production", "CAMPUS_PROCONNECT_ISSUER": "http://x.example", "CAMPUS_PROCONNECT_CLIENT_ID": "a",
			"CAMPUS_PROCONNECT_CLIENT_SECRET": "b"})
		if err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("http issuer in production: %v", err)
		}
	})
}
