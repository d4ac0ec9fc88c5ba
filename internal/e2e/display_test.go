package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"campus/internal/testdb"
)

// TestDisplaySettings: the footer's "Paramètres d'affichage" opens the DSFR's modal; choosing the dark theme
// applies it at once and on the next pages (kept in the browser, as the DSFR does), with no CSP violation; every
// page type then has zero axe violations in the dark theme too; choosing "Système" gives the choice back to the
// system. Without JavaScript the button is not shown (the choice needs it).
func TestDisplaySettings(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))

	tb := b.open(t, "/", desktop)
	theme := `document.documentElement.getAttribute("data-fr-theme")`
	if got := eval[string](t, tb, theme); got != "light" {
		t.Fatalf("theme before any choice %q, want light (headless Chromium's system theme)", got)
	}
	openDisplaySettings(t, tb)
	if vs := axe(t, tb); len(vs) > 0 {
		t.Errorf("the open display settings: %d axe violations:%s", len(vs), describe(vs))
	}
	if err := chromedp.Do(tb.ctx, chromedp.Click(`#fr-theme-modal label[for="fr-radios-theme-dark"]`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, tb, theme); got != "dark" {
		t.Errorf("theme after choosing dark %q", got)
	}
	if got := eval[string](t, tb, `localStorage.getItem("scheme")`); got != "dark" {
		t.Errorf("the choice kept in the browser: %q, want dark", got)
	}
	if errs := tb.problems(); len(errs) > 0 {
		t.Errorf("browser errors:\n  %s", strings.Join(errs, "\n  "))
	}

	// Every page type in the dark theme, chosen once: zero axe violations.
	for _, p := range pageTypes {
		path := resolve(t, store, p)
		t.Run("sombre/"+p.name, func(t *testing.T) {
			tb := b.open(t, path, desktop)
			if got := eval[string](t, tb, theme); got != "dark" {
				t.Fatalf("%s: theme %q, the dark theme chosen before", path, got)
			}
			if vs := axe(t, tb); len(vs) > 0 {
				t.Errorf("%s (dark theme): %d axe violations:%s", path, len(vs), describe(vs))
			}
			screenshot(t, tb, p.name+"-sombre")
		})
	}

	// Back to the system's theme.
	tb = b.open(t, "/domaines", desktop)
	openDisplaySettings(t, tb)
	if err := chromedp.Do(tb.ctx, chromedp.Click(`#fr-theme-modal label[for="fr-radios-theme-system"]`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, tb, theme); got != "light" {
		t.Errorf("theme after choosing the system's %q", got)
	}
	if got := eval[string](t, tb, `localStorage.getItem("scheme")`); got != "system" {
		t.Errorf("the choice kept in the browser: %q, want system", got)
	}

	noJS := b.open(t, "/", tabOptions{width: 1280, height: 900, noJS: true})
	if shown := eval[bool](t, noJS, `getComputedStyle(document.querySelector("footer .fr-btn--display")).display !== "none"`); shown {
		t.Error("without JavaScript the display settings' button is shown, though it cannot work")
	}
}

// openDisplaySettings clicks the footer's button and waits until the modal is open and its fade-in over (axe
// would measure the contrast of half-transparent text, a click could land before the modal takes it).
func openDisplaySettings(t *testing.T, tb *tab) {
	t.Helper()
	for i := 0; !eval[bool](t, tb, `document.documentElement.getAttribute("data-fr-js") === "true"`); i++ {
		if i == 50 {
			t.Fatal("the DSFR's script did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Click(`footer .fr-btn--display`)); err != nil {
		t.Fatalf("opening the display settings: %v", err)
	}
	opened := `(() => { const m = document.getElementById("fr-theme-modal");
		return m.open && getComputedStyle(m).opacity === "1" && getComputedStyle(m.querySelector(".fr-modal__body")).opacity === "1" })()`
	for i := 0; !eval[bool](t, tb, opened); i++ {
		if i == 50 {
			t.Fatal("the display settings' dialog is not open")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
}
