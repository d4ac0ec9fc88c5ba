package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"campus/internal/testdb"
)

// activeElement describes the focused element: tag, id, href and text.
const activeElement = `(() => { const e = document.activeElement;
	return [e.tagName, e.id || "", e.getAttribute("href") || "", (e.textContent || "").trim()].join("|") })()`

func press(t *testing.T, tb *tab, key string) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("key %q: %v", key, err)
	}
}

// TestKeyboard_SkipLinkReachesContent: the first Tab lands on the "Contenu" skip link, Enter moves the focus
// to the main content.
func TestKeyboard_SkipLinkReachesContent(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))
	for _, path := range []string{"/", "/domaines/data", "/accessibilite"} {
		tb := b.open(t, path, desktop)
		press(t, tb, kb.Tab)
		if got := eval[string](t, tb, activeElement); got != "A||#content|Contenu" {
			t.Fatalf("%s: first Tab focuses %q, want the skip link to #content", path, got)
		}
		press(t, tb, kb.Enter)
		if got := eval[string](t, tb, `location.hash + " " + document.activeElement.id`); got != "#content content" {
			t.Errorf("%s: after Enter on the skip link: %q, want focus on main#content", path, got)
		}
	}
}

// TestKeyboard_MainNavigation: Tab alone reaches every entry of the main navigation, in order, and Enter follows it.
func TestKeyboard_MainNavigation(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))
	tb := b.open(t, "/", desktop)
	want := eval[[]string](t, tb, `[...document.querySelectorAll("#header-navigation a")].map(a => a.getAttribute("href"))`)
	if len(want) < 5 {
		t.Fatalf("main navigation has %d links", len(want))
	}
	var seen []string
	for i := 0; i < 60 && len(seen) < len(want); i++ {
		press(t, tb, kb.Tab)
		inNav := eval[bool](t, tb, `!!document.activeElement.closest("#header-navigation")`)
		if inNav {
			seen = append(seen, eval[string](t, tb, `document.activeElement.getAttribute("href")`))
		}
	}
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Fatalf("Tab reached %v in the navigation, want %v", seen, want)
	}
	// The focus is on the last entry: Enter follows it.
	press(t, tb, kb.Enter)
	if err := chromedp.Do(tb.ctx, chromedp.WaitVisible("h1")); err != nil {
		t.Fatal(err)
	}
	if loc := eval[string](t, tb, `location.pathname`); loc != want[len(want)-1] {
		t.Errorf("Enter on %s led to %s", want[len(want)-1], loc)
	}
}

// TestNoJavaScript: with JavaScript disabled the catalogue pages show their content, and on a phone every
// section of the portal stays reachable through visible links.
func TestNoJavaScript(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, server(t, store))

	withJS := b.open(t, "/", desktop)
	if !eval[bool](t, withJS, `document.documentElement.hasAttribute("data-fr-js")`) {
		t.Fatal("the DSFR JavaScript did not run with JavaScript enabled: the no-JS check would prove nothing")
	}

	for _, p := range pageTypes {
		if p.status != 0 {
			continue
		}
		path := resolve(t, store, p)
		for _, o := range []tabOptions{{width: 1280, height: 900, noJS: true}, {width: 375, height: 812, mobile: true, noJS: true}} {
			tb := b.open(t, path, o)
			if eval[bool](t, tb, `document.documentElement.hasAttribute("data-fr-js")`) {
				t.Fatalf("%s: JavaScript ran although disabled", path)
			}
			// Visible: of some size, not hidden, and on the page (not pushed above its top or left of it, as a
			// collapse's negative margin once pulled the whole page out of sight).
			visible := `(sel) => [...document.querySelectorAll(sel)].filter(e => { const r = e.getBoundingClientRect();
				const s = getComputedStyle(e); return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" &&
					r.bottom + window.scrollY > 0 && r.right + window.scrollX > 0 })`
			if n := eval[int](t, tb, `(`+visible+`)("main h1").length`); n != 1 {
				t.Errorf("%s (width %d, no JS): %d visible h1", path, o.width, n)
			}
			if strings.Contains(path, "/domaines/cybersecurite") {
				if n := eval[int](t, tb, `(`+visible+`)("main .fr-card").length`); n < 10 {
					t.Errorf("%s (no JS): only %d visible cards", path, n)
				}
			}
			// No visible button waits for the DSFR's script (a modal's or a collapse's: it would do nothing), and
			// the breadcrumb's links show.
			if dead := eval[[]string](t, tb, `(`+visible+`)("button[aria-controls], button[aria-expanded]").map(b => b.textContent.trim())`); len(dead) > 0 {
				t.Errorf("%s (width %d, no JS): buttons that do nothing without JavaScript: %q", path, o.width, dead)
			}
			if all, shown := eval[int](t, tb, `document.querySelectorAll(".fr-breadcrumb a").length`), eval[int](t, tb, `(`+visible+`)(".fr-breadcrumb a").length`); shown != all {
				t.Errorf("%s (width %d, no JS): %d of the breadcrumb's %d links visible", path, o.width, shown, all)
			}
			// Every section of the main navigation has a visible link somewhere on the page.
			missing := eval[[]string](t, tb, `(() => { const vis = (`+visible+`)("a[href]").map(a => a.getAttribute("href"));
				return [...document.querySelectorAll("#header-navigation a")].map(a => a.getAttribute("href")).filter(h => !vis.includes(h)) })()`)
			if len(missing) > 0 {
				t.Errorf("%s (width %d, no JS): no visible link to %v", path, o.width, missing)
			}
		}
	}
}

// formPages are pages whose forms must be usable with the keyboard alone: every control of every form in
// main is reached by Tab. Add each new form page here.
var formPages = []string{"/connexion", "/inscription", "/mot-de-passe-oublie"}

// TestKeyboard_FormsReachable: Tab alone visits every field and button of each form, in the page's order.
func TestKeyboard_FormsReachable(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	b := newBrowser(t, accountServer(t, store))
	for _, path := range formPages {
		tb := b.open(t, path, desktop)
		controls := eval[[]string](t, tb, `(() => { let i = 0; return [...document.querySelectorAll(
			"main form input:not([type=hidden]), main form select, main form textarea, main form button")]
			.filter(e => !e.disabled).map(e => { if (!e.dataset.k) e.dataset.k = "k" + (i++); return e.dataset.k }) })()`)
		if len(controls) == 0 {
			t.Fatalf("%s: no form control found", path)
		}
		seen := map[string]bool{}
		for i := 0; i < 120 && len(seen) < len(controls); i++ {
			press(t, tb, kb.Tab)
			if k := eval[string](t, tb, `document.activeElement.dataset.k || ""`); k != "" {
				seen[k] = true
			}
		}
		if len(seen) != len(controls) {
			t.Errorf("%s: Tab reached %d of the %d form controls", path, len(seen), len(controls))
		}
	}
}

// TestKeyboard_SignInWithKeyboardOnly: a person who uses no mouse signs in: Tab to each field, type, Enter.
func TestKeyboard_SignInWithKeyboardOnly(t *testing.T) {
	t.Parallel()
	store := testdb.Seeded(t)
	email, _ := e2eUser(t, store, "agent")
	b := newBrowser(t, accountServer(t, store))
	tb := b.open(t, "/connexion", desktop)
	tabTo := func(id string) {
		t.Helper()
		for i := 0; i < 80; i++ {
			press(t, tb, kb.Tab)
			if eval[string](t, tb, `document.activeElement.id`) == id {
				return
			}
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	tabTo("email")
	press(t, tb, email)
	tabTo("password")
	press(t, tb, e2ePassword)
	press(t, tb, kb.Enter)
	if err := chromedp.Do(tb.ctx, chromedp.WaitReady(chromedp.CSS(`.fr-header__tools form[action="/deconnexion"]`))); err != nil {
		t.Fatalf("not signed in after Enter: %v", err)
	}
	if got := eval[string](t, tb, `location.pathname`); got != "/compte" {
		t.Errorf("after signing in with the keyboard the browser is on %s, want /compte", got)
	}
}
