// Package e2e holds the browser tests: headless Chromium (Debian's chromium package, driven with chromedp)
// against the real portal on a random port and the real database. They scan every page type with axe-core
// (RGAA and WCAG 2.1 A/AA rules), check keyboard use, the pages without JavaScript, CSP errors, and write
// screenshots of failing pages under test-output/screenshots (of every page with E2E_SCREENSHOTS=all).
// Without Chromium they skip with a visible message, except under CI=true where they fail.
//
// Every top-level test runs in parallel with the others (t.Parallel): each has its own server and its own
// browser context in the one shared Chromium. Those on the shared seeded database (testdb.Seeded) only read
// it or add accounts of their own; a test that changes the catalogue takes a database of its own
// (testdb.NewSeeded, testdb.NewMigrated). `make test` runs this package without -race (see the Makefile).
package e2e
