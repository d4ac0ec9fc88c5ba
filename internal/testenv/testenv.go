// Package testenv is the suite's one rule for a test that needs something of the machine (a database, a
// browser, a command-line checker, a font): when it is missing the test skips with a visible message, except
// under CI=true where it fails. A skipped test proves nothing, and `go test` without -v does not even say so;
// CI may never skip one silently. `make test` also fails under CI=true on any "--- SKIP" line of its log but
// those of the tests listed in its ALLOWED_SKIPS (see the Makefile): a skip is allowed only explicitly.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the suite runs under CI=true, where nothing may skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Require fails the test under CI, or skips it otherwise, unless ok: what names what is missing and how to
// install it ("pdftotext is missing (apt-get install poppler-utils)").
func Require(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if CI() {
		t.Fatalf("%s and CI=true: this test may not skip", what)
	}
	t.Skip("SKIPPED: " + what)
}

// Command returns the path of the first of the named programs found on PATH; without any, it fails the test
// under CI and skips it otherwise (see Require), install saying how to get one ("apt-get install chromium").
func Command(t testing.TB, install string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Require(t, false, names[0]+" is missing ("+install+")")
	return ""
}

// File fails the test under CI, or skips it otherwise, when path does not exist; install says how to get it.
func File(t testing.TB, path, install string) {
	t.Helper()
	_, err := os.Stat(path)
	Require(t, err == nil, path+" is missing ("+install+")")
}
