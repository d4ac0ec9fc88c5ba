package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// The fixtures and checks shared by this package's tests (the SQL helpers are internal/testdb's).

var userSeq atomic.Int64

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s.%d.%d@exemple.gouv.fr", prefix, time.Now().UnixNano(), userSeq.Add(1))
}

// signUp signs up an account under email (its address not proven yet) and returns its id and the token of its
// confirmation link, read from the mail.
func signUp(t *testing.T, s *postgres.Store, email string) (int64, string) {
	t.Helper()
	id, created, err := s.SignUp(context.Background(), postgres.NewAccount{Email: email, PasswordHash: "$argon2id$x", GivenName: "Camille"})
	if err != nil || !created {
		t.Fatalf("SignUp(%s) = %v, %v", email, created, err)
	}
	return id, testdb.LastLink(t, s, email, "/verification/")
}

// mailedHash is the hash of the token of the link under path in the latest mail to the address to, as the
// recipient would follow it; the test fails when no mail carries one.
func mailedHash(t testing.TB, s *postgres.Store, to, path string) []byte {
	t.Helper()
	tok := testdb.LastLink(t, s, to, path)
	if tok == "" {
		t.Fatalf("no mail to %s", to)
	}
	mailedOnlyTo(t, s, tok, to)
	return account.HashToken(tok)
}

// mailedOnlyTo fails the test when a mail queued to another address than to ("": to any address) carries token:
// the store draws the tokens and writes the mails, so nothing but this check says where a link went.
func mailedOnlyTo(t testing.TB, s *postgres.Store, token, to string) {
	t.Helper()
	if others := testdb.Column[string](t, s, `SELECT recipient FROM mail_outbox WHERE strpos(body, $1) > 0 AND recipient <> $2`,
		token, to); len(others) > 0 {
		t.Errorf("the link of token %s… was mailed to %v", token[:8], others)
	}
}

// resetLink issues a password-reset link to the account id, of address email, and returns the hash of the
// token its mail carries.
func resetLink(t testing.TB, s *postgres.Store, id int64, email string) []byte {
	t.Helper()
	if err := s.IssueToken(context.Background(), id, account.PurposeResetPassword); err != nil {
		t.Fatal(err)
	}
	return mailedHash(t, s, email, "/reinitialisation/")
}

// newUser is signUp under a unique address of the given prefix, returned with the account's id.
func newUser(t *testing.T, s *postgres.Store, prefix string) (int64, string) {
	t.Helper()
	email := uniqueEmail(prefix)
	id, _ := signUp(t, s, email)
	return id, email
}

// openSession stores a session of the account id under the token, as signing in would.
func openSession(t *testing.T, s *postgres.Store, id int64, token string) {
	t.Helper()
	expiry := time.Now().Add(time.Hour)
	data, err := scs.GobCodec{}.Encode(expiry, map[string]any{postgres.SessionUserKey: id})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SessionStore(scs.GobCodec{}).Commit(token, data, expiry); err != nil {
		t.Fatal(err)
	}
}

// sessionFound tells whether the session store still holds the token's session.
func sessionFound(t *testing.T, s *postgres.Store, token string) bool {
	t.Helper()
	_, found, err := s.SessionStore(scs.GobCodec{}).Find(token)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func outboxKinds(t *testing.T, s *postgres.Store, to string) []string {
	t.Helper()
	ms, err := s.RecentMails(context.Background(), to, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i := len(ms) - 1; i >= 0; i-- {
		kinds = append(kinds, ms[i].Kind)
	}
	return kinds
}

// system is the actor of the changes made by the tests (no account).
var system = admin.Actor{Name: "test"}

// agent creates an account of an administration directly, its address proven.
func agent(t *testing.T, s *postgres.Store, administration string) account.User {
	t.Helper()
	// Inserted rather than signed up: the tests read the agent's mails, and a sign-up would add its own.
	id := testdb.Int64(t, s, `INSERT INTO users (email, email_verified_at, given_name, usual_name, administration)
		VALUES ($1, now(), 'Camille', 'Agent', $2) RETURNING id`, uniqueEmail("licence"), administration)
	return testdb.Must(s.UserByID(context.Background(), id))(t)
}
