package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"campus/internal/postgres"
	"campus/internal/testenv"
	"campus/internal/web/webtest"
)

// repoRoot is the checkout's root, from this package's folder.
func repoRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// chromiumPath finds Debian's chromium (or another Chrome) or skips; under CI=true a missing browser fails.
func chromiumPath(t testing.TB) string {
	return testenv.Command(t, "apt-get install chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
}

// chromium is the package's one headless Chromium, started on first use and stopped by TestMain: starting a
// browser per test cost seconds each on a 2-core machine. Tests never share cookies or storage: each one opens
// its own browser context (newBrowser), the equivalent of a private window.
var chromium struct {
	once   sync.Once
	rootC  context.Context
	cancel func()
	err    error
}

func startChromium(path string) (context.Context, error) {
	chromium.once.Do(func() {
		dir, err := os.MkdirTemp("", "campus-e2e-chromium-")
		if err != nil {
			chromium.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("lang", "fr-FR"),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1280, 900),
		)
		allocC, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		rootC, cancelRoot := chromedp.NewContext(allocC)
		chromium.rootC = rootC
		chromium.cancel = func() { cancelRoot(); cancelAlloc(); os.RemoveAll(dir) }
		if err := chromedp.Do(rootC, chromedp.Navigate("about:blank")); err != nil {
			chromium.cancel()
			chromium.err = fmt.Errorf("starting Chromium: %w", err)
		}
	})
	return chromium.rootC, chromium.err
}

// stopChromium closes the shared browser, if a test started it.
func stopChromium() {
	if chromium.cancel != nil && chromium.err == nil {
		ctx, cancel := context.WithTimeout(chromium.rootC, 10*time.Second)
		defer cancel()
		chromedp.Cancel(ctx)
		chromium.cancel()
	}
}

// browser is a test's private window in the shared Chromium: its own cookies, and one tab in which every page
// opens in turn. Navigating an open tab costs about a third of opening a new one (0.25 s against 0.5–1 s).
type browser struct {
	rootC context.Context // the window's one tab
	base  string
	mu    sync.Mutex
	cur   *tab // the page now shown, to which the tab's errors are recorded
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	shared, err := startChromium(chromiumPath(t))
	if err != nil {
		t.Fatal(err)
	}
	rootC, cancel := chromedp.NewContext(shared, chromedp.WithNewBrowserContext())
	b := &browser{rootC: rootC, base: base}
	chromedp.Listen(rootC, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.record("exception: " + e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.record("console.error: " + strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				b.record(fmt.Sprintf("%s: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	})
	err = chromedp.Do(rootC,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{})
			return err
		}),
	)
	if err != nil {
		cancel()
		t.Fatalf("opening a browser context: %v", err)
	}
	t.Cleanup(cancel)
	return b
}

// record adds an error to the page now shown.
func (b *browser) record(s string) {
	b.mu.Lock()
	cur := b.cur
	b.mu.Unlock()
	if cur != nil {
		cur.record(s)
	}
}

// tab is a page open in a browser's tab, with the console errors, exceptions and CSP violations it raised.
type tab struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func (tb *tab) record(s string) {
	tb.mu.Lock()
	tb.errors = append(tb.errors, s)
	tb.mu.Unlock()
}

func (tb *tab) problems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errors...)
}

type tabOptions struct {
	width, height int64
	mobile        bool
	noJS          bool
}

var desktop = tabOptions{width: 1280, height: 900}
var mobile = tabOptions{width: 375, height: 812, mobile: true}

// open shows path in the browser's tab, sized and with or without JavaScript as o says (set anew for every
// page), and waits for the load. The page's errors are recorded from here on, apart from those of the pages
// shown before; the page's calls time out after 60 s and end with the (sub)test t. A page stays usable
// until the browser opens the next one.
func (b *browser) open(t *testing.T, path string, o tabOptions) *tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.rootC, 60*time.Second)
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx}
	b.mu.Lock()
	b.cur = tb
	b.mu.Unlock()
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: o.noJS})
			return err
		}),
		chromedp.EmulateViewport(o.width, o.height, func(p *emulation.SetDeviceMetricsOverrideParams, t *emulation.SetTouchEmulationEnabledParams) {
			p.Mobile = o.mobile
		}),
		chromedp.Navigate(b.base+path),
	)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return tb
}

// fill types into a form's fields: values by the CSS selector of their field (independent fields: in any order).
func fill(values map[string]string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for sel, v := range values {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	return chromedp.Steps(steps...)
}

// sentBack runs steps on the tab's page (filling a form, then a click or a submit) and waits for the form to
// come back from the server with its error summary.
func (tb *tab) sentBack(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, append(steps, chromedp.WaitVisible(chromedp.CSS(`#erreurs-formulaire`)))...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// server starts the real portal handler on a random port over the seeded test database.
func server(t *testing.T, store *postgres.Store) string {
	t.Helper()
	srv, _ := webtest.Start(t, store, nil, nil)
	return srv.URL
}

// axeTags are the rule sets the portal must pass with zero violations.
var axeTags = []string{"RGAAv4", "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Failure string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRules is the number of RGAAv4 rules of the injected axe-core, counted on the first scan.
var axeRules struct {
	once sync.Once
	n    int
	err  error
}

// axe injects axe-core into the page and returns the violations of the portal's rule sets.
func axe(t *testing.T, tb *tab) []axeViolation {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("axe-core is not installed (npm ci): %v", err)
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	tags, _ := json.Marshal(axeTags)
	// Guard against a renamed tag silently selecting no rule: every page injects the same axe.min.js, so its
	// rules are counted once per package, and every scan checks that count.
	axeRules.once.Do(func() {
		axeRules.n, axeRules.err = chromedp.Run(tb.ctx, chromedp.Evaluate[int](`axe.getRules(["RGAAv4"]).length`))
	})
	if axeRules.err != nil {
		t.Fatalf("counting axe-core's RGAAv4 rules: %v", axeRules.err)
	}
	if axeRules.n < 50 {
		t.Fatalf("axe-core knows only %d RGAAv4 rules: wrong axe-core version?", axeRules.n)
	}
	raw := eval[json.RawMessage](t, tb, `axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
		.then(r => r.violations)`)
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return append(vs, layout(t, tb)...)
}

// layoutCheck finds what no markup rule sees but a person does, reported like axe's violations: a button or
// link styled as a button whose label is clipped (a DSFR button with an icon, in a group without
// fr-btns-group--icon-left, shrinks to its icon), content cut off by a box that hides what overflows it, and a
// page wider than the window (a sideways scroll).
const layoutCheck = `(() => {
	const out = [];
	// The DSFR's search bar shrinks its button to an icon on small screens on purpose (it has a title).
	const clipped = [...document.querySelectorAll("main .fr-btn")].filter(el => !el.closest(".fr-search-bar")).filter(el => {
		const r = el.getBoundingClientRect();
		return r.width > 0 && el.textContent.trim() !== "" && el.scrollWidth > el.clientWidth + 1;
	});
	if (clipped.length) out.push({id: "campus-clipped-label", impact: "serious",
		help: "Le libellé d’un bouton est coupé (bouton réduit à son icône ?)", helpUrl: "",
		nodes: clipped.map(el => ({target: [el.className], html: el.outerHTML.slice(0, 200),
			failureSummary: "largeur " + el.clientWidth + " px pour un libellé de " + el.scrollWidth + " px"}))});
	// Content cut off by a box that hides what overflows it, rather than scrolling it (a table of the DSFR's
	// deprecated markup inside .fr-table--no-scroll lost its last columns on a phone). The DSFR shrinks some
	// controls to their icon on purpose (buttons, pagination links: they have a title), and a fluid container hides
	// the negative margins of its grid's gutters; fields scroll their text.
	const cut = [...document.querySelectorAll("main *")].filter(el => !el.matches(".fr-btn, .fr-pagination__link, .fr-container--fluid, input, select, textarea")).filter(el => {
		const s = getComputedStyle(el);
		return (s.overflowX === "hidden" || s.overflowX === "clip") && el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1;
	});
	if (cut.length) out.push({id: "campus-clipped-content", impact: "serious",
		help: "Un contenu déborde d’un cadre qui le masque au lieu de le faire défiler : il est hors d’atteinte", helpUrl: "",
		nodes: cut.map(el => ({target: [el.tagName + "." + el.className], html: el.outerHTML.slice(0, 200),
			failureSummary: "largeur " + el.clientWidth + " px pour un contenu de " + el.scrollWidth + " px"}))});
	// A DSFR download link writes its detail (format, size) under its label, where the label's line ends: when
	// the link wraps before its icon, the icon falls on that detail (a narrow table column: "IC⤓" for "ICS").
	const covered = [...document.querySelectorAll("main a.fr-link--download")].filter(a => {
		const d = a.querySelector(".fr-link__detail"), lines = a.getClientRects();
		if (!d || lines.length === 0) return false;
		const last = lines[lines.length - 1], r = d.getBoundingClientRect();
		return r.top < last.bottom - 1 && r.bottom > last.top + 1 && r.left < last.right - 1 && r.right > last.left + 1;
	});
	if (covered.length) out.push({id: "campus-download-detail-covered", impact: "serious",
		help: "L’icône d’un lien de téléchargement recouvre son format (le lien passe à la ligne avant l’icône)", helpUrl: "",
		nodes: covered.map(el => ({target: [el.className], html: el.outerHTML.slice(0, 200), failureSummary: "détail recouvert"}))});
	// Text drawn too small to read: an SVG chart scaled down to a phone's width shrinks its text with it.
	const tiny = [...document.querySelectorAll("main svg text")].filter(el => {
		const box = el.getBBox(), r = el.getBoundingClientRect();
		return box.height > 0 && r.height > 0 && parseFloat(getComputedStyle(el).fontSize) * r.height / box.height < 10;
	});
	if (tiny.length) out.push({id: "campus-tiny-text", impact: "serious",
		help: "Un texte est affiché à moins de 10 px (un graphique réduit à la largeur de l’écran ?)", helpUrl: "",
		nodes: tiny.slice(0, 3).map(el => ({target: [el.tagName + "." + el.className.baseVal], html: el.outerHTML.slice(0, 200), failureSummary: "texte illisible"}))});
	// The window's width is the root's clientWidth: on a phone (mobile emulation) window.innerWidth grows with a
	// page wider than the screen, as the browser zooms out to show it, so it never saw the sideways scroll.
	const wide = document.documentElement.scrollWidth, view = document.documentElement.clientWidth;
	if (wide > view + 1) {
		const culprits = [...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > view + 1)
			.filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= view + 1).slice(0, 5);
		out.push({id: "campus-horizontal-scroll", impact: "serious",
			help: "La page est plus large que la fenêtre (" + wide + " px pour " + view + " px) : défilement horizontal", helpUrl: "",
			nodes: culprits.map(el => ({target: [el.tagName + "." + el.className], html: el.outerHTML.slice(0, 200), failureSummary: "déborde à droite"}))});
	}
	return out;
})()`

func layout(t *testing.T, tb *tab) []axeViolation {
	t.Helper()
	raw := eval[json.RawMessage](t, tb, layoutCheck)
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("layout check: %v", err)
	}
	return vs
}

func describe(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s (%s) — %s", v.Impact, v.ID, v.Help, v.URL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      at %v: %s\n        %s", n.Target, n.HTML, strings.ReplaceAll(n.Failure, "\n", " "))
		}
	}
	return b.String()
}

// screenshot keeps the page as a PNG under test-output/screenshots when the test fails (taken as the test
// ends, whatever made it fail), or for every page with E2E_SCREENSHOTS=all: a full-page capture costs
// hundreds of milliseconds, spent only where someone will look.
func screenshot(t *testing.T, tb *tab, name string) {
	t.Helper()
	all := os.Getenv("E2E_SCREENSHOTS") == "all"
	dir := filepath.Join(repoRoot(t), "test-output", "screenshots")
	t.Cleanup(func() {
		if !all && !t.Failed() {
			return
		}
		png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Log(err)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Log(err)
			return
		}
		if !all {
			t.Logf("screenshot of the failing page: %s", filepath.Join(dir, name+".png"))
		}
	})
}
