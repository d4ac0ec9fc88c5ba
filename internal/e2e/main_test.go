package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain says loudly, even without -v, when the browser tests cannot run here, and stops the shared
// Chromium at the end.
func TestMain(m *testing.M) {
	found := false
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if _, err := exec.LookPath(name); err == nil {
			found = true
		}
	}
	if !found && os.Getenv("CI") != "true" {
		fmt.Fprintln(os.Stderr, "e2e: SKIPPED: Chromium is not installed, the browser and accessibility tests did not run (apt-get install chromium)")
	}
	code := m.Run()
	stopChromium()
	os.Exit(code)
}
