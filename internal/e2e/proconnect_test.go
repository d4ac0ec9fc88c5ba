package e2e

import (
	"testing"

	"campus/internal/proconnect/proconnecttest"
	"campus/internal/testdb"
	"campus/internal/web/webtest"
)

// TestAccessibility_ProConnectButton: with ProConnect configured, the sign-in and sign-up pages show the
// DSFR's official button and its help link, with zero axe violations at both widths and in both themes.
func TestAccessibility_ProConnectButton(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	fake := proconnecttest.New(t)
	env := map[string]string{"CAMPUS_ENV": "development", "CAMPUS_PROCONNECT_ISSUER": fake.Issuer,
		"CAMPUS_PROCONNECT_CLIENT_ID": fake.ClientID, "CAMPUS_PROCONNECT_CLIENT_SECRET": fake.ClientSecret}
	srv, _ := webtest.Start(t, store, env, nil)
	b := newBrowser(t, srv.URL)
	for _, path := range []string{"/connexion", "/inscription"} {
		for _, size := range sizes {
			t.Run(path[1:]+"/"+size.name, func(t *testing.T) { // a subtest: its screenshot is taken of its own page
				tb := b.open(t, path, size.o)
				visible := `(() => { const e = document.querySelector(".fr-connect-group .fr-connect.fr-connect--pro"); const r = e && e.getBoundingClientRect();
				return !!e && r.width > 0 && r.height > 0 && !!document.querySelector(".fr-connect-group .fr-connect + p a[href^='https://www.proconnect.gouv.fr']") })()`
				if !eval[bool](t, tb, visible) {
					t.Errorf("%s (%s): no visible official ProConnect button with its help link", path, size.name)
				}
				if vs := axe(t, tb); len(vs) > 0 {
					t.Errorf("%s (%s): %d axe violations:%s", path, size.name, len(vs), describe(vs))
				}
				screenshot(t, tb, "proconnect-"+path[1:]+"-"+size.name)
			})
		}
	}
	tb := b.open(t, "/connexion", desktop)
	openDisplaySettings(t, tb)
	eval[bool](t, tb, `(document.getElementById("fr-radios-theme-dark").click(), true)`)
	tb = b.open(t, "/connexion", desktop)
	if got := eval[string](t, tb, `document.documentElement.getAttribute("data-fr-theme")`); got != "dark" {
		t.Fatalf("theme %q", got)
	}
	if vs := axe(t, tb); len(vs) > 0 {
		t.Errorf("/connexion (dark): %d axe violations:%s", len(vs), describe(vs))
	}
	screenshot(t, tb, "proconnect-connexion-sombre")
}
