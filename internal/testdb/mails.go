package testdb

import (
	"regexp"
	"testing"

	"campus/internal/postgres"
)

// LastLink returns the token of the link under path (such as "/verification/" or "/accord/") in the latest mail
// queued to the address to, "" when no mail was queued to it; the test fails when that mail carries no such
// link. The store draws the token of every link it mails and keeps only its hash: the mail is where a test
// reads it, as its recipient would.
func LastLink(t testing.TB, s *postgres.Store, to, path string) string {
	t.Helper()
	bodies := Column[string](t, s, `SELECT body FROM mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, to)
	if len(bodies) == 0 {
		return ""
	}
	m := regexp.MustCompile(regexp.QuoteMeta(path) + `([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`).FindStringSubmatch(bodies[0])
	if m == nil {
		t.Fatalf("no link %s… in the latest mail to %s:\n%s", path, to, bodies[0])
	}
	return m[1]
}
