package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
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

	"campus/internal/config"
	"campus/internal/postgres"
	"campus/internal/web"
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
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed and CI=true: browser tests may not skip (apt-get install chromium)")
	}
	t.Skip("SKIPPED: Chromium is not installed (apt-get install chromium); browser tests did not run")
	return ""
}

// browser is one headless Chromium for a test; each page opens in a new tab.
type browser struct {
	t      *testing.T
	allocC context.Context
	rootC  context.Context
	base   string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocC, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	rootC, cancelRoot := chromedp.NewContext(allocC)
	if err := chromedp.Do(rootC, chromedp.Navigate("about:blank")); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	return &browser{t: t, allocC: allocC, rootC: rootC, base: base}
}

// tab is an open page with the console errors, exceptions and CSP violations it raised.
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

// open opens path in a new tab, sized and with or without JavaScript, and waits for the load.
func (b *browser) open(path string, o tabOptions) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.rootC)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	b.t.Cleanup(func() { cancelTimeout(); cancel() })
	tb := &tab{ctx: ctx}
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.record("exception: " + e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.record("console.error: " + strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				tb.record(fmt.Sprintf("%s: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	})
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: o.noJS})
			return err
		}),
		chromedp.EmulateViewport(o.width, o.height, func(p *emulation.SetDeviceMetricsOverrideParams, t *emulation.SetTouchEmulationEnabledParams) {
			p.Mobile = o.mobile
		}),
		chromedp.Navigate(b.base+path),
	)
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return tb
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
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	t.Cleanup(srv.Close)
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
	// Guard against a renamed tag silently selecting no rule.
	if n := eval[int](t, tb, `axe.getRules(["RGAAv4"]).length`); n < 50 {
		t.Fatalf("axe-core knows only %d RGAAv4 rules: wrong axe-core version?", n)
	}
	raw := eval[json.RawMessage](t, tb, `axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
		.then(r => r.violations)`)
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("axe result: %v", err)
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

// screenshot writes the page as a PNG under test-output/screenshots for anyone to look at.
func screenshot(t *testing.T, tb *tab, name string) {
	t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join(repoRoot(t), "test-output", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
