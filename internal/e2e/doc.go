// Package e2e holds the browser tests: headless Chromium (Debian's chromium package, driven with chromedp)
// against the real portal on a random port and the real database. They scan every page type with axe-core
// (RGAA and WCAG 2.1 A/AA rules), check keyboard use, the pages without JavaScript, CSP errors, and write
// screenshots under test-output/screenshots. Without Chromium they skip with a visible message, except under
// CI=true where they fail.
package e2e
